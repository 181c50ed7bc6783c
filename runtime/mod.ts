export type {
  AppendRequest,
  AppendResult,
  Commit,
  CommitMeta,
  Decider,
  DomainEvent,
  EventLog,
  RecentCommand,
  SignalOptions,
  Snapshot,
} from "./types.ts";
export {
  ConcurrencyError,
  DomainError,
  isRetryable,
  NotFoundError,
  UnavailableError,
} from "./errors.ts";
export {
  eventSubject,
  Headers,
  HttpHeaders,
  JetStreamNames,
  KV_INDEXED_KEY,
  KV_POSITION_KEY,
  KvKeys,
} from "./keys.ts";
export { backoff, delay, withTimeout } from "./abort.ts";
export { MemoryEventLog } from "./memory_event_log.ts";
export { KvEventLog } from "./kv_event_log.ts";
export { KV_LIMITS } from "./kv_log_layout.ts";
export type { KvEventLogOptions } from "./kv_event_log.ts";
export { EventLogSeams, FaultyEventLog } from "./faulty_event_log.ts";
export type { EventLogFault, EventLogSeam } from "./faulty_event_log.ts";
export { ActorSystem } from "./actor_system.ts";
export type {
  ActorClient,
  ActorDefinition,
  ActorSystemOptions,
  ActorSystemStats,
  AskOptions,
  AskResult,
  ReadResult,
} from "./actor_types.ts";
export { Watchers } from "./watchers.ts";
export {
  encodeHeaders,
  NatsRequester,
  NatsStatusError,
  RequestClosedError,
  RequestTimeoutError,
} from "./nats_requester.ts";
export type { NatsRequesterOptions } from "./nats_requester.ts";
export { JetStreamPublisher } from "./jetstream_publisher.ts";
export type { PublishAck } from "./jetstream_publisher.ts";
export { LatencyHistogram } from "./latency_histogram.ts";
export type { HistogramSnapshot } from "./latency_histogram.ts";
export { JetStreamEventLog } from "./jetstream_event_log.ts";
export type {
  JetStreamConnectOptions,
  JetStreamEventLogOptions,
} from "./jetstream_event_log.ts";
export {
  isConnectionError,
  sqlIdentifier,
  sqlStoreOptionsFromEnv,
} from "./sql_store.ts";
export type {
  SqlExecutor,
  SqlRow,
  SqlStore,
  SqlStoreOptions,
  TransactionOptions,
} from "./sql_store.ts";
export { openSqlStore } from "./open_sql_store.ts";
export { PgliteStore } from "./pglite_store.ts";
export { PostgresStore } from "./postgres_store.ts";
export {
  migrate,
  MIGRATIONS_TABLE,
  migrationStatus,
} from "./sql_migrations.ts";
export type {
  AppliedMigration,
  Migration,
  MigrationSet,
} from "./sql_migrations.ts";
export { ProjectionStates } from "./projection_types.ts";
export type {
  BatchInfo,
  Projection,
  ProjectionFailure,
  ProjectionState,
  ProjectionStatus,
} from "./projection_types.ts";
export { ProjectionEngine } from "./projection_engine.ts";
export { ProjectionFollower } from "./projection_follower.ts";
export type {
  ProjectionFollowerOptions,
  ProjectionPositions,
} from "./projection_follower.ts";
export type { ProjectionEngineOptions } from "./projection_engine.ts";
export { CHECKPOINTS_TABLE, engineMigrations } from "./projection_support.ts";
export { RebuildError, rebuildProjections } from "./projection_rebuild.ts";
export type {
  RebuildOptions,
  RebuildProgress,
  RebuildResult,
} from "./projection_rebuild.ts";
export {
  projectionMetrics,
  projectionReadiness,
} from "./projection_metrics.ts";
export type {
  ProjectionHealthBounds,
  ProjectionReadiness,
} from "./projection_metrics.ts";
export {
  containsPattern,
  decodeCursor,
  encodeCursor,
  isoTimestamp,
  isoTimestampOrNull,
  keysetPage,
  pageLimit,
  prefixPattern,
  readCursor,
  SqlParams,
  upsertFromJson,
} from "./sql_query.ts";
export type { CursorShape, Page, UpsertColumn } from "./sql_query.ts";
export { commitMsgId } from "./keys.ts";
export {
  checkFileId,
  FileErrorCode,
  matchesSignature,
  MemoryFileStore,
  readChecked,
  sha256Hex,
} from "./file_store.ts";
export type {
  FileInfo,
  FilePutOptions,
  FileStore,
  StoredFile,
} from "./file_store.ts";
export { FsFileStore } from "./fs_file_store.ts";
export { AesKeyStore, MemoryKeyStore } from "./key_store.ts";
export type { EncryptedValue, KeyStore, StoredKey } from "./key_store.ts";
export { FsKeyStore } from "./fs_key_store.ts";
export { NatsKeyStore } from "./nats_key_store.ts";
export type { NatsKeyStoreOptions } from "./nats_key_store.ts";
export type { LockOptions } from "./sql_store.ts";
export { PlacementKeys, rpcSubject } from "./keys.ts";
export {
  DEFAULT_LEASE_TTL_MS,
  DEFAULT_SHARDS,
  openPlacementBucket,
  ReleaseReasons,
  shardOf,
  ShardPlacement,
} from "./placement.ts";
export type {
  PlacementStatus,
  ReleaseReason,
  ShardHandler,
  ShardPlacementOptions,
} from "./placement.ts";
export { ClusterRouter, decodeError, encodeError } from "./cluster_router.ts";
export type {
  ClusterRouterOptions,
  RouterStats,
  ShardOwnership,
} from "./cluster_router.ts";
export { ClusterNode } from "./cluster_node.ts";
export type { ClusterNodeOptions, ClusterReadiness } from "./cluster_node.ts";
export { ObjectFileStore } from "./object_file_store.ts";
export type {
  ObjectFileStoreConnectOptions,
  ObjectFileStoreOptions,
} from "./object_file_store.ts";
export {
  A4,
  encodeWinAnsi,
  PdfDocument,
  PdfFonts,
  PdfPage,
  pdfString,
  textWidth,
} from "./pdf_writer.ts";
export type {
  PdfColor,
  PdfFont,
  PdfInfo,
  PdfTextOptions,
} from "./pdf_writer.ts";
export { SqlError, WorkerSqlStore } from "./worker_sql_store.ts";
export { foldIntoTable, foldRows } from "./fold_rows.ts";
export type { FoldTable, VersionedRow } from "./fold_rows.ts";
export {
  leasedMetrics,
  LeasedProjections,
  leasedReadiness,
  PROJECTOR_LEASE_NAME,
  PROJECTOR_LEASE_TABLE,
} from "./projector_lease.ts";
export type {
  LeasedProjectionsOptions,
  ProjectorRole,
} from "./projector_lease.ts";
