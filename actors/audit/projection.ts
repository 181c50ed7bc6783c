/**
 * The `audit_log` read model: one row per `audit.recorded` event (ids, the
 * action, the route — no personal data), keyed by the event's place in the
 * feed.
 */
import { upsertFromJson } from "../../runtime/sql/mod.ts";
import { assertCurrentVersion } from "../../runtime/core/mod.ts";
import type { Commit } from "../../runtime/core/mod.ts";
import type { Projection } from "../../runtime/projection/mod.ts";
import type { SqlExecutor, UpsertColumn } from "../../runtime/sql/mod.ts";
import { AUDIT_EVENT_TYPES, AuditEventVersions } from "./events.ts";
import type { AuditRecorded } from "./events.ts";

/** Name of the projection and of its table. */
export const AUDIT_LOG_PROJECTION = "audit_log";

const COLUMNS: readonly UpsertColumn[] = [
  ["position", "bigint"],
  ["idx", "integer"],
  ["at", "timestamptz"],
  ["action", "text"],
  ["actor_id", "text"],
  ["actor_role", "text"],
  ["actor_bedrift_id", "text"],
  ["subjects", "jsonb"],
  ["resource", "text"],
  ["request_id", "text"],
];
/** The columns a list selects. */
export const AUDIT_SELECT = COLUMNS.map(([name]) => name).join(", ");
const INSERT = upsertFromJson(AUDIT_LOG_PROJECTION, COLUMNS, [
  "position",
  "idx",
]);

/** Projection of the audit log. */
export const auditLogProjection: Projection = {
  name: AUDIT_LOG_PROJECTION,
  eventTypes: AUDIT_EVENT_TYPES,
  tables: [AUDIT_LOG_PROJECTION],
  migrations: [{
    version: 1,
    name: "create audit_log",
    sql: `
      CREATE TABLE audit_log (
        position bigint NOT NULL,
        idx integer NOT NULL,
        at timestamptz NOT NULL,
        action text NOT NULL,
        actor_id text NOT NULL,
        actor_role text NOT NULL,
        actor_bedrift_id text,
        subjects jsonb NOT NULL,
        resource text NOT NULL,
        request_id text,
        PRIMARY KEY (position, idx)
      );
      CREATE INDEX audit_log_subjects_idx ON audit_log USING gin (subjects);
      CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, position DESC);
    `,
  }],
  async apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    const rows = commits.flatMap((commit) =>
      commit.events.map((e, idx) => {
        const event = e as AuditRecorded;
        assertCurrentVersion(AuditEventVersions, event);
        const d = event.data;
        return {
          position: commit.position,
          idx,
          at: d.at,
          action: d.action,
          actor_id: d.actor.userId,
          actor_role: d.actor.role,
          actor_bedrift_id: d.actor.bedriftId,
          subjects: d.subjects,
          resource: d.resource,
          request_id: d.requestId,
        };
      })
    );
    if (rows.length > 0) await tx.query(INSERT, [JSON.stringify(rows)]);
  },
};
