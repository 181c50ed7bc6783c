/** Queries of the `budgets` read model. */
import {
  countRows,
  keysetPage,
  pageLimit,
  readCursor,
  SqlParams,
  withTotal,
} from "../../runtime/sql/mod.ts";
import type { ListOptions, Page, SqlExecutor } from "../../runtime/sql/mod.ts";
import { Decimal } from "../../deps.ts";
import { money } from "../invoice/mod.ts";
import type { ExpenseKategori } from "../expense/mod.ts";
import { BUDGET_SELECT, budgetFromDb } from "./projection.ts";
import type { BudgetRow } from "./projection.ts";

/** A budget as the list shows it. */
export interface BudgetListItem {
  id: string;
  version: number;
  position: number;
  bedriftId: string;
  kategori: ExpenseKategori;
  periode: string;
  belop: string;
  spent: string;
  /** belop − spent (negative when over). */
  remaining: string;
  expenses: number;
  over: boolean;
  exceededCount: number;
  lastExceededAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Filter of `listBudgets`. */
export interface BudgetFilter {
  bedriftId?: string;
  kategori?: ExpenseKategori;
  /** One period, `YYYY-MM` or `YYYY`. */
  periode?: string;
  /** Every period of a year: the year's budget and its months'. */
  year?: string;
  over?: boolean;
  limit?: number;
  cursor?: string | null;
}

/** Shape of the budgets cursor: (periode, kategori, id). */
export const BUDGET_CURSOR = ["string", "string", "string"] as const;

/**
 * Lists set budgets by period, then category, keyset-paged. Throws
 * `TypeError` for a malformed cursor and `RangeError` for a bad limit.
 *
 * @example
 * ```ts
 * const { items } = await listBudgets(store, { bedriftId, year: "2025", over: true });
 * ```
 */
export async function listBudgets(
  db: SqlExecutor,
  filter: BudgetFilter = {},
  options: ListOptions = {},
): Promise<Page<BudgetListItem>> {
  const limit = pageLimit(filter.limit);
  const p = new SqlParams();
  p.where("belop IS NOT NULL");
  if (filter.bedriftId) {
    p.where(`bedrift_id = ${p.add(filter.bedriftId)}::text`);
  }
  if (filter.kategori) p.where(`kategori = ${p.add(filter.kategori)}::text`);
  if (filter.periode) p.where(`periode = ${p.add(filter.periode)}::text`);
  if (filter.year) {
    p.where(`left(periode, 4) = ${p.add(filter.year)}::text`);
  }
  if (filter.over !== undefined) {
    p.where(`over = ${p.add(filter.over)}::boolean`);
  }
  const total = await countRows(db, "budgets", p, options);
  if (filter.cursor) {
    const [periode, kategori, id] = readCursor(filter.cursor, BUDGET_CURSOR);
    p.where(
      `(periode, kategori, id) > (${p.add(periode)}::text COLLATE "C", ${
        p.add(kategori)
      }::text, ${p.add(id)}::text COLLATE "C")`,
    );
  }
  const rows = await db.query(
    `SELECT ${BUDGET_SELECT} FROM budgets ${p.clause()}
     ORDER BY periode, kategori, id LIMIT ${p.add(limit + 1)}::int`,
    p.values,
    options,
  );
  return withTotal(
    total,
    keysetPage(
      rows,
      limit,
      budgetFromDb,
      budgetItem,
      (row) => [row.periode, row.kategori, row.id],
    ),
  );
}

/** A set budget's row as the API shows it. */
export function budgetItem(row: BudgetRow): BudgetListItem {
  const belop = money(row.belop ?? "0");
  return {
    id: row.id,
    version: row.version,
    position: row.position,
    bedriftId: row.bedrift_id,
    kategori: row.kategori,
    periode: row.periode,
    belop,
    spent: money(row.spent),
    remaining: new Decimal(belop).minus(row.spent).toFixed(2),
    expenses: row.expenses,
    over: row.over,
    exceededCount: row.exceeded_count,
    lastExceededAt: row.last_exceeded_at,
    createdAt: row.created_at ?? row.updated_at,
    updatedAt: row.updated_at,
  };
}
