/**
 * @module sql
 *
 * The read side's storage: the `SqlStore` contract (queries, transactions,
 * advisory locks, schemas) with three backends — `PgliteStore` (PostgreSQL in
 * WebAssembly), `WorkerSqlStore` (the same in a worker thread, so a batch never
 * stalls the event loop; the embedded default) and `PostgresStore`
 * (postgres.js) — chosen by `openSqlStore`. Versioned, checksummed migrations
 * recorded in `tms_schema_migrations`, and the query helpers of the read
 * models (keyset paging, cursors, JSON upserts). A query whose signal aborts
 * rejects at once; its late answer is dropped.
 *
 * Imports `core` only.
 */
export {
  isConnectionError,
  sqlIdentifier,
  sqlStoreOptionsFromEnv,
} from "./store.ts";
export type {
  LockOptions,
  SqlExecutor,
  SqlRow,
  SqlStore,
  SqlStoreOptions,
  TransactionOptions,
} from "./store.ts";
export { openSqlStore } from "./open.ts";
export { PgliteStore } from "./pglite_store.ts";
export { PostgresStore } from "./postgres_store.ts";
export { SqlError, WorkerSqlStore } from "./worker_sql_store.ts";
export {
  migrate,
  MIGRATIONS_TABLE,
  migrationStatus,
  recordMigrations,
} from "./migrations.ts";
export type {
  AppliedMigration,
  Migration,
  MigrationSet,
} from "./migrations.ts";
export {
  containsPattern,
  countRows,
  decodeCursor,
  encodeCursor,
  isoTimestamp,
  isoTimestampOrNull,
  keysetPage,
  newestFirstPage,
  pageLimit,
  prefixPattern,
  readCursor,
  SqlParams,
  upsertFromJson,
  withTotal,
} from "./query.ts";
export type { CursorShape, ListOptions, Page, UpsertColumn } from "./query.ts";
