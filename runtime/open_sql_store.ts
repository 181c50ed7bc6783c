import { PgliteStore } from "./pglite_store.ts";
import { PostgresStore } from "./postgres_store.ts";
import type { SqlStore, SqlStoreOptions } from "./sql_store.ts";

/**
 * Opens PostgreSQL when `databaseUrl` is given, else PGlite.
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
    : await PgliteStore.open(options);
}
