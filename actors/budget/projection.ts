/**
 * The `budgets` read model: one row per budget stream (bedrift, category,
 * period) with its amount (null until set), what is spent, and whether it
 * is over. The list shows the rows whose amount is set.
 */
import { upsertFromJson } from "../../runtime/sql/mod.ts";
import { foldIntoTable } from "../../runtime/projection/mod.ts";
import { isoTimestamp, isoTimestampOrNull } from "../../runtime/sql/mod.ts";
import { assertCurrentVersion } from "../../runtime/core/mod.ts";
import type { Commit } from "../../runtime/core/mod.ts";
import type { Projection } from "../../runtime/projection/mod.ts";
import type { SqlExecutor, UpsertColumn } from "../../runtime/sql/mod.ts";
import type { ExpenseKategori } from "../expense/mod.ts";
import { BUDGET_EVENT_TYPES, BudgetEventVersions } from "./events.ts";
import type { BudgetEvent } from "./events.ts";

/** Name of the projection and of its table. */
export const BUDGETS_PROJECTION = "budgets";

/** A row of `budgets`; money as decimal strings. */
export interface BudgetRow {
  id: string;
  bedrift_id: string;
  kategori: ExpenseKategori;
  periode: string;
  belop: string | null;
  spent: string;
  expenses: number;
  over: boolean;
  exceeded_count: number;
  last_exceeded_at: string | null;
  created_at: string | null;
  updated_at: string;
  created_position: number;
  version: number;
  position: number;
}

const COLUMNS: readonly UpsertColumn[] = [
  ["id", "text"],
  ["bedrift_id", "text"],
  ["kategori", "text"],
  ["periode", "text"],
  ["belop", "numeric(14,2)"],
  ["spent", "numeric(14,2)"],
  ["expenses", "integer"],
  ["over", "boolean"],
  ["exceeded_count", "integer"],
  ["last_exceeded_at", "timestamptz"],
  ["created_at", "timestamptz"],
  ["updated_at", "timestamptz"],
  ["created_position", "bigint"],
  ["version", "integer"],
  ["position", "bigint"],
];
/** The column list of `budgets`. */
export const BUDGET_SELECT = COLUMNS.map(([name]) => name).join(", ");
const UPSERT = upsertFromJson(BUDGETS_PROJECTION, COLUMNS, ["id"]);

const MIGRATIONS = [{
  version: 1,
  name: "create budgets",
  sql: `
    CREATE TABLE budgets (
      id text COLLATE "C" PRIMARY KEY,
      bedrift_id text NOT NULL,
      kategori text NOT NULL,
      periode text COLLATE "C" NOT NULL,
      belop numeric(14,2),
      spent numeric(14,2) NOT NULL,
      expenses integer NOT NULL,
      over boolean NOT NULL,
      exceeded_count integer NOT NULL,
      last_exceeded_at timestamptz,
      created_at timestamptz,
      updated_at timestamptz NOT NULL,
      created_position bigint NOT NULL,
      version integer NOT NULL,
      position bigint NOT NULL
    );
    CREATE INDEX budgets_bedrift_idx
      ON budgets (bedrift_id, periode, kategori, id);
    CREATE INDEX budgets_periode_idx ON budgets (periode, kategori, id);
  `,
}];

function evolve(
  row: BudgetRow | null,
  commit: Commit,
  event: BudgetEvent,
): BudgetRow {
  assertCurrentVersion(BudgetEventVersions, event);
  if (event.type === "budget.opened") {
    return {
      id: commit.id,
      bedrift_id: event.data.bedriftId,
      kategori: event.data.kategori,
      periode: event.data.periode,
      belop: null,
      spent: "0.00",
      expenses: 0,
      over: false,
      exceeded_count: 0,
      last_exceeded_at: null,
      created_at: null,
      updated_at: event.data.at,
      created_position: commit.position,
      version: commit.version,
      position: commit.position,
    };
  }
  if (row === null) {
    throw new Error(
      `Budget ${commit.id} has ${event.type} at position ${commit.position} before budget.opened`,
    );
  }
  const at = event.data.at;
  switch (event.type) {
    case "budget.created":
      return {
        ...row,
        belop: event.data.belop,
        created_at: at,
        updated_at: at,
      };
    case "budget.changed":
      return { ...row, belop: event.data.belop, updated_at: at };
    case "budget.expense_recorded":
    case "budget.expense_removed":
      return {
        ...row,
        spent: event.data.spent,
        expenses: row.expenses +
          (event.type === "budget.expense_recorded" ? 1 : -1),
        updated_at: at,
      };
    case "budget.exceeded":
      return {
        ...row,
        over: true,
        exceeded_count: row.exceeded_count + 1,
        last_exceeded_at: at,
        updated_at: at,
      };
    case "budget.back_within":
      return { ...row, over: false, updated_at: at };
  }
  throw new Error(`Unknown budget event ${(event as BudgetEvent).type}`);
}

/** A loaded row as JSON-ready values (timestamps as ISO strings). */
export function budgetFromDb(row: Record<string, unknown>): BudgetRow {
  return {
    ...row,
    last_exceeded_at: isoTimestampOrNull(row.last_exceeded_at),
    created_at: isoTimestampOrNull(row.created_at),
    updated_at: isoTimestamp(row.updated_at),
  } as BudgetRow;
}

/** Projection of budget events into `budgets`; idempotent per row by stream version. */
export const budgetsProjection: Projection = {
  name: BUDGETS_PROJECTION,
  eventTypes: BUDGET_EVENT_TYPES,
  tables: [BUDGETS_PROJECTION],
  migrations: MIGRATIONS,
  apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    return foldIntoTable(commits, tx, {
      table: BUDGETS_PROJECTION,
      select: BUDGET_SELECT,
      upsert: UPSERT,
      fromDb: budgetFromDb,
      evolve,
    });
  },
};
