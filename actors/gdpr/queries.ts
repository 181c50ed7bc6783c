/**
 * Queries of the GDPR flows over the read models: consent records, and where
 * a person's records are (users linked to an employee, invoices of a
 * customer, an employee's shifts).
 */
import { isoTimestamp, SqlParams } from "../../runtime/sql/mod.ts";
import type { ListOptions, Page, SqlExecutor } from "../../runtime/sql/mod.ts";
import { newestEventRows } from "../event_rows.ts";
import { CONSENT_SELECT, GDPR_CONSENTS_PROJECTION } from "./projection.ts";
import type {
  Consent,
  ConsentStatus,
  LegalBasis,
  SubjectKind,
} from "./types.ts";

/** A consent record as the list shows it. */
export interface ConsentItem extends Consent {
  position: number;
  subjectId: string;
  kind: SubjectKind;
  bedriftId: string | null;
}

export interface ConsentFilter {
  subjectId?: string;
  bedriftId?: string;
  purpose?: string;
  limit?: number;
  cursor?: string | null;
}

/** Consent records, newest first. */
export function listConsents(
  db: SqlExecutor,
  filter: ConsentFilter = {},
  options: ListOptions = {},
): Promise<Page<ConsentItem>> {
  const p = new SqlParams();
  if (filter.subjectId) {
    p.where(`subject_id = ${p.add(filter.subjectId)}::text`);
  }
  if (filter.bedriftId) {
    p.where(`bedrift_id = ${p.add(filter.bedriftId)}::text`);
  }
  if (filter.purpose) p.where(`purpose = ${p.add(filter.purpose)}::text`);
  return newestEventRows(db, {
    table: GDPR_CONSENTS_PROJECTION,
    columns: CONSENT_SELECT,
    p,
    limit: filter.limit,
    cursor: filter.cursor,
    toItem: (row) => ({
      position: Number(row.position),
      subjectId: String(row.subject_id),
      kind: row.kind as SubjectKind,
      bedriftId: (row.bedrift_id as string | null) ?? null,
      consentId: String(row.consent_id),
      purpose: String(row.purpose),
      legalBasis: row.legal_basis as LegalBasis,
      status: row.status as ConsentStatus,
      at: isoTimestamp(row.at),
      recordedAt: isoTimestamp(row.recorded_at),
      recordedBy: String(row.recorded_by),
    }),
  }, options);
}

/** Every consent record of these subject ids, oldest first (for an export). */
export async function consentsOf(
  db: SqlExecutor,
  subjectIds: readonly string[],
  options: ListOptions = {},
): Promise<ConsentItem[]> {
  const items: ConsentItem[] = [];
  let cursor: string | null = null;
  for (const subjectId of subjectIds) {
    do {
      const page: Page<ConsentItem> = await listConsents(
        db,
        { subjectId, limit: 200, cursor },
        options,
      );
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
  }
  return items.sort((a, b) => a.position - b.position);
}

/** The users linked to an employee (`employeeId`). */
export async function usersOfEmployee(
  db: SqlExecutor,
  employeeId: string,
  options: ListOptions = {},
): Promise<string[]> {
  const rows = await db.query(
    `SELECT id FROM users WHERE employee_id = $1::text ORDER BY id`,
    [employeeId],
    options,
  );
  return rows.map((r) => String(r.id));
}

/** The invoices (and credit notes) whose customer is this data subject. */
export async function invoicesOfKunde(
  db: SqlExecutor,
  subject: string,
  options: ListOptions & { bedriftId?: string } = {},
): Promise<{ id: string; bedriftId: string }[]> {
  const p = new SqlParams();
  p.where(`kunde_subject = ${p.add(subject)}::text`);
  if (options.bedriftId) {
    p.where(`bedrift_id = ${p.add(options.bedriftId)}::text`);
  }
  const rows = await db.query(
    `SELECT id, bedrift_id FROM invoices ${p.clause()}
     ORDER BY created_position, id`,
    p.values,
    options,
  );
  return rows.map((r) => ({
    id: String(r.id),
    bedriftId: String(r.bedrift_id),
  }));
}

/** An employee's shifts (time records), oldest first. */
export async function shiftsOf(
  db: SqlExecutor,
  employeeId: string,
  options: ListOptions = {},
): Promise<Record<string, unknown>[]> {
  const rows = await db.query(
    `SELECT id, clocked_in_at, clocked_out_at, duration_minutes,
            over_13_hours, auto_closed
     FROM shifts WHERE employee_id = $1::text ORDER BY clocked_in_at, id`,
    [employeeId],
    options,
  );
  return rows.map((r) => ({
    shiftId: String(r.id),
    clockedInAt: isoTimestamp(r.clocked_in_at),
    clockedOutAt: r.clocked_out_at == null
      ? null
      : isoTimestamp(r.clocked_out_at),
    durationMinutes: r.duration_minutes == null
      ? null
      : Number(r.duration_minutes),
    over13Hours: Boolean(r.over_13_hours),
    autoClosed: Boolean(r.auto_closed),
  }));
}
