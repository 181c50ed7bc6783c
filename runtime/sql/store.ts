/**
 * The SQL store of the read side: one interface, two backends (PGlite
 * in-process, PostgreSQL through postgres.js), the same SQL on both.
 */
import { UnavailableError } from "../core/mod.ts";
import type { SignalOptions } from "../core/mod.ts";

/** One result row. */
export type SqlRow = Record<string, unknown>;

/**
 * Runs SQL. Parameters are positional (`$1`, `$2`…); give each a cast
 * (`$1::bigint`, `$2::jsonb`) so both backends type it the same way.
 *
 * Values come back the same on both backends: `int2/int4/int8` as `number`
 * (an `int8` beyond 2^53 as `bigint`), `numeric` as its exact decimal string,
 * `date` as `YYYY-MM-DD`, `timestamptz` as `Date`, `jsonb` parsed, `text[]` as
 * arrays.
 */
export interface SqlExecutor {
  query<R extends SqlRow = SqlRow>(
    text: string,
    params?: readonly unknown[],
    options?: SignalOptions,
  ): Promise<R[]>;
  /** Runs a script of several statements without parameters. */
  exec(script: string, options?: SignalOptions): Promise<void>;
}

/** Options of one transaction. */
export interface TransactionOptions extends SignalOptions {
  /** Runs the transaction with this schema as its `search_path`. */
  schema?: string;
  /**
   * Commit without waiting for the write-ahead log to reach disk
   * (`synchronous_commit = off`): a crash may lose the last few transactions
   * whole, never half of one. For data that can be derived again, like a
   * projection's rows with their checkpoint. PostgreSQL only; PGlite ignores it.
   */
  relaxed?: boolean;
}

/**
 * A SQL database for read models.
 *
 * Connection-level failures (unreachable server, closed store, admin shutdown,
 * serialization failure, deadlock) surface as `UnavailableError`; SQL errors
 * (syntax, constraint violations) surface as the driver's error with its
 * SQLSTATE in `code`.
 *
 * @example
 * ```ts
 * const store = await openSqlStore({ dataDir: "./data/readmodel" });
 * await store.transaction(async (tx) => {
 *   await tx.query("INSERT INTO t (id) VALUES ($1::text)", ["a"]);
 * });
 * await store.close();
 * ```
 */
export interface SqlStore extends SqlExecutor {
  /** Which backend this is. */
  readonly backend: "pglite" | "postgres";
  /** The schema that holds the live read models (the default `search_path`). */
  readonly schema: string;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(
    fn: (tx: SqlExecutor) => Promise<T>,
    options?: TransactionOptions,
  ): Promise<T>;
  /**
   * Runs `fn` holding a named lock across processes sharing this database and
   * schema (a session advisory lock on PostgreSQL; PGlite has one process). With
   * `wait: false` (the default) a held lock fails at once with
   * `UnavailableError`.
   */
  withLock<T>(
    name: string,
    fn: () => Promise<T>,
    options?: LockOptions,
  ): Promise<T>;
  close(): Promise<void>;
}

/** Options of `withLock`. */
export interface LockOptions extends SignalOptions {
  /** Wait for the lock instead of failing when it is held (default false). */
  wait?: boolean;
}

/** How to open a store: `databaseUrl` selects PostgreSQL, else PGlite. */
export interface SqlStoreOptions {
  /** `postgres://…`: PostgreSQL through postgres.js. */
  databaseUrl?: string;
  /** PGlite data directory; absent means in memory. */
  dataDir?: string;
  /** Schema of the live read models (default `public`); created if missing. */
  schema?: string;
  /** Most connections to PostgreSQL (default 10). */
  maxConnections?: number;
  /** PGlite only: start from this data dir dump (fast throwaway stores in tests). */
  loadDataDir?: Blob;
}

/** Reads `DATABASE_URL`, `TMS_DATA_DIR` and `TMS_READ_SCHEMA`. */
export function sqlStoreOptionsFromEnv(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): SqlStoreOptions {
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  const schema = env.TMS_READ_SCHEMA?.trim() || undefined;
  if (databaseUrl) return { databaseUrl, schema };
  return {
    dataDir: `${env.TMS_DATA_DIR?.trim() || "./data"}/readmodel`,
    schema,
  };
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Quotes a SQL identifier; only lower-case names of letters, digits and `_`. */
export function sqlIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new TypeError(
      `SQL identifier "${name}" must be lower-case letters, digits and _`,
    );
  }
  return `"${name}"`;
}

/** SQLSTATE classes and codes that mean "try again later", not "bad SQL". */
const RETRYABLE_SQLSTATE = /^(08|53|57P0[1-3]|40001|40P01)/;
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/** True when a driver error means the database cannot serve now. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof UnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    return CONNECTION_CODES.has(code) ||
      (/^[0-9A-Z]{5}$/.test(code) && RETRYABLE_SQLSTATE.test(code));
  }
  return error.name === "ConnectionRefused" ||
    error.name === "ConnectionReset" || error.name === "BrokenPipe";
}

/** Wraps connection-level failures in `UnavailableError`; rethrows the rest. */
export function storeError(error: unknown, what: string): unknown {
  if (error instanceof UnavailableError) return error;
  if (error instanceof DOMException && error.name === "AbortError") {
    return error;
  }
  if (isConnectionError(error)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new UnavailableError(`${what}: ${reason}`, {
      retryAfter: 1,
      cause: error,
    });
  }
  return error;
}

/** Parses an `int8` text value: a number when safe, else a `bigint`. */
export function parseInt8(text: string): number | bigint {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}
