/**
 * @module projection
 *
 * The read side's engine. A `Projection` is a name, the event types it reads
 * and `apply(commits, tx)`; `ProjectionEngine` feeds it batches from the feed
 * and writes rows and checkpoint (`tms_projection_checkpoints`) in one
 * transaction — the checkpoint update is the batch's first statement, so
 * several engines on one store apply each batch once. A poison commit halts
 * only its projection. `ProjectionFollower` answers read-your-writes on nodes
 * that do not project; `LeasedProjections` elects one projector per
 * PostgreSQL schema through the `tms_projector_lease` row (expiry by the
 * database clock). A halt at a poison commit is reported to `onDeadLetter`;
 * `retryFailure` resumes a halted projection and waits until it has applied
 * the commit or halts again, and `projectionRetrier` performs dead-letter
 * retries with it on the node that runs the engine. `rebuildProjections`
 * fills fresh tables from position 0 and swaps them in, in one transaction.
 * `foldRows`/`foldIntoTable` fold commits into versioned rows.
 * `FeedProcessor` runs a `Processor` — a process manager whose effects are
 * commands, not rows — over the feed at least once, with its own checkpoint
 * (`tms_processor_checkpoints`) moved by compare-and-set after each batch;
 * `ProcessorHost` starts and stops them with the node's projector role.
 * `ProjectionFaults` is the chaos seam (a pause): one check per batch while
 * it is not armed.
 *
 * Imports `core`, `sql`.
 */
export { ProjectionStates } from "./types.ts";
export type {
  BatchInfo,
  Projection,
  ProjectionFailure,
  ProjectionFaults,
  ProjectionState,
  ProjectionStatus,
} from "./types.ts";
export { ProjectionEngine } from "./engine.ts";
export { projectionRetrier } from "./dead_letters.ts";
export type { ProjectionEngineOptions } from "./engine.ts";
export { ProjectionFollower } from "./follower.ts";
export type {
  ProjectionFollowerOptions,
  ProjectionPositions,
} from "./follower.ts";
export { CHECKPOINTS_TABLE, engineMigrations } from "./support.ts";
export { RebuildError, rebuildProjections } from "./rebuild.ts";
export type {
  RebuildOptions,
  RebuildProgress,
  RebuildResult,
} from "./rebuild.ts";
export { projectionMetrics, projectionReadiness } from "./metrics.ts";
export type { ProjectionHealthBounds, ProjectionReadiness } from "./metrics.ts";
export { foldIntoTable, foldRows } from "./fold_rows.ts";
export type { FoldTable, VersionedRow } from "./fold_rows.ts";
export {
  leasedMetrics,
  LeasedProjections,
  leasedReadiness,
  PROJECTOR_LEASE_NAME,
  PROJECTOR_LEASE_TABLE,
} from "./lease.ts";
export type { LeasedProjectionsOptions, ProjectorRole } from "./lease.ts";
export {
  FeedProcessor,
  PROCESSOR_CHECKPOINTS_TABLE,
  ProcessorHost,
} from "./processor.ts";
export type {
  FeedProcessorOptions,
  Processor,
  ProcessorStatus,
} from "./processor.ts";
