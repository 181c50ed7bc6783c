import { InProcessLocks } from "./in_process_locks.ts";
import { loadPglite } from "../../deps.ts";
import type { PGlite } from "../../deps.ts";
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

const OID = { int8: 20, date: 1082, numeric: 1700 } as const;

const PARSERS = {
  [OID.int8]: parseInt8,
  [OID.date]: (text: string) => text,
  [OID.numeric]: (text: string) => text,
};

interface PgliteQueryable {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(script: string): Promise<unknown>;
}

/**
 * The embedded `SqlStore`: PostgreSQL compiled to WebAssembly, in this
 * process, its data in `dataDir` (or in memory). One process at a time may
 * open a data dir: a lock file next to it says who has it.
 *
 * @example
 * ```ts
 * const store = await PgliteStore.open({ dataDir: "./data/readmodel" });
 * ```
 */
export class PgliteStore implements SqlStore {
  readonly backend = "pglite" as const;
  readonly schema: string;
  readonly #db: PGlite;
  readonly #lock: Deno.FsFile | null;
  readonly #locks = new InProcessLocks();
  #closed = false;

  private constructor(db: PGlite, schema: string, lock: Deno.FsFile | null) {
    this.#db = db;
    this.schema = schema;
    this.#lock = lock;
  }

  static async open(options: SqlStoreOptions = {}): Promise<PgliteStore> {
    const schema = options.schema ?? "public";
    const quoted = sqlIdentifier(schema);
    let lock: Deno.FsFile | null = null;
    if (options.dataDir) {
      lock = await lockDataDir(options.dataDir);
    }
    let db: PGlite | undefined;
    try {
      db = await (await loadPglite()).PGlite.create({
        dataDir: options.dataDir,
        loadDataDir: options.loadDataDir,
        parsers: PARSERS,
      });
      await db.exec(
        `CREATE SCHEMA IF NOT EXISTS ${quoted}; SET search_path TO ${quoted}`,
      );
      return new PgliteStore(db, schema, lock);
    } catch (error) {
      await db?.close().catch(() => {});
      lock?.close();
      throw new UnavailableError(
        `Read model store could not be opened${
          options.dataDir ? ` at ${options.dataDir}` : ""
        }: ${error instanceof Error ? error.message : error}`,
        { cause: error },
      );
    }
  }

  query<R extends SqlRow = SqlRow>(
    text: string,
    params: readonly unknown[] = [],
    options?: SignalOptions,
  ): Promise<R[]> {
    return this.#run(options, () => runQuery<R>(this.#db, text, params));
  }

  exec(script: string, options?: SignalOptions): Promise<void> {
    return this.#run(options, async () => {
      await this.#db.exec(script);
    });
  }

  transaction<T>(
    fn: (tx: SqlExecutor) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    const { signal } = options;
    return this.#run(options, () =>
      this.#db.transaction(async (tx) => {
        if (options.schema) {
          await tx.query("SELECT set_config('search_path', $1::text, true)", [
            sqlIdentifier(options.schema),
          ]);
        }
        return await fn(executor(tx as PgliteQueryable, signal));
      }));
  }

  withLock<T>(
    name: string,
    fn: () => Promise<T>,
    options: LockOptions = {},
  ): Promise<T> {
    // The data dir lock makes this the only process: an in-process lock will do.
    return this.#locks.run(name, fn, options);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#db.close();
    } finally {
      this.#lock?.close();
    }
  }

  async #run<T>(
    options: SignalOptions | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    options?.signal?.throwIfAborted();
    if (this.#closed || this.#db.closed) {
      throw new UnavailableError("Read model store is closed");
    }
    try {
      return await fn();
    } catch (error) {
      throw storeError(error, "Read model store failed");
    }
  }
}

async function runQuery<R>(
  db: PgliteQueryable,
  text: string,
  params: readonly unknown[],
): Promise<R[]> {
  const result = await db.query<R>(text, params as unknown[]);
  return result.rows;
}

function executor(
  tx: PgliteQueryable,
  outer: AbortSignal | undefined,
): SqlExecutor {
  return {
    query<R extends SqlRow = SqlRow>(
      text: string,
      params: readonly unknown[] = [],
      options?: SignalOptions,
    ) {
      outer?.throwIfAborted();
      options?.signal?.throwIfAborted();
      return runQuery<R>(tx, text, params);
    },
    async exec(script: string, options?: SignalOptions) {
      outer?.throwIfAborted();
      options?.signal?.throwIfAborted();
      await tx.exec(script);
    },
  };
}

/** Takes an exclusive lock on `<dataDir>.lock`, or fails with who holds it. */
async function lockDataDir(dataDir: string): Promise<Deno.FsFile> {
  const parent = dataDir.replace(/[\\/][^\\/]*[\\/]?$/, "");
  if (parent && parent !== dataDir) {
    await Deno.mkdir(parent, { recursive: true });
  }
  const path = `${dataDir.replace(/[\\/]$/, "")}.lock`;
  const file = await Deno.open(path, {
    read: true,
    write: true,
    create: true,
  });
  try {
    if (!(await file.tryLock(true))) {
      const holder = (await Deno.readTextFile(path)).trim();
      throw new UnavailableError(
        `Read model at ${dataDir} is in use by another process${
          holder ? ` (${holder})` : ""
        }; stop it first`,
        { retryAfter: 5 },
      );
    }
    await file.truncate(0);
    await file.write(
      new TextEncoder().encode(
        `pid ${Deno.pid} since ${new Date().toISOString()}\n`,
      ),
    );
    return file;
  } catch (error) {
    file.close();
    throw error;
  }
}
