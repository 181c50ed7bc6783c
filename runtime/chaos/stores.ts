/**
 * The chaos seams of the stores beside the event log: slow read-model SQL
 * (`database_slow`) and a full disk for files (`disk_full`). Each costs one
 * check while no such fault is active.
 */
import { delay, UnavailableError } from "../core/mod.ts";
import type { SignalOptions } from "../core/mod.ts";
import type {
  LockOptions,
  SqlExecutor,
  SqlRow,
  SqlStore,
  TransactionOptions,
} from "../sql/mod.ts";
import type {
  FileInfo,
  FilePutOptions,
  FileStore,
  StoredFile,
} from "../storage/mod.ts";
import type { FaultRegistry } from "./registry.ts";
import type { Seam, SqlSeam } from "./seam.ts";
import { DISK_FULL_RETRY_S } from "./types.ts";

/**
 * A `SqlStore` whose queries, scripts and transactions wait `latencyMs`
 * first while a `database_slow` fault selects them.
 *
 * @example
 * ```ts
 * const store = new ChaosSqlStore(await openSqlStore(options), registry);
 * ```
 */
export class ChaosSqlStore implements SqlStore {
  readonly inner: SqlStore;
  readonly #seam: SqlSeam;

  constructor(inner: SqlStore, registry: FaultRegistry) {
    this.inner = inner;
    this.#seam = registry.seams.sql;
  }

  get backend(): SqlStore["backend"] {
    return this.inner.backend;
  }

  get schema(): string {
    return this.inner.schema;
  }

  query<R extends SqlRow = SqlRow>(
    text: string,
    params?: readonly unknown[],
    options?: SignalOptions,
  ): Promise<R[]> {
    if (!this.#seam.armed) return this.inner.query<R>(text, params, options);
    return this.#slow(
      options,
      () => this.inner.query<R>(text, params, options),
    );
  }

  exec(script: string, options?: SignalOptions): Promise<void> {
    if (!this.#seam.armed) return this.inner.exec(script, options);
    return this.#slow(options, () => this.inner.exec(script, options));
  }

  transaction<T>(
    fn: (tx: SqlExecutor) => Promise<T>,
    options?: TransactionOptions,
  ): Promise<T> {
    if (!this.#seam.armed) return this.inner.transaction(fn, options);
    return this.#slow(options, () => this.inner.transaction(fn, options));
  }

  withLock<T>(
    name: string,
    fn: () => Promise<T>,
    options?: LockOptions,
  ): Promise<T> {
    return this.inner.withLock(name, fn, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async #slow<T>(
    options: SignalOptions | undefined,
    call: () => Promise<T>,
  ): Promise<T> {
    const ms = this.#seam.latencyMs();
    if (ms > 0) await delay(ms, { signal: options?.signal });
    return await call();
  }
}

/**
 * A `FileStore` that refuses uploads while a `disk_full` fault is active
 * (`UnavailableError`: 503 with `Retry-After` at the edge); reads go on.
 */
export class ChaosFileStore implements FileStore {
  readonly inner: FileStore;
  readonly #seam: Seam;

  constructor(inner: FileStore, registry: FaultRegistry) {
    this.inner = inner;
    this.#seam = registry.seams.files;
  }

  put(
    id: string,
    data: Uint8Array | ReadableStream<Uint8Array>,
    options: FilePutOptions,
  ): Promise<FileInfo> {
    if (this.#seam.armed) {
      return Promise.reject(
        new UnavailableError(
          "No space left on the device: the file store refuses uploads (injected disk_full)",
          { retryAfter: DISK_FULL_RETRY_S },
        ),
      );
    }
    return this.inner.put(id, data, options);
  }

  get(id: string, options?: SignalOptions): Promise<StoredFile | null> {
    return this.inner.get(id, options);
  }

  stat(id: string, options?: SignalOptions): Promise<FileInfo | null> {
    return this.inner.stat(id, options);
  }

  delete(id: string, options?: SignalOptions): Promise<boolean> {
    return this.inner.delete(id, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
