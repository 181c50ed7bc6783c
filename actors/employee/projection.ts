/**
 * The `employees` read model: one row per employee (never the fødselsnummer,
 * not even encrypted or masked), and `shifts`: one row per shift for time
 * reports. The names, e-mail and phone come from the log opened with the
 * employee's key; `employee.personal_data_erased` rewrites them (and the
 * sort key made of the names) as `null`, and a rebuild after the key is
 * shredded writes `null` from the start.
 */
import { upsertFromJson } from "../../runtime/sql/mod.ts";
import { foldRows } from "../../runtime/projection/mod.ts";
import { isoTimestamp, isoTimestampOrNull } from "../../runtime/sql/mod.ts";
import { assertCurrentVersion } from "../../runtime/core/mod.ts";
import type { Commit } from "../../runtime/core/mod.ts";
import type { Projection } from "../../runtime/projection/mod.ts";
import type { SqlExecutor, UpsertColumn } from "../../runtime/sql/mod.ts";
import { norwegianSortKey } from "../bedrift/mod.ts";
import type { LicenceClass } from "../validators/mod.ts";
import { EMPLOYEE_EVENT_TYPES, EmployeeEventVersions } from "./events.ts";
import type { EmployeeEvent } from "./events.ts";
import { EmployeeStatus, ShiftFlag } from "./types.ts";
import type { EmployeeRole, StoredProfile } from "./types.ts";

/** Name of the projection and of its main table. */
export const EMPLOYEES_PROJECTION = "employees";
/** The table of shifts, owned by the employees projection. */
export const SHIFTS_TABLE = "shifts";

/** A row of `employees`; dates as `YYYY-MM-DD`. */
export interface EmployeeRow {
  id: string;
  bedrift_id: string;
  ansattnummer: string;
  fornavn: string | null;
  etternavn: string | null;
  /**
   * `etternavn fornavn`, Norwegian sort key (see `norwegianSortKey`); empty
   * once the names are erased.
   */
  navn_sort: string;
  epost: string | null;
  telefon: string | null;
  role: EmployeeRole;
  status: EmployeeStatus;
  licence_classes: LicenceClass[];
  /** Decimal string, 0–100 with two decimals. */
  stillingsprosent: string;
  start_date: string;
  end_date: string | null;
  open_shift_id: string | null;
  clocked_in_at: string | null;
  last_clocked_out_at: string | null;
  antall_fravaer: number;
  hired_at: string;
  terminated_at: string | null;
  updated_at: string;
  created_position: number;
  version: number;
  position: number;
}

/** A row of `shifts`; open while `clocked_out_at` is null. */
export interface ShiftRow {
  id: string;
  employee_id: string;
  bedrift_id: string;
  clocked_in_at: string;
  clocked_out_at: string | null;
  duration_minutes: number | null;
  over_13_hours: boolean;
  auto_closed: boolean;
  version: number;
  position: number;
}

/** Columns of `employees` with their SQL types, in table order. */
export const EMPLOYEE_COLUMNS: readonly UpsertColumn[] = [
  ["id", "text"],
  ["bedrift_id", "text"],
  ["ansattnummer", "text"],
  ["fornavn", "text"],
  ["etternavn", "text"],
  ["navn_sort", "text"],
  ["epost", "text"],
  ["telefon", "text"],
  ["role", "text"],
  ["status", "text"],
  ["licence_classes", "jsonb"],
  ["stillingsprosent", "numeric(5,2)"],
  ["start_date", "date"],
  ["end_date", "date"],
  ["open_shift_id", "text"],
  ["clocked_in_at", "timestamptz"],
  ["last_clocked_out_at", "timestamptz"],
  ["antall_fravaer", "integer"],
  ["hired_at", "timestamptz"],
  ["terminated_at", "timestamptz"],
  ["updated_at", "timestamptz"],
  ["created_position", "bigint"],
  ["version", "integer"],
  ["position", "bigint"],
];
const SHIFT_COLUMNS: readonly UpsertColumn[] = [
  ["id", "text"],
  ["employee_id", "text"],
  ["bedrift_id", "text"],
  ["clocked_in_at", "timestamptz"],
  ["clocked_out_at", "timestamptz"],
  ["duration_minutes", "integer"],
  ["over_13_hours", "boolean"],
  ["auto_closed", "boolean"],
  ["version", "integer"],
  ["position", "bigint"],
];
const SELECT = EMPLOYEE_COLUMNS.map(([name]) => name).join(", ");
const UPSERT = upsertFromJson(EMPLOYEES_PROJECTION, EMPLOYEE_COLUMNS, ["id"]);
const UPSERT_SHIFTS = upsertFromJson(SHIFTS_TABLE, SHIFT_COLUMNS, [
  "employee_id",
  "id",
]);

const MIGRATIONS = [{
  version: 1,
  name: "create employees and shifts",
  sql: `
    CREATE TABLE employees (
      id text COLLATE "C" PRIMARY KEY,
      bedrift_id text NOT NULL,
      ansattnummer text COLLATE "C" NOT NULL,
      fornavn text NOT NULL,
      etternavn text NOT NULL,
      navn_sort text COLLATE "C" NOT NULL,
      epost text NOT NULL,
      telefon text,
      role text NOT NULL,
      status text NOT NULL,
      licence_classes jsonb NOT NULL,
      stillingsprosent numeric(5,2) NOT NULL,
      start_date date NOT NULL,
      end_date date,
      open_shift_id text,
      clocked_in_at timestamptz,
      last_clocked_out_at timestamptz,
      antall_fravaer integer NOT NULL,
      hired_at timestamptz NOT NULL,
      terminated_at timestamptz,
      updated_at timestamptz NOT NULL,
      created_position bigint NOT NULL,
      version integer NOT NULL,
      position bigint NOT NULL
    );
    CREATE INDEX employees_navn_idx ON employees (navn_sort, id);
    CREATE INDEX employees_bedrift_idx ON employees (bedrift_id, navn_sort, id);
    CREATE INDEX employees_ansattnummer_idx
      ON employees (bedrift_id, ansattnummer text_pattern_ops);
    CREATE TABLE shifts (
      id text COLLATE "C" NOT NULL,
      employee_id text COLLATE "C" NOT NULL,
      bedrift_id text NOT NULL,
      clocked_in_at timestamptz NOT NULL,
      clocked_out_at timestamptz,
      duration_minutes integer,
      over_13_hours boolean NOT NULL,
      auto_closed boolean NOT NULL,
      version integer NOT NULL,
      position bigint NOT NULL,
      PRIMARY KEY (employee_id, id)
    );
    CREATE INDEX shifts_bedrift_idx ON shifts (bedrift_id, clocked_in_at);
    CREATE INDEX shifts_employee_idx ON shifts (employee_id, clocked_in_at);
  `,
}, {
  version: 2,
  name: "personal fields null once erased",
  sql: `
    ALTER TABLE employees
      ALTER COLUMN fornavn DROP NOT NULL,
      ALTER COLUMN etternavn DROP NOT NULL,
      ALTER COLUMN epost DROP NOT NULL;
  `,
}];

/** The profile fields the read model keeps; `fodselsnummer` is never one. */
const PROFILE_KEYS = [
  "fornavn",
  "etternavn",
  "epost",
  "telefon",
  "licenceClasses",
  "stillingsprosent",
  "startDate",
  "endDate",
] as const;

type Profile = Pick<
  EmployeeRow,
  | "fornavn"
  | "etternavn"
  | "epost"
  | "telefon"
  | "licence_classes"
  | "stillingsprosent"
  | "start_date"
  | "end_date"
>;

/** `row` with the profile `changes` that are given; the rest are ignored. */
function profile(row: Profile, changes: Partial<StoredProfile>): Profile {
  const next = { ...row };
  for (const key of PROFILE_KEYS) {
    if (changes[key] === undefined) continue;
    switch (key) {
      case "licenceClasses":
        next.licence_classes = changes.licenceClasses!;
        break;
      case "stillingsprosent":
        next.stillingsprosent = changes.stillingsprosent!.toFixed(2);
        break;
      case "startDate":
        next.start_date = changes.startDate!;
        break;
      case "endDate":
        next.end_date = changes.endDate ?? null;
        break;
      default:
        next[key] = changes[key] as string | null;
    }
  }
  return next;
}

function evolve(
  row: EmployeeRow | null,
  commit: Commit,
  event: EmployeeEvent,
  shifts: Map<string, ShiftRow>,
): EmployeeRow {
  assertCurrentVersion(EmployeeEventVersions, event);
  if (event.type === "employee.hired") {
    const d = event.data;
    const base: Profile = profile({
      fornavn: "",
      etternavn: "",
      epost: "",
      telefon: null,
      licence_classes: [],
      stillingsprosent: "0.00",
      start_date: d.startDate,
      end_date: null,
    }, d);
    return {
      ...base,
      id: commit.id,
      bedrift_id: d.bedriftId,
      ansattnummer: d.ansattnummer,
      navn_sort: sortKey(base),
      role: d.role,
      status: EmployeeStatus.ACTIVE,
      open_shift_id: null,
      clocked_in_at: null,
      last_clocked_out_at: null,
      antall_fravaer: 0,
      hired_at: d.hiredAt,
      terminated_at: null,
      updated_at: d.hiredAt,
      created_position: commit.position,
      version: commit.version,
      position: commit.position,
    };
  }
  if (row === null) {
    throw new Error(
      `Employee ${commit.id} has ${event.type} at position ${commit.position} before employee.hired`,
    );
  }
  switch (event.type) {
    case "employee.updated": {
      const next = { ...row, ...profile(row, event.data) };
      return {
        ...next,
        navn_sort: sortKey(next),
        updated_at: event.data.updatedAt,
      };
    }
    case "employee.role_changed":
      return { ...row, role: event.data.to, updated_at: event.data.changedAt };
    case "employee.clocked_in": {
      const { shiftId, clockedInAt } = event.data;
      shifts.set(shiftKey(commit.id, shiftId), {
        id: shiftId,
        employee_id: commit.id,
        bedrift_id: row.bedrift_id,
        clocked_in_at: clockedInAt,
        clocked_out_at: null,
        duration_minutes: null,
        over_13_hours: false,
        auto_closed: false,
        version: commit.version,
        position: commit.position,
      });
      return {
        ...row,
        open_shift_id: shiftId,
        clocked_in_at: clockedInAt,
        updated_at: clockedInAt,
      };
    }
    case "employee.clocked_out": {
      const d = event.data;
      shifts.set(shiftKey(commit.id, d.shiftId), {
        id: d.shiftId,
        employee_id: commit.id,
        bedrift_id: row.bedrift_id,
        clocked_in_at: d.clockedInAt,
        clocked_out_at: d.clockedOutAt,
        duration_minutes: d.durationMinutes,
        over_13_hours: d.flags.includes(ShiftFlag.OVER_13_HOURS),
        auto_closed: d.flags.includes(ShiftFlag.AUTO_CLOSED),
        version: commit.version,
        position: commit.position,
      });
      return {
        ...row,
        open_shift_id: null,
        clocked_in_at: null,
        last_clocked_out_at: d.clockedOutAt,
        updated_at: d.clockedOutAt,
      };
    }
    case "employee.absence_registered":
      return {
        ...row,
        antall_fravaer: row.antall_fravaer + 1,
        updated_at: event.data.registeredAt,
      };
    case "employee.personal_data_erased":
      return {
        ...row,
        fornavn: null,
        etternavn: null,
        epost: null,
        telefon: null,
        navn_sort: "",
        updated_at: event.data.erasedAt,
      };
    case "employee.terminated":
      return {
        ...row,
        status: EmployeeStatus.TERMINATED,
        end_date: event.data.endDate,
        terminated_at: event.data.terminatedAt,
        updated_at: event.data.terminatedAt,
      };
  }
  throw new Error(`Unknown employee event ${(event as EmployeeEvent).type}`);
}

function sortKey(row: Pick<EmployeeRow, "fornavn" | "etternavn">): string {
  if (row.fornavn === null && row.etternavn === null) return "";
  return norwegianSortKey(`${row.etternavn ?? ""} ${row.fornavn ?? ""}`);
}

function shiftKey(employeeId: string, shiftId: string): string {
  return JSON.stringify([employeeId, shiftId]);
}

/** A loaded row with timestamps as ISO strings (ready to be written back as JSON). */
export function employeeFromDb(row: Record<string, unknown>): EmployeeRow {
  return {
    ...row,
    clocked_in_at: isoTimestampOrNull(row.clocked_in_at),
    last_clocked_out_at: isoTimestampOrNull(row.last_clocked_out_at),
    hired_at: isoTimestamp(row.hired_at),
    terminated_at: isoTimestampOrNull(row.terminated_at),
    updated_at: isoTimestamp(row.updated_at),
  } as EmployeeRow;
}

/**
 * Projection of Employee events into `employees` and `shifts`; idempotent
 * per row by stream version (a shift row is keyed by employee and shift id).
 */
export const employeesProjection: Projection = {
  name: EMPLOYEES_PROJECTION,
  eventTypes: EMPLOYEE_EVENT_TYPES,
  tables: [EMPLOYEES_PROJECTION, SHIFTS_TABLE],
  migrations: MIGRATIONS,
  // 2: employee.personal_data_erased; rows written before cannot know it.
  version: 2,
  async apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    const ids = [...new Set(commits.map((c) => c.id))];
    const loaded = await tx.query(
      `SELECT ${SELECT} FROM employees
       WHERE id = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))`,
      [JSON.stringify(ids)],
    );
    const rows = new Map(
      loaded.map((r) => [r.id as string, employeeFromDb(r)]),
    );
    const shifts = new Map<string, ShiftRow>();
    const changed = foldRows<EmployeeRow, EmployeeEvent>(
      commits,
      rows,
      (row, commit, event) => evolve(row, commit, event, shifts),
    );
    if (changed.length === 0) return;
    await tx.query(UPSERT, [
      JSON.stringify(changed.map((id) => rows.get(id))),
    ]);
    if (shifts.size > 0) {
      await tx.query(UPSERT_SHIFTS, [JSON.stringify([...shifts.values()])]);
    }
  },
};
