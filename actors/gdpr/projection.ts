/**
 * The `gdpr_consents` read model: one row per consent record (ids, purpose,
 * legal basis, status, times — no personal data), keyed by the event's
 * place in the feed, so a batch applied twice inserts nothing new.
 */
import { upsertFromJson } from "../../runtime/sql/mod.ts";
import { assertCurrentVersion } from "../../runtime/core/mod.ts";
import type { Commit } from "../../runtime/core/mod.ts";
import type { Projection } from "../../runtime/projection/mod.ts";
import type { SqlExecutor, UpsertColumn } from "../../runtime/sql/mod.ts";
import { GdprEventVersions } from "./events.ts";
import type { GdprConsentRecorded } from "./events.ts";

/** Name of the projection and of its table. */
export const GDPR_CONSENTS_PROJECTION = "gdpr_consents";

const COLUMNS: readonly UpsertColumn[] = [
  ["position", "bigint"],
  ["idx", "integer"],
  ["subject_id", "text"],
  ["kind", "text"],
  ["bedrift_id", "text"],
  ["consent_id", "text"],
  ["purpose", "text"],
  ["legal_basis", "text"],
  ["status", "text"],
  ["at", "timestamptz"],
  ["recorded_at", "timestamptz"],
  ["recorded_by", "text"],
];
/** The columns a list selects. */
export const CONSENT_SELECT = COLUMNS.map(([name]) => name).join(", ");
const INSERT = upsertFromJson(GDPR_CONSENTS_PROJECTION, COLUMNS, [
  "position",
  "idx",
]);

/** Projection of `gdpr.consent_recorded` into `gdpr_consents`. */
export const gdprConsentsProjection: Projection = {
  name: GDPR_CONSENTS_PROJECTION,
  eventTypes: ["gdpr.consent_recorded"],
  tables: [GDPR_CONSENTS_PROJECTION],
  migrations: [{
    version: 1,
    name: "create gdpr_consents",
    sql: `
      CREATE TABLE gdpr_consents (
        position bigint NOT NULL,
        idx integer NOT NULL,
        subject_id text COLLATE "C" NOT NULL,
        kind text NOT NULL,
        bedrift_id text,
        consent_id text NOT NULL,
        purpose text NOT NULL,
        legal_basis text NOT NULL,
        status text NOT NULL,
        at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        recorded_by text NOT NULL,
        PRIMARY KEY (position, idx)
      );
      CREATE INDEX gdpr_consents_subject_idx
        ON gdpr_consents (subject_id, position DESC, idx DESC);
      CREATE INDEX gdpr_consents_bedrift_idx
        ON gdpr_consents (bedrift_id, position DESC, idx DESC);
    `,
  }],
  async apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    const rows = commits.flatMap((commit) =>
      commit.events.map((e, idx) => {
        const event = e as GdprConsentRecorded;
        assertCurrentVersion(GdprEventVersions, event);
        const d = event.data;
        return {
          position: commit.position,
          idx,
          subject_id: d.subjectId,
          kind: d.kind,
          bedrift_id: d.bedriftId,
          consent_id: d.consentId,
          purpose: d.purpose,
          legal_basis: d.legalBasis,
          status: d.status,
          at: d.at,
          recorded_at: d.recordedAt,
          recorded_by: d.recordedBy,
        };
      })
    );
    if (rows.length > 0) await tx.query(INSERT, [JSON.stringify(rows)]);
  },
};
