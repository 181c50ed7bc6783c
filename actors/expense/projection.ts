/**
 * The `expenses` read model: one row per expense through its lifecycle, with
 * exact `numeric` amounts. Its queries are in `queries.ts`.
 */
import { upsertFromJson } from "../../runtime/sql/mod.ts";
import { foldIntoTable } from "../../runtime/projection/mod.ts";
import { isoTimestamp } from "../../runtime/sql/mod.ts";
import { assertCurrentVersion } from "../../runtime/core/mod.ts";
import type { Commit } from "../../runtime/core/mod.ts";
import type { Projection } from "../../runtime/projection/mod.ts";
import type { SqlExecutor, UpsertColumn } from "../../runtime/sql/mod.ts";
import { EXPENSE_EVENT_TYPES, ExpenseEventVersions } from "./events.ts";
import type { ExpenseEvent } from "./events.ts";
import { ExpenseStatus } from "./types.ts";
import type { ExpenseKategori } from "./types.ts";

/** Name of the projection and of its table. */
export const EXPENSES_PROJECTION = "expenses";

/** A row of `expenses`; money as decimal strings, dates as `YYYY-MM-DD`. */
export interface ExpenseRow {
  id: string;
  bedrift_id: string;
  status: ExpenseStatus;
  leverandor_navn: string;
  leverandor_organisasjonsnummer: string | null;
  dato: string;
  belop: string;
  mva_sats: number;
  mva: string;
  brutto: string;
  kategori: ExpenseKategori;
  konto: string;
  beskrivelse: string | null;
  has_receipt: boolean;
  /** Set once approved: the deducted input MVA and the booked cost. */
  inngaende_mva: string | null;
  kostnad: string | null;
  paid_on: string | null;
  created_at: string;
  updated_at: string;
  created_position: number;
  version: number;
  position: number;
}

/** Columns of `expenses` with their SQL types, in table order. */
export const EXPENSE_COLUMNS: readonly UpsertColumn[] = [
  ["id", "text"],
  ["bedrift_id", "text"],
  ["status", "text"],
  ["leverandor_navn", "text"],
  ["leverandor_organisasjonsnummer", "text"],
  ["dato", "date"],
  ["belop", "numeric(14,2)"],
  ["mva_sats", "integer"],
  ["mva", "numeric(14,2)"],
  ["brutto", "numeric(14,2)"],
  ["kategori", "text"],
  ["konto", "text"],
  ["beskrivelse", "text"],
  ["has_receipt", "boolean"],
  ["inngaende_mva", "numeric(14,2)"],
  ["kostnad", "numeric(14,2)"],
  ["paid_on", "date"],
  ["created_at", "timestamptz"],
  ["updated_at", "timestamptz"],
  ["created_position", "bigint"],
  ["version", "integer"],
  ["position", "bigint"],
];
/** The column list of `expenses`. */
export const EXPENSE_SELECT = EXPENSE_COLUMNS.map(([name]) => name).join(", ");
const UPSERT = upsertFromJson(EXPENSES_PROJECTION, EXPENSE_COLUMNS, ["id"]);

const MIGRATIONS = [{
  version: 1,
  name: "create expenses",
  sql: `
    CREATE TABLE expenses (
      id text COLLATE "C" PRIMARY KEY,
      bedrift_id text NOT NULL,
      status text NOT NULL,
      leverandor_navn text NOT NULL,
      leverandor_organisasjonsnummer text,
      dato date NOT NULL,
      belop numeric(14,2) NOT NULL,
      mva_sats integer NOT NULL,
      mva numeric(14,2) NOT NULL,
      brutto numeric(14,2) NOT NULL,
      kategori text NOT NULL,
      konto text NOT NULL,
      beskrivelse text,
      has_receipt boolean NOT NULL,
      inngaende_mva numeric(14,2),
      kostnad numeric(14,2),
      paid_on date,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      created_position bigint NOT NULL,
      version integer NOT NULL,
      position bigint NOT NULL
    );
    CREATE INDEX expenses_created_idx ON expenses (created_position DESC, id DESC);
    CREATE INDEX expenses_bedrift_idx
      ON expenses (bedrift_id, created_position DESC, id DESC);
    CREATE INDEX expenses_dato_idx ON expenses (bedrift_id, dato);
  `,
}];

function evolve(
  row: ExpenseRow | null,
  commit: Commit,
  event: ExpenseEvent,
): ExpenseRow {
  assertCurrentVersion(ExpenseEventVersions, event);
  if (event.type === "expense.registered") {
    const d = event.data;
    return {
      id: commit.id,
      bedrift_id: d.bedriftId,
      status: ExpenseStatus.REGISTRERT,
      leverandor_navn: d.leverandor.navn,
      leverandor_organisasjonsnummer: d.leverandor.organisasjonsnummer,
      dato: d.dato,
      belop: d.belop,
      mva_sats: d.mvaSats,
      mva: d.mva,
      brutto: d.brutto,
      kategori: d.kategori,
      konto: d.konto,
      beskrivelse: d.beskrivelse,
      has_receipt: false,
      inngaende_mva: null,
      kostnad: null,
      paid_on: null,
      created_at: d.at,
      updated_at: d.at,
      created_position: commit.position,
      version: commit.version,
      position: commit.position,
    };
  }
  if (row === null) {
    throw new Error(
      `Expense ${commit.id} has ${event.type} at position ${commit.position} before expense.registered`,
    );
  }
  switch (event.type) {
    case "expense.receipt_attached":
      return { ...row, has_receipt: true, updated_at: event.data.at };
    case "expense.approved":
      return {
        ...row,
        status: ExpenseStatus.GODKJENT,
        inngaende_mva: event.data.inngaendeMva,
        kostnad: event.data.kostnad,
        updated_at: event.data.at,
      };
    case "expense.rejected":
      return {
        ...row,
        status: ExpenseStatus.AVVIST,
        inngaende_mva: null,
        kostnad: null,
        updated_at: event.data.at,
      };
    case "expense.paid":
      return {
        ...row,
        status: ExpenseStatus.BETALT,
        paid_on: event.data.paidOn,
        updated_at: event.data.at,
      };
  }
  throw new Error(`Unknown expense event ${(event as ExpenseEvent).type}`);
}

/** A loaded row as JSON-ready values (timestamps as ISO strings). */
export function expenseFromDb(row: Record<string, unknown>): ExpenseRow {
  return {
    ...row,
    created_at: isoTimestamp(row.created_at),
    updated_at: isoTimestamp(row.updated_at),
  } as ExpenseRow;
}

/** Projection of expense events into `expenses`; idempotent per row by stream version. */
export const expensesProjection: Projection = {
  name: EXPENSES_PROJECTION,
  eventTypes: EXPENSE_EVENT_TYPES,
  tables: [EXPENSES_PROJECTION],
  migrations: MIGRATIONS,
  apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    return foldIntoTable(commits, tx, {
      table: EXPENSES_PROJECTION,
      select: EXPENSE_SELECT,
      upsert: UPSERT,
      fromDb: expenseFromDb,
      evolve,
    });
  },
};
