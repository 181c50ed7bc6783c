/**
 * Public contracts of the TMS runtime. Nothing here knows the TMS domain.
 */

/** An event as a decider produces it: a type, a schema version and its data. */
export interface DomainEvent<T extends string = string, D = unknown> {
  type: T;
  /** Schema version of `data`; old versions are upcast on read. */
  v: number;
  data: D;
}

/**
 * The current schema version of every event type of one aggregate, keyed by
 * type: declared next to the event union and checked against it by the
 * compiler (`satisfies`), so the list of types is written once.
 *
 * @example
 * ```ts
 * type E = DomainEvent<"a.created", { n: number }> | DomainEvent<"a.closed", null>;
 * const versions = { "a.created": 1, "a.closed": 1 } as const satisfies EventVersions<E>;
 * ```
 */
export type EventVersions<E extends DomainEvent> = {
  readonly [K in E["type"]]: number;
};

/** The event types of a versions map, in declaration order. */
export function eventTypesOf<const V extends Record<string, number>>(
  versions: V,
): (keyof V & string)[] {
  return Object.keys(versions) as (keyof V & string)[];
}

/**
 * A constructor of an aggregate's events that stamps each with its current
 * schema version from the versions map, so deciders never write `v` by hand.
 *
 * @example
 * ```ts
 * const event = eventFactory<E>(versions);
 * event("a.created", { n: 1 }); // { type: "a.created", v: 1, data: { n: 1 } }
 * ```
 */
export function eventFactory<E extends DomainEvent>(
  versions: EventVersions<E>,
): <T extends E["type"]>(
  type: T,
  data: Extract<E, { type: T }>["data"],
) => Extract<E, { type: T }> {
  const table = versions as Record<string, number>;
  return (type, data) =>
    ({ type, v: table[type], data }) as unknown as Extract<
      E,
      { type: typeof type }
    >;
}

/**
 * An aggregate's behaviour: pure, synchronous, no I/O, clock or randomness.
 * Time and ids arrive inside the command.
 *
 * @example
 * ```ts
 * const counter: Decider<{ type: "inc" }, DomainEvent<"incremented", null>, number> = {
 *   initialState: 0,
 *   decide: () => [{ type: "incremented", v: 1, data: null }],
 *   evolve: (n) => n + 1,
 * };
 * ```
 */
export interface Decider<C, E, S> {
  initialState: S;
  /** Events the command produces; throws `DomainError` when a rule is broken. */
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
}

/**
 * Who asks: the authenticated subject, its role and the tenant (bedrift) it
 * belongs to — `null` for a platform principal that may act in every tenant.
 * Carried by asks and reads so the actor checks tenancy again, whatever the
 * edge did.
 */
export interface Principal {
  readonly subject: string;
  readonly role: string;
  readonly tenant: string | null;
}

/** Tracing and causation metadata carried by each commit. */
export interface CommitMeta {
  correlationId?: string;
  causationId?: string;
  traceparent?: string;
}

/** What an actor hands to the log: all events of one command. */
export interface AppendRequest {
  type: string;
  id: string;
  /** Version the stream must be at before this commit (0 for a new stream). */
  expectedVersion: number;
  commandId: string;
  events: DomainEvent[];
  meta?: CommitMeta;
}

/** A commit as stored: the unit of atomicity. Versions count commits. */
export interface Commit {
  type: string;
  id: string;
  /** Version of the stream after this commit (1-based). */
  version: number;
  /** Global, gap-free position in the feed (1-based). */
  position: number;
  commandId: string;
  /** Epoch ms when the log accepted the commit. */
  timestamp: number;
  events: DomainEvent[];
  meta?: CommitMeta;
}

/** Result of a successful append. */
export interface AppendResult {
  version: number;
  position: number;
  timestamp: number;
  /** True when the log recognised the command id and wrote nothing. */
  duplicate?: boolean;
}

/** A stored snapshot of an actor's state. */
export interface Snapshot<S = unknown> {
  version: number;
  /** Feed position of the commit at `version`. */
  position: number;
  /** Version of the state's shape; a mismatch makes the snapshot ignored. */
  stateVersion: number;
  state: S;
  /** Recent command ids with their results, for idempotent retries. */
  recent: RecentCommand[];
}

/** An idempotency record: what a command id produced. */
export interface RecentCommand {
  commandId: string;
  version: number;
  position: number;
  events: DomainEvent[];
}

/** Options every async API takes. */
export interface SignalOptions {
  signal?: AbortSignal;
}

/** The stream an event belongs to. */
export interface StreamRef {
  type: string;
  id: string;
}

/**
 * What a log stores instead of what actors decide and readers see: personal
 * data sealed per data subject on the way in, opened on the way out
 * (`SealingEventLog` in `log/`). Sealing keeps deciders pure — they decide
 * on plain values — and keeps every reader of the log (replay, projections,
 * history) on plain values too, while the stored log and its backups hold
 * only ciphertext. Opening never fails for a shredded key: the field reads
 * as `null`.
 */
export interface EventSealer {
  /**
   * The events as the log stores them (new objects; the given ones are not
   * changed). Throws `DomainError` when a subject may take no new data
   * (its key was shredded): nothing is written then.
   */
  seal(
    stream: StreamRef,
    events: DomainEvent[],
    options?: SignalOptions,
  ): Promise<DomainEvent[]>;
  /** The commits as readers see them: the same array when nothing is sealed. */
  open(commits: Commit[], options?: SignalOptions): Promise<Commit[]>;
  /** The snapshot as stored, or `null` to store none this time. */
  sealSnapshot(
    stream: StreamRef,
    snapshot: Snapshot,
    options?: SignalOptions,
  ): Promise<Snapshot | null>;
  /** The snapshot as the actor reads it, or `null` when it cannot be opened (the actor replays its stream). */
  openSnapshot(
    stream: StreamRef,
    snapshot: Snapshot,
    options?: SignalOptions,
  ): Promise<Snapshot | null>;
}

/**
 * The event log: per-stream histories plus one global feed.
 *
 * `append` must be atomic (one commit, all or nothing), must fail with
 * `ConcurrencyError` when the stream is not at `expectedVersion`, and must fail
 * with `UnavailableError` when the store cannot be reached.
 */
export interface EventLog {
  append(
    request: AppendRequest,
    options?: SignalOptions,
  ): Promise<AppendResult>;
  /** Commits of one stream with version > `afterVersion`, in order. */
  readStream(
    type: string,
    id: string,
    afterVersion: number,
    options?: SignalOptions,
  ): Promise<Commit[]>;
  /** Up to `limit` commits of the feed with position > `afterPosition`, in order. */
  readFeed(
    afterPosition: number,
    limit: number,
    options?: SignalOptions,
  ): Promise<Commit[]>;
  /** Position of the newest commit in the feed (0 when empty). */
  headPosition(options?: SignalOptions): Promise<number>;
  loadSnapshot(
    type: string,
    id: string,
    options?: SignalOptions,
  ): Promise<Snapshot | null>;
  saveSnapshot(
    type: string,
    id: string,
    snapshot: Snapshot,
    options?: SignalOptions,
  ): Promise<void>;
  /**
   * Calls `listener` with the new head position whenever a commit lands through
   * this log instance (or is observed by it). Returns the unsubscribe function.
   */
  watch(listener: (position: number) => void): () => void;
  close(): Promise<void>;
}

/**
 * A named feed checkpoint as stored: the position a consumer of the feed
 * (the integration relay) has handled, and the store's revision of it.
 */
export interface StoredCheckpoint {
  position: number;
  /** Opaque: what `save` must be given to move it on. */
  revision: string;
}

/**
 * Named feed checkpoints kept in the log's own store (a Deno KV key beside
 * the embedded log, a JetStream KV key in distributed mode), so a backup
 * holds them with the commits. `save` is revision-checked: two writers of
 * one checkpoint never both move it from the same place.
 *
 * @example
 * ```ts
 * const stored = await checkpoints.load("integration");
 * const revision = await checkpoints.save("integration", 42, stored?.revision ?? null);
 * ```
 */
export interface FeedCheckpoints {
  /** The checkpoint, or null when it was never written. */
  load(name: string, options?: SignalOptions): Promise<StoredCheckpoint | null>;
  /**
   * Stores `position` if the checkpoint is still at `expected` (null: never
   * written) and answers its new revision; throws `ConcurrencyError` when
   * another writer moved it.
   */
  save(
    name: string,
    position: number,
    expected: string | null,
    options?: SignalOptions,
  ): Promise<string>;
  /** Every checkpoint by name (for backups). */
  list(options?: SignalOptions): Promise<Record<string, number>>;
}
