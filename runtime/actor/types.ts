import type { DeadLetterInput } from "../core/mod.ts";
import type {
  CommitMeta,
  Decider,
  DomainEvent,
  EventLog,
  Principal,
} from "../core/mod.ts";

/**
 * One aggregate type: its decider plus how its history is kept. Its events
 * arrive current: old versions are upcast by the log the system reads
 * (`UpcastingEventLog`), never here.
 */
export interface ActorDefinition<C, E extends DomainEvent, S> {
  type: string;
  decider: Decider<C, E, S>;
  /** Shape version of the state; bump it to ignore older snapshots. Default 1. */
  stateVersion?: number;
  /** Snapshot every N commits (overrides the system default). */
  snapshotEvery?: number;
  /**
   * The tenant (bedrift) a message to this actor concerns: its state's, or
   * for one that does not exist yet the command's (`undefined` command for a
   * read). `null`: it belongs to the platform (only a principal without a
   * tenant may touch it); `undefined`: no tenant (yet). An ask whose
   * principal has another tenant is refused with `NotFoundError`, and such a
   * read answers as if the actor did not exist. Absent: not tenant-scoped.
   */
  tenantOf?: (
    state: S,
    command: C | undefined,
    id: string,
  ) => string | null | undefined;
}

/** Options of one `ask`. */
export interface AskOptions {
  /** Idempotency key: a command id already committed returns its first result. */
  commandId?: string;
  /** The version the actor must be at (from `If-Match`); else `ConcurrencyError`. */
  expectedVersion?: number;
  /** Deadline or cancellation of the wait (a started append still completes). */
  signal?: AbortSignal;
  meta?: CommitMeta;
  /** Who asks; the actor refuses another tenant's aggregate (404). None: the system itself. */
  principal?: Principal;
}

/** Options of one `read`. */
export interface ReadOptions {
  signal?: AbortSignal;
  /** Who reads; another tenant's actor reads as not existing (404). */
  principal?: Principal;
}

/** What a command produced. Callers never see a half-applied command. */
export interface AskResult<E = DomainEvent, S = unknown> {
  version: number;
  position: number;
  events: E[];
  state: S;
  /** True when the command id had already been committed. */
  duplicate: boolean;
}

/**
 * What callers of actors need. The local `ActorSystem` provides it, and so
 * does a cluster router that forwards to the node owning the actor's shard.
 */
export interface ActorClient {
  ask<E extends DomainEvent = DomainEvent, S = unknown>(
    type: string,
    id: string,
    command: unknown,
    options?: AskOptions,
  ): Promise<AskResult<E, S>>;
  read<S = unknown>(
    type: string,
    id: string,
    options?: ReadOptions,
  ): Promise<ReadResult<S>>;
}

/** An actor's current state as read through its mailbox. */
export interface ReadResult<S = unknown> {
  version: number;
  position: number;
  state: S;
}

/**
 * The actor system's fault seam (the chaos registry's `ActorSeam`). While
 * `armed` is false a message pays that one check and nothing else.
 */
export interface ActorFaults {
  readonly armed: boolean;
  /** The wait before a message of `type/id` is handled (mailbox delay), or null. */
  delay(type: string, id: string): Promise<void> | null;
  /**
   * Throws to crash `type/id` at `phase` of a command: `decide` before the
   * append, `append` after the commit landed and before the answer. The
   * system treats it as an infrastructure failure: it restarts the actor
   * from the log and handles the command again under its command id.
   */
  crash(type: string, id: string, phase: "decide" | "append"): void;
}

/** Tuning of the actor system; every field has a default. */
export interface ActorSystemOptions {
  log: EventLog;
  /** Most messages waiting in one mailbox; more are refused with 429. */
  mailboxCapacity?: number;
  /** An actor idle this long is passivated. */
  idleTimeoutMs?: number;
  /** Most activations held at once; the least recently used idle ones go first. */
  maxActive?: number;
  /** Default snapshot interval in commits. */
  snapshotEvery?: number;
  /** Command ids remembered per actor for idempotent retries. */
  recentCommands?: number;
  /** Restarts after an infrastructure failure before the actor is parked. */
  restartAttempts?: number;
  restartBaseDelayMs?: number;
  restartMaxDelayMs?: number;
  /** How long a parked actor refuses messages before it is tried again. */
  parkMs?: number;
  /**
   * Called once for a command that failed for infrastructure reasons
   * `restartAttempts + 1` times (its actor parks), with everything needed to
   * ask again under the same command id. The messages refused because the
   * actor parked were never attempted and are not reported: their callers
   * get 503 with `Retry-After`. Must not throw or wait (the office buffers).
   */
  onDeadLetter?: (letter: DeadLetterInput) => void;
  /** The chaos seam (default: none, never armed). */
  faults?: ActorFaults;
}

/** One actor's waiting messages (`ActorSystem.deepestMailboxes`). */
export interface MailboxDepth {
  type: string;
  id: string;
  depth: number;
}

/** Counters and gauges of the actor system, for health and metrics. */
export interface ActorSystemStats {
  active: number;
  queued: number;
  maxMailboxDepth: number;
  commands: number;
  restarts: number;
  parked: { type: string; id: string; until: number; reason: string }[];
}
