/** Queries of the `audit_log` read model. */
import { isoTimestamp, SqlParams } from "../../runtime/sql/mod.ts";
import type { ListOptions, Page, SqlExecutor } from "../../runtime/sql/mod.ts";
import { newestEventRows } from "../event_rows.ts";
import { AUDIT_LOG_PROJECTION, AUDIT_SELECT } from "./projection.ts";
import type { AuditAction, AuditEntry } from "./types.ts";

/** An audit entry as the list shows it. */
export interface AuditItem extends AuditEntry {
  position: number;
}

export interface AuditFilter {
  /** Entries about this data subject. */
  subjectId?: string;
  action?: AuditAction;
  /** Entries by this user. */
  actorId?: string;
  /** Instants (inclusive). */
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string | null;
}

/** Audit entries, newest first. */
export function listAudit(
  db: SqlExecutor,
  filter: AuditFilter = {},
  options: ListOptions = {},
): Promise<Page<AuditItem>> {
  const p = new SqlParams();
  if (filter.subjectId) {
    p.where(`subjects @> ${p.add(JSON.stringify([filter.subjectId]))}::jsonb`);
  }
  if (filter.action) p.where(`action = ${p.add(filter.action)}::text`);
  if (filter.actorId) p.where(`actor_id = ${p.add(filter.actorId)}::text`);
  if (filter.from) p.where(`at >= ${p.add(filter.from)}::timestamptz`);
  if (filter.to) p.where(`at <= ${p.add(filter.to)}::timestamptz`);
  return newestEventRows(db, {
    table: AUDIT_LOG_PROJECTION,
    columns: AUDIT_SELECT,
    p,
    limit: filter.limit,
    cursor: filter.cursor,
    toItem: (row) => ({
      position: Number(row.position),
      action: row.action as AuditAction,
      actor: {
        userId: String(row.actor_id),
        role: String(row.actor_role),
        bedriftId: (row.actor_bedrift_id as string | null) ?? null,
      },
      subjects: row.subjects as string[],
      resource: String(row.resource),
      requestId: (row.request_id as string | null) ?? null,
      at: isoTimestamp(row.at),
    }),
  }, options);
}
