/** Queries of the general ledger: the journal and the accounts' balances. */
import { Decimal } from "../../deps.ts";
import {
  countRows,
  keysetPage,
  pageLimit,
  readCursor,
  SqlParams,
  withTotal,
} from "../../runtime/sql/mod.ts";
import type { ListOptions, Page, SqlExecutor } from "../../runtime/sql/mod.ts";
import { isPlainDate } from "../validators/mod.ts";
import { accountKind, accountName } from "./accounts.ts";
import type { AccountKind } from "./accounts.ts";

/** A line of an entry as the API shows it. */
export interface LedgerLineItem {
  konto: string;
  navn: string;
  debet: string;
  kredit: string;
  mvaSats: number | null;
  invoiceId: string | null;
  expenseId: string | null;
}

/** A journal entry with its lines and its source commit. */
export interface LedgerEntryItem {
  /** `<position>-<index>`: the commit and the event it was posted from. */
  id: string;
  bedriftId: string;
  dato: string;
  kind: string;
  tekst: string;
  /** Sum of the debits (= sum of the credits). */
  belop: string;
  source: {
    position: number;
    index: number;
    streamType: string;
    streamId: string;
    version: number;
    eventType: string;
  };
  lines: LedgerLineItem[];
}

/** Filter of `listEntries`. */
export interface LedgerEntryFilter {
  bedriftId?: string;
  /** First booking date included. */
  from?: string;
  /** Last booking date included. */
  to?: string;
  /** Only entries with a line on this account. */
  konto?: string;
  limit?: number;
  cursor?: string | null;
}

/** Shape of the entries cursor: (position, index). */
export const LEDGER_CURSOR = ["number", "number"] as const;

/** Throws `RangeError` unless `text` is a date `YYYY-MM-DD`. */
export function isoDate(text: string): string {
  if (!isPlainDate(text)) {
    throw new RangeError(`Not a date (YYYY-MM-DD): ${text}`);
  }
  return text;
}

const money = (value: unknown) => new Decimal(String(value)).toFixed(2);

/**
 * The journal in posting order (feed position, then event), keyset-paged,
 * each entry with its lines.
 *
 * @example
 * ```ts
 * const { items } = await listEntries(store, { bedriftId, konto: "1500", from: "2025-03-01" });
 * ```
 */
export async function listEntries(
  db: SqlExecutor,
  filter: LedgerEntryFilter = {},
  options: ListOptions = {},
): Promise<Page<LedgerEntryItem>> {
  const limit = pageLimit(filter.limit);
  const p = new SqlParams();
  if (filter.bedriftId) {
    p.where(`e.bedrift_id = ${p.add(filter.bedriftId)}::text`);
  }
  if (filter.from) p.where(`e.dato >= ${p.add(isoDate(filter.from))}::date`);
  if (filter.to) p.where(`e.dato <= ${p.add(isoDate(filter.to))}::date`);
  if (filter.konto) {
    p.where(
      `EXISTS (SELECT 1 FROM ledger_lines k WHERE k.position = e.position
        AND k.idx = e.idx AND k.konto = ${p.add(filter.konto)}::text)`,
    );
  }
  const total = await countRows(db, "ledger_entries e", p, options);
  if (filter.cursor) {
    const [position, idx] = readCursor(filter.cursor, LEDGER_CURSOR);
    p.where(
      `(e.position, e.idx) > (${p.add(position)}::bigint, ${p.add(idx)}::int)`,
    );
  }
  const rows = await db.query(
    `SELECT e.*, (SELECT jsonb_agg(jsonb_build_object(
         'konto', l.konto, 'debet', l.debet::text, 'kredit', l.kredit::text,
         'mvaSats', l.mva_sats, 'invoiceId', l.invoice_id,
         'expenseId', l.expense_id) ORDER BY l.line)
       FROM ledger_lines l
       WHERE l.position = e.position AND l.idx = e.idx) AS lines
     FROM ledger_entries e ${p.clause()}
     ORDER BY e.position, e.idx LIMIT ${p.add(limit + 1)}::int`,
    p.values,
    options,
  );
  return withTotal(
    total,
    keysetPage(
      rows,
      limit,
      (row) => row,
      entryItem,
      (row) => [Number(row.position), Number(row.idx)],
    ),
  );
}

function entryItem(row: Record<string, unknown>): LedgerEntryItem {
  const lines =
    (typeof row.lines === "string"
      ? JSON.parse(row.lines)
      : row.lines) as Record<string, unknown>[];
  return {
    id: `${row.position}-${row.idx}`,
    bedriftId: row.bedrift_id as string,
    dato: row.dato as string,
    kind: row.kind as string,
    tekst: row.tekst as string,
    belop: money(row.belop),
    source: {
      position: Number(row.position),
      index: Number(row.idx),
      streamType: row.stream_type as string,
      streamId: row.stream_id as string,
      version: Number(row.version),
      eventType: row.event_type as string,
    },
    lines: lines.map((l) => ({
      konto: l.konto as string,
      navn: accountName(l.konto as string),
      debet: money(l.debet),
      kredit: money(l.kredit),
      mvaSats: (l.mvaSats as number | null) ?? null,
      invoiceId: (l.invoiceId as string | null) ?? null,
      expenseId: (l.expenseId as string | null) ?? null,
    })),
  };
}

/** One account's balance: its debits, credits and their difference (debit − credit). */
export interface AccountBalance {
  konto: string;
  navn: string;
  kind: AccountKind;
  debet: string;
  kredit: string;
  saldo: string;
}

/**
 * Every account's balance of a bedrift from its first entry through `to`
 * (and from `from`, when given: the movement of that period), in account
 * order. Only accounts with entries are listed.
 */
export async function accountBalances(
  db: SqlExecutor,
  bedriftId: string,
  range: { from?: string; to: string },
  options: { signal?: AbortSignal } = {},
): Promise<AccountBalance[]> {
  const p = new SqlParams();
  p.where(`bedrift_id = ${p.add(bedriftId)}::text`);
  if (range.from) p.where(`dato >= ${p.add(isoDate(range.from))}::date`);
  p.where(`dato <= ${p.add(isoDate(range.to))}::date`);
  const rows = await db.query(
    `SELECT konto, sum(debet) AS debet, sum(kredit) AS kredit
     FROM ledger_days ${p.clause()} GROUP BY konto ORDER BY konto`,
    p.values,
    options,
  );
  return rows.map((row) => {
    const konto = row.konto as string;
    const debet = new Decimal(String(row.debet));
    const kredit = new Decimal(String(row.kredit));
    return {
      konto,
      navn: accountName(konto),
      kind: accountKind(konto),
      debet: debet.toFixed(2),
      kredit: kredit.toFixed(2),
      saldo: debet.minus(kredit).toFixed(2),
    };
  });
}
