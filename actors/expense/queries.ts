/** Queries of the `expenses` read model. */
import { newestFirstPage, SqlParams } from "../../runtime/sql/mod.ts";
import type { ListOptions, Page, SqlExecutor } from "../../runtime/sql/mod.ts";
import { money } from "../invoice/mod.ts";
import { isPlainDate } from "../validators/mod.ts";
import { EXPENSE_SELECT, expenseFromDb } from "./projection.ts";
import type { ExpenseRow } from "./projection.ts";
import type { ExpenseKategori, ExpenseStatus } from "./types.ts";

/** An expense as the list shows it; money as strings with two decimals. */
export interface ExpenseListItem {
  id: string;
  version: number;
  position: number;
  bedriftId: string;
  status: ExpenseStatus;
  leverandor: { navn: string; organisasjonsnummer: string | null };
  dato: string;
  belop: string;
  mvaSats: number;
  mva: string;
  brutto: string;
  kategori: ExpenseKategori;
  konto: string;
  beskrivelse: string | null;
  hasReceipt: boolean;
  inngaendeMva: string | null;
  kostnad: string | null;
  paidOn: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Filter of `listExpenses`. */
export interface ExpenseFilter {
  bedriftId?: string;
  status?: ExpenseStatus;
  kategori?: ExpenseKategori;
  /** First voucher date included, `YYYY-MM-DD`. */
  from?: string;
  /** Last voucher date included, `YYYY-MM-DD`. */
  to?: string;
  /** 1–200, default 50. */
  limit?: number;
  cursor?: string | null;
}

function isoDate(text: string): string {
  if (!isPlainDate(text)) {
    throw new RangeError(`Not a date (YYYY-MM-DD): ${text}`);
  }
  return text;
}

/**
 * Lists expenses newest first, keyset-paged on (created position, id), so
 * new expenses never shift later pages. Throws `TypeError` for a malformed
 * cursor and `RangeError` for a bad limit or date.
 *
 * @example
 * ```ts
 * const { items } = await listExpenses(store, { bedriftId, kategori: "DRIVSTOFF", from: "2025-03-01" });
 * ```
 */
export async function listExpenses(
  db: SqlExecutor,
  filter: ExpenseFilter = {},
  options: ListOptions = {},
): Promise<Page<ExpenseListItem>> {
  const p = new SqlParams();
  if (filter.bedriftId) {
    p.where(`bedrift_id = ${p.add(filter.bedriftId)}::text`);
  }
  if (filter.status) p.where(`status = ${p.add(filter.status)}::text`);
  if (filter.kategori) p.where(`kategori = ${p.add(filter.kategori)}::text`);
  if (filter.from) p.where(`dato >= ${p.add(isoDate(filter.from))}::date`);
  if (filter.to) p.where(`dato <= ${p.add(isoDate(filter.to))}::date`);
  return await newestFirstPage(
    db,
    {
      table: "expenses",
      select: EXPENSE_SELECT,
      fromDb: expenseFromDb,
      toItem: toItem,
    },
    p,
    filter,
    options,
  );
}

const moneyOrNull = (value: string | null) =>
  value === null ? null : money(value);

function toItem(row: ExpenseRow): ExpenseListItem {
  return {
    id: row.id,
    version: row.version,
    position: row.position,
    bedriftId: row.bedrift_id,
    status: row.status,
    leverandor: {
      navn: row.leverandor_navn,
      organisasjonsnummer: row.leverandor_organisasjonsnummer,
    },
    dato: row.dato,
    belop: money(row.belop),
    mvaSats: row.mva_sats,
    mva: money(row.mva),
    brutto: money(row.brutto),
    kategori: row.kategori,
    konto: row.konto,
    beskrivelse: row.beskrivelse,
    hasReceipt: row.has_receipt,
    inngaendeMva: moneyOrNull(row.inngaende_mva),
    kostnad: moneyOrNull(row.kostnad),
    paidOn: row.paid_on,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
