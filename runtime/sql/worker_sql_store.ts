import { InProcessLocks } from "./in_process_locks.ts";
import { UnavailableError } from "../core/mod.ts";
import { decodeError } from "../core/mod.ts";
import type { WireError } from "../core/mod.ts";
import type {
  LockOptions,
  SqlExecutor,
  SqlRow,
  SqlStore,
  SqlStoreOptions,
  TransactionOptions,
} from "./store.ts";
import type { SignalOptions } from "../core/mod.ts";

/** A message to the worker. */
export interface WorkerRequest {
  id: number;
  op: "open" | "query" | "exec" | "begin" | "commit" | "rollback" | "close";
  tx?: number;
  text?: string;
  params?: readonly unknown[];
  options?: SqlStoreOptions;
  schema?: string;
  relaxed?: boolean;
}

/** The worker's answer to one message. */
export interface WorkerReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: WireError;
}

/** A SQL error from the worker, with its SQLSTATE in `code`. */
export class SqlError extends Error {
  override name = "SqlError";
  readonly code?: string;
  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

/**
 * PGlite in a worker thread behind the `SqlStore` interface. PGlite is
 * PostgreSQL compiled to WebAssembly and runs synchronously: in the node's main
 * thread a projection batch would stall every HTTP request for its duration.
 * Here it runs beside the event loop; rows cross as structured clones.
 *
 * @example
 * ```ts
 * const store = await WorkerSqlStore.open({ dataDir: "./data/readmodel" });
 * const rows = await store.query("SELECT 1 AS one");
 * await store.close();
 * ```
 */
export class WorkerSqlStore implements SqlStore {
  readonly backend = "pglite" as const;
  readonly schema: string;
  readonly #worker: Worker;
  readonly #pending = new Map<number, {
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  }>();
  readonly #locks = new InProcessLocks();
  #next = 1;
  #closed = false;

  private constructor(worker: Worker, schema: string) {
    this.#worker = worker;
    this.schema = schema;
  }

  /** Starts the worker and opens PGlite in it. */
  static async open(options: SqlStoreOptions = {}): Promise<WorkerSqlStore> {
    const worker = new Worker(
      new URL("./worker.ts", import.meta.url),
      { type: "module" },
    );
    const store = new WorkerSqlStore(worker, options.schema ?? "public");
    worker.onmessage = (event: MessageEvent<WorkerReply>) =>
      store.#settle(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      store.#failAll(
        new UnavailableError(`Read model worker failed: ${event.message}`),
      );
    };
    try {
      await store.#call({ op: "open", options });
      return store;
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  query<R extends SqlRow = SqlRow>(
    text: string,
    params: readonly unknown[] = [],
    options?: SignalOptions,
  ): Promise<R[]> {
    return this.#call({ op: "query", text, params }, options) as Promise<R[]>;
  }

  async exec(script: string, options?: SignalOptions): Promise<void> {
    await this.#call({ op: "exec", text: script }, options);
  }

  async transaction<T>(
    fn: (tx: SqlExecutor) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    const tx = this.#next++;
    const outer = options.signal;
    await this.#call(
      { op: "begin", tx, schema: options.schema, relaxed: options.relaxed },
      options,
    );
    const executor: SqlExecutor = {
      query: <R extends SqlRow = SqlRow>(
        text: string,
        params: readonly unknown[] = [],
        o?: SignalOptions,
      ) => {
        outer?.throwIfAborted();
        return this.#call({ op: "query", tx, text, params }, o) as Promise<R[]>;
      },
      exec: async (script: string, o?: SignalOptions) => {
        outer?.throwIfAborted();
        await this.#call({ op: "exec", tx, text: script }, o);
      },
    };
    let result: T;
    try {
      result = await fn(executor);
    } catch (error) {
      await this.#call({ op: "rollback", tx }).catch(() => {});
      throw error;
    }
    await this.#call({ op: "commit", tx });
    return result;
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
    try {
      await this.#call({ op: "close" });
    } finally {
      this.#closed = true;
      this.#worker.terminate();
      this.#failAll(new UnavailableError("Read model store is closed"));
    }
  }

  #call(
    request: Omit<WorkerRequest, "id">,
    options?: SignalOptions,
  ): Promise<unknown> {
    try {
      options?.signal?.throwIfAborted();
      if (this.#closed) {
        throw new UnavailableError("Read model store is closed");
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id });
    });
  }

  #settle(reply: WorkerReply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (reply.ok) return pending.resolve(reply.result);
    pending.reject(
      decodeError(reply.error!, (e) => new SqlError(e.message, e.code)),
    );
  }

  #failAll(error: unknown): void {
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }
}
