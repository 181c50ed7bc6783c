/**
 * Contracts of the read side: a projection folds commits of the global feed
 * into SQL tables. Nothing here knows the TMS domain.
 */
import type { SqlExecutor, SqlStore } from "../sql/mod.ts";
import type { Migration } from "../sql/mod.ts";
import type { Commit, EventLog, SignalOptions } from "../core/mod.ts";
import type { DeadLetterInput } from "../core/mod.ts";

/**
 * A read model fed from the global feed.
 *
 * `apply` receives, in feed order, the commits that hold at least one event of
 * `eventTypes` (other events removed), and writes with `tx`: the engine
 * commits the rows and the projection's checkpoint in the same transaction.
 * It should write each batch with a few multi-row statements, and should be
 * idempotent per row (skip commits whose stream version a row already has),
 * so a batch applied twice leaves the same rows.
 *
 * Its `migrations` create `tables` with unqualified names: they run against
 * the live schema at start, and against a fresh schema during a rebuild.
 *
 * @example
 * ```ts
 * const counts: Projection = {
 *   name: "counts",
 *   eventTypes: ["thing.happened"],
 *   tables: ["counts"],
 *   migrations: [{ version: 1, name: "create", sql: "CREATE TABLE counts (id text PRIMARY KEY, n int NOT NULL)" }],
 *   async apply(commits, tx) {
 *     await tx.query("INSERT INTO counts SELECT id, count(*) FROM jsonb_to_recordset($1::jsonb) AS x(id text) GROUP BY id ON CONFLICT (id) DO UPDATE SET n = counts.n + excluded.n", [JSON.stringify(commits.map((c) => ({ id: c.id })))]);
 *   },
 * };
 * ```
 */
export interface Projection {
  /** Lower-case letters, digits and `_`; also names its checkpoint. */
  readonly name: string;
  readonly eventTypes: readonly string[];
  /** The tables it owns; a rebuild replaces exactly these. */
  readonly tables: readonly string[];
  readonly migrations: readonly Migration[];
  /**
   * Version of what `apply` writes (default 1). Bump it when the projection
   * handles new event types or fills rows differently: the engine then
   * rebuilds it at start, since rows written before cannot be patched.
   */
  readonly version?: number;
  apply(
    commits: readonly Commit[],
    tx: SqlExecutor,
    options?: SignalOptions,
  ): Promise<void>;
}

/** Lifecycle of one projection inside the engine. */
export const ProjectionStates = {
  /** Not started yet, or loading its checkpoint. */
  starting: "starting",
  /** Has applied everything the feed held when it last looked. */
  live: "live",
  /** Behind the feed and applying batches. */
  catchingUp: "catching_up",
  /** The store or the log is unavailable; retrying with backoff. */
  retrying: "retrying",
  /** Halted at a commit it cannot apply; never skips it. */
  failed: "failed",
  /** Paused while a rebuild replaces its tables. */
  rebuilding: "rebuilding",
  stopped: "stopped",
} as const;
export type ProjectionState =
  typeof ProjectionStates[keyof typeof ProjectionStates];

/** Where and why a projection halted. */
export interface ProjectionFailure {
  /** Feed position of the commit it could not apply. */
  position: number;
  /** The commit's stream (null when the failure is not one commit's). */
  streamType: string | null;
  streamId: string | null;
  version: number | null;
  eventTypes: string[];
  error: string;
  /** ISO time of the failure. */
  at: string;
}

/** What one projection is doing and how far behind it is. */
export interface ProjectionStatus {
  name: string;
  state: ProjectionState;
  /** Everything up to this feed position is reflected in its tables. */
  position: number;
  /** The checkpoint as stored (≤ `position`: batches without its events are not stored). */
  checkpoint: number;
  /** Newest feed position the engine knows of. */
  head: number;
  lagPositions: number;
  /** Age of the oldest commit not applied yet (0 when caught up). */
  lagMs: number;
  eventsApplied: number;
  batchesApplied: number;
  retries: number;
  /** Last transient error while retrying. */
  lastError: string | null;
  failure: ProjectionFailure | null;
}

/** Reported after each committed batch (metrics, benchmarks). */
export interface BatchInfo {
  projection: string;
  /** Feed positions covered: (from, to]. */
  from: number;
  to: number;
  commits: readonly Commit[];
  events: number;
  durationMs: number;
  /** Epoch ms when the transaction committed. */
  committedAt: number;
}

/** Options of `ProjectionEngine`. */
export interface ProjectionEngineOptions {
  store: SqlStore;
  log: EventLog;
  projections: readonly Projection[];
  /** Most commits read and applied in one transaction (default 1000). */
  batchSize?: number;
  /** Fallback poll of the feed head, for commits other processes write (default 1000 ms). */
  pollIntervalMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * A projection at the head of the feed waits this long before it reads
   * again (after a batch, or when woken by a new commit), so that commits
   * arriving meanwhile share one transaction: fewer, larger batches under
   * load, at most this much more lag (default 10 ms; 0 off). A `waitFor`
   * cuts the wait short.
   */
  lingerMs?: number;
  /** Apply migrations at start (default true). */
  migrate?: boolean;
  /** Called after each committed batch. */
  onBatch?: (info: BatchInfo) => void;
  /**
   * Called each time a projection halts at a poison commit (not for a
   * checkpoint past the head: a rebuild fixes that, not a retry). Must not
   * throw or wait.
   */
  onDeadLetter?: (letter: DeadLetterInput) => void;
  /** The chaos seam (default: none, never armed). */
  faults?: ProjectionFaults;
}

/**
 * The projection engine's fault seam (the chaos registry's
 * `ProjectionSeam`). While `armed` is false a batch pays that one check.
 */
export interface ProjectionFaults {
  readonly armed: boolean;
  /**
   * Null when `projection` may apply its next batch; else a promise that
   * resolves when its pause ends (rejects when `signal` aborts).
   */
  hold(projection: string, signal?: AbortSignal): Promise<void> | null;
}
