/** Small helpers for read-model SQL: keyset cursors, LIKE patterns, batched upserts. */
import { sqlIdentifier } from "./store.ts";

/** One page of a keyset-paged list. */
export interface Page<T> {
  items: T[];
  /** Opaque; pass it back as `cursor` for the next page, null on the last page. */
  nextCursor: string | null;
  /** Rows the filter matches over all pages, when the caller asked (`total`). */
  total?: number;
}

/** Options of a list query: its signal, and whether to count every match. */
export interface ListOptions {
  signal?: AbortSignal;
  total?: boolean;
}

/**
 * `count(*)` of `from` under the conditions `p` holds so far (call it
 * before adding the cursor's condition), or undefined unless `options.total`.
 */
export async function countRows(
  db: {
    query(
      sql: string,
      params?: unknown[],
      options?: { signal?: AbortSignal },
    ): Promise<Record<string, unknown>[]>;
  },
  from: string,
  p: SqlParams,
  options: ListOptions,
): Promise<number | undefined> {
  if (!options.total) return undefined;
  const rows = await db.query(
    `SELECT count(*)::bigint AS n FROM ${from} ${p.clause()}`,
    [...p.values],
    { signal: options.signal },
  );
  return Number(rows[0]?.n ?? 0);
}

/** A page size of 1–200 (default 50); `RangeError` otherwise. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw new RangeError("Limit must be a whole number from 1 to 200");
  }
  return limit;
}

/**
 * The page of a keyset query that asked for `limit + 1` rows: the first
 * `limit` rows as items, and a cursor from the last of them when there are more.
 */
export function keysetPage<R, T>(
  rows: readonly Record<string, unknown>[],
  limit: number,
  fromDb: (row: Record<string, unknown>) => R,
  toItem: (row: R) => T,
  cursorOf: (row: R) => (string | number)[],
): Page<T> {
  const page = rows.slice(0, limit).map(fromDb);
  const last = page[page.length - 1];
  return {
    items: page.map(toItem),
    nextCursor: rows.length > limit && last !== undefined
      ? encodeCursor(cursorOf(last))
      : null,
  };
}

/** The kinds of the values a cursor holds, in order. */
export type CursorShape = readonly ("string" | "number")[];

/** Encodes keyset values as an opaque, URL-safe cursor. */
export function encodeCursor(values: readonly (string | number)[]): string {
  const bytes = new TextEncoder().encode(JSON.stringify(values));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(
    /=+$/,
    "",
  );
}

/**
 * The values of a cursor a list gave out; `TypeError` when `cursor` is not
 * one of the given shape.
 */
export function readCursor(
  cursor: string,
  shape: CursorShape,
): (string | number)[] {
  const values = decodeCursor(cursor, shape);
  if (!values) throw new TypeError("The cursor is not one this list gave out");
  return values;
}

/** Decodes a cursor of the given shape; null when it is not one. */
export function decodeCursor(
  cursor: string,
  shape: CursorShape,
): (string | number)[] | null {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) return null;
  try {
    const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const values: unknown = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes),
    );
    if (
      !Array.isArray(values) || values.length !== shape.length ||
      !values.every((value, i) =>
        shape[i] === "number"
          ? Number.isSafeInteger(value)
          : typeof value === "string"
      )
    ) {
      return null;
    }
    return values;
  } catch {
    return null;
  }
}

/** `%text%` for ILIKE, with `%`, `_` and `\` in `text` matched literally. */
export function containsPattern(text: string): string {
  return `%${escapeLike(text)}%`;
}

/** `text%` for LIKE, with wildcards in `text` matched literally. */
export function prefixPattern(text: string): string {
  return `${escapeLike(text)}%`;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A column of a batched upsert: its name and SQL type. */
export type UpsertColumn = readonly [name: string, type: string];

/**
 * One statement that upserts many rows passed as a JSON array in `$1`
 * (`jsonb_to_recordset`): the same text for every batch size, so it is
 * prepared once, and exact for `numeric` values given as strings.
 *
 * @example
 * ```ts
 * const sql = upsertFromJson("todo", [["id", "text"], ["n", "integer"]], ["id"]);
 * await tx.query(sql, [JSON.stringify([{ id: "a", n: 1 }])]);
 * ```
 */
export function upsertFromJson(
  table: string,
  columns: readonly UpsertColumn[],
  key: readonly string[],
): string {
  const names = columns.map(([name]) => sqlIdentifier(name));
  const definitions = columns.map(([name, type]) =>
    `${sqlIdentifier(name)} ${type}`
  );
  const updates = columns
    .filter(([name]) => !key.includes(name))
    .map(([name]) =>
      `${sqlIdentifier(name)} = excluded.${sqlIdentifier(name)}`
    );
  return `INSERT INTO ${sqlIdentifier(table)} (${names.join(", ")})
SELECT ${names.join(", ")} FROM jsonb_to_recordset($1::jsonb) AS x(${
    definitions.join(", ")
  })
ON CONFLICT (${key.map(sqlIdentifier).join(", ")}) DO UPDATE SET ${
    updates.join(", ")
  }`;
}

/** Builds a parameterised WHERE clause: `add` returns the next `$n`. */
export class SqlParams {
  readonly values: unknown[] = [];
  readonly conditions: string[] = [];

  /** Adds a value and returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  where(condition: string): void {
    this.conditions.push(condition);
  }

  /** `WHERE a AND b`, or nothing. */
  clause(): string {
    return this.conditions.length
      ? `WHERE ${this.conditions.join(" AND ")}`
      : "";
  }
}

/** A timestamp column as read back (a `Date` from PostgreSQL) in ISO 8601. */
export function isoTimestamp(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

/** A row of a list ordered newest first: by the position of its first commit, then id. */
export interface NewestFirstRow {
  created_position: number;
  id: string;
}

/** The keyset cursor of a newest-first list: `[created_position, id]`. */
const NEWEST_FIRST_CURSOR = ["number", "string"] as const;

/**
 * One page of `table` newest first (`created_position`, then `id`, both
 * descending) under the conditions `p` holds so far: the count of every
 * match when `options.total`, then the rows after `cursor`, each read with
 * `fromDb` and shown with `toItem`. The table needs an index on
 * `(created_position, id)`.
 *
 * @example
 * ```ts
 * const p = new SqlParams();
 * if (filter.status) p.where(`status = ${p.add(filter.status)}::text`);
 * return await newestFirstPage(db, { table: "expenses", select, fromDb, toItem }, p, filter, options);
 * ```
 */
export async function newestFirstPage<R extends NewestFirstRow, T>(
  db: {
    query(
      sql: string,
      params?: unknown[],
      options?: { signal?: AbortSignal },
    ): Promise<Record<string, unknown>[]>;
  },
  list: {
    table: string;
    select: string;
    fromDb: (row: Record<string, unknown>) => R;
    toItem: (row: R) => T;
  },
  p: SqlParams,
  page: { limit?: number; cursor?: string | null },
  options: ListOptions = {},
): Promise<Page<T>> {
  const limit = pageLimit(page.limit);
  const total = await countRows(db, list.table, p, options);
  if (page.cursor) {
    const after = readCursor(page.cursor, NEWEST_FIRST_CURSOR);
    p.where(
      `(created_position, id) < (${p.add(after[0])}::bigint, ${
        p.add(after[1])
      }::text COLLATE "C")`,
    );
  }
  const rows = await db.query(
    `SELECT ${list.select} FROM ${list.table} ${p.clause()}
     ORDER BY created_position DESC, id DESC LIMIT ${p.add(limit + 1)}::int`,
    p.values,
    { signal: options.signal },
  );
  return withTotal(
    total,
    keysetPage(
      rows,
      limit,
      list.fromDb,
      list.toItem,
      (row) => [row.created_position, row.id],
    ),
  );
}

/** `isoTimestamp`, keeping SQL NULL as `null`. */
export function isoTimestampOrNull(value: unknown): string | null {
  return value == null ? null : isoTimestamp(value);
}

/** `page` with its `total` when one was counted. */
export function withTotal<T>(
  total: number | undefined,
  page: Page<T>,
): Page<T> {
  return total === undefined ? page : { ...page, total };
}
