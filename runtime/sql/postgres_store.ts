import { loadPostgres } from "../../deps.ts";
import { delay } from "../core/mod.ts";
import { UnavailableError } from "../core/mod.ts";
import { parseInt8, sqlIdentifier, storeError } from "./store.ts";
import type {
  LockOptions,
  SqlExecutor,
  SqlRow,
  SqlStore,
  SqlStoreOptions,
  TransactionOptions,
} from "./store.ts";
import type { SignalOptions } from "../core/mod.ts";

type Sql = ReturnType<Awaited<ReturnType<typeof loadPostgres>>>;
type Pending = PromiseLike<unknown> & { cancel(): void };

const TYPES = {
  json: {
    to: 3802,
    from: [114, 3802],
    // A string is already JSON text (the contract passes JSON as `$n::jsonb` text).
    serialize: (value: unknown) =>
      typeof value === "string" ? value : JSON.stringify(value),
    parse: (text: string) => JSON.parse(text),
  },
  int8: {
    to: 20,
    from: [20],
    serialize: (value: unknown) => String(value),
    parse: parseInt8,
  },
  numeric: {
    to: 1700,
    from: [1700],
    serialize: (value: unknown) => String(value),
    parse: (text: string) => text,
  },
  dateOnly: {
    to: 1082,
    from: [1082],
    serialize: (value: unknown) => String(value),
    parse: (text: string) => text,
  },
};

/**
 * The distributed `SqlStore`: PostgreSQL through postgres.js, a pool of
 * connections whose `search_path` is the live schema.
 *
 * @example
 * ```ts
 * const store = await PostgresStore.open({ databaseUrl: "postgres://postgres@127.0.0.1/tms" });
 * ```
 */
export class PostgresStore implements SqlStore {
  readonly backend = "postgres" as const;
  readonly schema: string;
  readonly #sql: Sql;
  #closed = false;

  private constructor(sql: Sql, schema: string) {
    this.#sql = sql;
    this.schema = schema;
  }

  static async open(options: SqlStoreOptions): Promise<PostgresStore> {
    if (!options.databaseUrl) {
      throw new TypeError("PostgresStore needs a databaseUrl");
    }
    const schema = options.schema ?? "public";
    const quoted = sqlIdentifier(schema);
    const sql = (await loadPostgres())(options.databaseUrl, {
      max: options.maxConnections ?? 10,
      connect_timeout: 10,
      idle_timeout: 60,
      onnotice: () => {},
      types: TYPES,
      connection: { application_name: "tms", search_path: schema },
    });
    try {
      await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoted}`).catch(
        (error) => {
          // Two nodes creating the schema at once: the loser sees a duplicate.
          if (!["23505", "42P06"].includes(error?.code)) throw error;
        },
      );
      return new PostgresStore(sql, schema);
    } catch (error) {
      await sql.end({ timeout: 1 }).catch(() => {});
      throw new UnavailableError(
        `PostgreSQL read model store could not be opened: ${
          error instanceof Error ? error.message : error
        }`,
        { cause: error },
      );
    }
  }

  query<R extends SqlRow = SqlRow>(
    text: string,
    params: readonly unknown[] = [],
    options?: SignalOptions,
  ): Promise<R[]> {
    return this.#run(options, () =>
      cancellable(
        this.#sql.unsafe(text, params as never[], {
          prepare: params.length > 0,
        }) as unknown as Pending,
        options?.signal,
      ) as Promise<R[]>);
  }

  exec(script: string, options?: SignalOptions): Promise<void> {
    return this.#run(options, async () => {
      await cancellable(
        this.#sql.unsafe(script) as unknown as Pending,
        options?.signal,
      );
    });
  }

  transaction<T>(
    fn: (tx: SqlExecutor) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    return this.#run(options, async () =>
      await this.#sql.begin(async (tx) => {
        if (options.relaxed) {
          await tx.unsafe(
            "SELECT set_config('synchronous_commit', 'off', true)",
          );
        }
        if (options.schema) {
          await tx.unsafe("SELECT set_config('search_path', $1::text, true)", [
            sqlIdentifier(options.schema),
          ]);
        }
        return await fn(executor(tx as unknown as Sql, options.signal));
      }) as T);
  }

  withLock<T>(
    name: string,
    fn: () => Promise<T>,
    options: LockOptions = {},
  ): Promise<T> {
    return this.#run(options, async () => {
      // A session lock lives on one connection: reserve it for the duration.
      const key = `${this.schema}:${name}`;
      const session = await this.#sql.reserve();
      try {
        while (true) {
          const [row] = await session.unsafe(
            "SELECT pg_try_advisory_lock(hashtext($1::text)) AS ok",
            [key],
          );
          if (row.ok) break;
          if (!options.wait) {
            throw new UnavailableError(
              `Lock ${name} is held by another process; try again later`,
            );
          }
          await delay(250, { signal: options.signal });
        }
        try {
          return await fn();
        } finally {
          await session.unsafe(
            "SELECT pg_advisory_unlock(hashtext($1::text))",
            [key],
          ).catch(() => {});
        }
      } finally {
        session.release();
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sql.end({ timeout: 5 });
  }

  async #run<T>(
    options: SignalOptions | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    options?.signal?.throwIfAborted();
    if (this.#closed) throw new UnavailableError("Read model store is closed");
    try {
      return await fn();
    } catch (error) {
      throw storeError(error, "PostgreSQL read model store failed");
    }
  }
}

function executor(tx: Sql, outer: AbortSignal | undefined): SqlExecutor {
  return {
    query<R extends SqlRow = SqlRow>(
      text: string,
      params: readonly unknown[] = [],
      options?: SignalOptions,
    ) {
      outer?.throwIfAborted();
      return cancellable(
        tx.unsafe(text, params as never[], {
          prepare: params.length > 0,
        }) as unknown as Pending,
        options?.signal ?? outer,
      ) as Promise<R[]>;
    },
    async exec(script: string, options?: SignalOptions) {
      outer?.throwIfAborted();
      await cancellable(
        tx.unsafe(script) as unknown as Pending,
        options?.signal ?? outer,
      );
    },
  };
}

/**
 * Awaits a postgres.js query; when `signal` aborts, asks the server to cancel
 * it and rejects with the signal's reason at once. A cut connection delivers
 * neither the answer nor the cancel, and the caller must not wait for it.
 */
async function cancellable(
  query: Pending,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  if (!signal) return rows(await query);
  signal.throwIfAborted();
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      query.cancel();
      reject(signal.reason);
    };
  });
  signal.addEventListener("abort", onAbort, { once: true });
  // The query's own late answer or error has nobody waiting for it.
  const answer = Promise.resolve(query).then(rows);
  answer.catch(() => {});
  try {
    return await Promise.race([answer, aborted]);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw error;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** postgres.js answers with an `Array` subclass; callers get a plain array. */
function rows(result: unknown): unknown {
  return Array.isArray(result) ? Array.from(result) : result;
}
