/** Queries of the `employees` read model. */
import {
  containsPattern,
  countRows,
  keysetPage,
  pageLimit,
  prefixPattern,
  readCursor,
  SqlParams,
  withTotal,
} from "../../runtime/sql/mod.ts";
import type { ListOptions, Page, SqlExecutor } from "../../runtime/sql/mod.ts";
import type { LicenceClass } from "../validators/mod.ts";
import { EMPLOYEE_COLUMNS, employeeFromDb } from "./projection.ts";
import type { EmployeeRow } from "./projection.ts";
import type { EmployeeRole, EmployeeStatus } from "./types.ts";

/**
 * An employee as the list shows it; there is no fødselsnummer in the read
 * model, and an erased employee stays listed with `null` personal fields.
 */
export interface EmployeeListItem {
  id: string;
  version: number;
  position: number;
  bedriftId: string;
  ansattnummer: string;
  /** Names, e-mail and phone are `null` once the person's data is erased. */
  fornavn: string | null;
  etternavn: string | null;
  epost: string | null;
  telefon: string | null;
  role: EmployeeRole;
  status: EmployeeStatus;
  licenceClasses: LicenceClass[];
  stillingsprosent: number;
  startDate: string;
  endDate: string | null;
  /** The shift clocked in and not yet out, if any. */
  openShift: { shiftId: string; clockedInAt: string } | null;
  lastClockedOutAt: string | null;
  antallFravaer: number;
  hiredAt: string;
  terminatedAt: string | null;
  updatedAt: string;
}

/** Filter of `listEmployees`. */
export interface EmployeeFilter {
  bedriftId?: string;
  role?: EmployeeRole;
  status?: EmployeeStatus;
  /** Part of the name or epost (any case), or the start of the ansattnummer. */
  q?: string;
  /** 1–200, default 50. */
  limit?: number;
  cursor?: string | null;
}

/** Shape of the employees cursor: (name sort key, id). */
export const EMPLOYEE_CURSOR = ["string", "string"] as const;

const LIST_SELECT = EMPLOYEE_COLUMNS.map(([name]) => name).join(", ");

/**
 * Lists employees in Norwegian alphabetical order of etternavn and fornavn,
 * keyset-paged on (name, id). Throws `TypeError` for a malformed cursor and
 * `RangeError` for a bad limit.
 *
 * @example
 * ```ts
 * const { items } = await listEmployees(store, { bedriftId, role: "TRAFIKKLARER" });
 * ```
 */
export async function listEmployees(
  db: SqlExecutor,
  filter: EmployeeFilter = {},
  options: ListOptions = {},
): Promise<Page<EmployeeListItem>> {
  const limit = pageLimit(filter.limit);
  const p = new SqlParams();
  if (filter.bedriftId) {
    p.where(`bedrift_id = ${p.add(filter.bedriftId)}::text`);
  }
  if (filter.role) p.where(`role = ${p.add(filter.role)}::text`);
  if (filter.status) p.where(`status = ${p.add(filter.status)}::text`);
  const q = filter.q?.trim();
  if (q) {
    const like = p.add(containsPattern(q));
    p.where(
      `((fornavn || ' ' || etternavn) ILIKE ${like}::text
        OR epost ILIKE ${like}::text
        OR ansattnummer LIKE ${p.add(prefixPattern(q))}::text)`,
    );
  }
  const total = await countRows(db, "employees", p, options);
  if (filter.cursor) {
    const after = readCursor(filter.cursor, EMPLOYEE_CURSOR);
    p.where(
      `(navn_sort, id) > (${p.add(after[0])}::text COLLATE "C", ${
        p.add(after[1])
      }::text COLLATE "C")`,
    );
  }
  const rows = await db.query(
    `SELECT ${LIST_SELECT} FROM employees ${p.clause()}
     ORDER BY navn_sort, id LIMIT ${p.add(limit + 1)}::int`,
    p.values,
    options,
  );
  return withTotal(
    total,
    keysetPage(
      rows,
      limit,
      employeeFromDb,
      toItem,
      (row) => [row.navn_sort, row.id],
    ),
  );
}

function toItem(row: EmployeeRow): EmployeeListItem {
  return {
    id: row.id,
    version: row.version,
    position: row.position,
    bedriftId: row.bedrift_id,
    ansattnummer: row.ansattnummer,
    fornavn: row.fornavn,
    etternavn: row.etternavn,
    epost: row.epost,
    telefon: row.telefon,
    role: row.role,
    status: row.status,
    licenceClasses: row.licence_classes,
    stillingsprosent: Number(row.stillingsprosent),
    startDate: row.start_date,
    endDate: row.end_date,
    openShift: row.open_shift_id && row.clocked_in_at
      ? { shiftId: row.open_shift_id, clockedInAt: row.clocked_in_at }
      : null,
    lastClockedOutAt: row.last_clocked_out_at,
    antallFravaer: row.antall_fravaer,
    hiredAt: row.hired_at,
    terminatedAt: row.terminated_at,
    updatedAt: row.updated_at,
  };
}
