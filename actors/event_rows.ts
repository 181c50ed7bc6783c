/**
 * Read models of one row per event (the GDPR consents, the audit log):
 * keyed by the event's place in the feed (`position`, `idx`), so a batch
 * applied again writes nothing new, and listed newest first by that key.
 */
import {
  countRows,
  keysetPage,
  pageLimit,
  readCursor,
  withTotal,
} from "../runtime/sql/mod.ts";
import type {
  ListOptions,
  Page,
  SqlExecutor,
  SqlParams,
  SqlRow,
} from "../runtime/sql/mod.ts";

/** Shape of the cursor of such a list: (position, idx). */
export const EVENT_ROW_CURSOR = ["number", "number"] as const;

/**
 * One page of `table`'s rows matching `p`, newest first: `columns` must
 * include `position` and `idx`.
 */
export async function newestEventRows<T>(
  db: SqlExecutor,
  query: {
    table: string;
    columns: string;
    p: SqlParams;
    limit?: number;
    cursor?: string | null;
    toItem: (row: SqlRow) => T;
  },
  options: ListOptions = {},
): Promise<Page<T>> {
  const { table, p } = query;
  const limit = pageLimit(query.limit);
  const total = await countRows(db, table, p, options);
  if (query.cursor) {
    const [position, idx] = readCursor(query.cursor, EVENT_ROW_CURSOR);
    p.where(
      `(position, idx) < (${p.add(position)}::bigint, ${p.add(idx)}::int)`,
    );
  }
  const rows = await db.query(
    `SELECT ${query.columns} FROM ${table} ${p.clause()}
     ORDER BY position DESC, idx DESC LIMIT ${p.add(limit + 1)}::int`,
    p.values,
    options,
  );
  return withTotal(
    total,
    keysetPage(
      rows,
      limit,
      (row) => row,
      query.toItem,
      (row) => [Number(row.position), Number(row.idx)],
    ),
  );
}
