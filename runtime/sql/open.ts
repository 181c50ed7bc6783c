import { PostgresStore } from "./postgres_store.ts";
import type { SqlStore, SqlStoreOptions } from "./store.ts";
import { WorkerSqlStore } from "./worker_sql_store.ts";

/**
 * Opens PostgreSQL when `databaseUrl` is given, else PGlite in a worker thread
 * (its WebAssembly must not stall the node's event loop).
 *
 * @example
 * ```ts
 * const store = await openSqlStore(sqlStoreOptionsFromEnv());
 * ```
 */
export async function openSqlStore(
  options: SqlStoreOptions = {},
): Promise<SqlStore> {
  return options.databaseUrl
    ? await PostgresStore.open(options)
    : await WorkerSqlStore.open(options);
}
