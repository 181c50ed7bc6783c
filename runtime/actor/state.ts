/**
 * The event-sourced state of one actor: rehydration from the latest snapshot
 * plus the tail of its stream, the recent command ids that make retries
 * idempotent (with the state as of an older commit, replayed on demand), and
 * the snapshot taken from it. The mailbox lives in
 * `ActorSystem`; this part knows only the log.
 */
import type { ActorDefinition } from "./types.ts";
import type {
  DomainEvent,
  EventLog,
  RecentCommand,
  Snapshot,
} from "../core/mod.ts";

// deno-lint-ignore no-explicit-any
export type AnyDefinition = ActorDefinition<any, DomainEvent, any>;

/** What an actor knows of its stream. */
export interface ActorState {
  state: unknown;
  version: number;
  position: number;
  /** Version of the latest snapshot loaded, or attempted (0: none usable). */
  snapshotVersion: number;
  /**
   * Commits between this actor's snapshots, stretched with the size of its
   * state when it was last snapshotted (absent: the system's interval).
   */
  snapshotEvery?: number;
  /** Recent command ids, oldest first, with their original results. */
  recent: Map<string, RecentCommand>;
}

/**
 * Folds the actor's stream: its latest snapshot (when written by the same
 * `stateVersion`) and the commits after it. The events are folded as the log
 * returns them: a log wrapped in `UpcastingEventLog` returns them current.
 * Keeps at most `recentLimit` command ids.
 */
export async function rehydrate(
  log: EventLog,
  def: AnyDefinition,
  type: string,
  id: string,
  recentLimit: number,
): Promise<ActorState> {
  const stateVersion = def.stateVersion ?? 1;
  let state = def.decider.initialState;
  let version = 0;
  let position = 0;
  const recent = new Map<string, RecentCommand>();
  const snapshot = await log.loadSnapshot(type, id);
  const usable = snapshot !== null && snapshot.stateVersion === stateVersion;
  if (usable) {
    state = snapshot.state;
    version = snapshot.version;
    position = snapshot.position;
    for (const r of snapshot.recent) recent.set(r.commandId, r);
  }
  const tail = await log.readStream(type, id, version);
  for (const commit of tail) {
    const events = commit.events;
    for (const event of events) state = def.decider.evolve(state, event);
    version = commit.version;
    position = commit.position;
    recent.set(commit.commandId, {
      commandId: commit.commandId,
      version,
      position,
      events,
    });
  }
  trimRecent(recent, recentLimit);
  return {
    state,
    version,
    position,
    snapshotVersion: usable ? snapshot.version : 0,
    recent,
  };
}

/**
 * The actor's state as of `version`: the latest snapshot when it is not newer
 * (and of the same `stateVersion`), then the commits up to `version`. For an
 * idempotent retry of an older command, so it answers with the state its
 * first call answered with. `NotFoundError`-free: a version the stream never
 * reached is a `RangeError`.
 */
export async function stateAt(
  log: EventLog,
  def: AnyDefinition,
  type: string,
  id: string,
  version: number,
): Promise<unknown> {
  let state = def.decider.initialState;
  let at = 0;
  const snapshot = await log.loadSnapshot(type, id);
  if (
    snapshot !== null && snapshot.stateVersion === (def.stateVersion ?? 1) &&
    snapshot.version <= version
  ) {
    state = snapshot.state;
    at = snapshot.version;
  }
  if (at < version) {
    for (const commit of await log.readStream(type, id, at)) {
      if (commit.version > version) break;
      for (const event of commit.events) {
        state = def.decider.evolve(state, event);
      }
      at = commit.version;
    }
  }
  if (at !== version) {
    throw new RangeError(`${type}/${id} has no version ${version}`);
  }
  return state;
}

/** Records a committed command; forgets the oldest beyond `limit`. */
export function rememberCommand(
  recent: Map<string, RecentCommand>,
  record: RecentCommand,
  limit: number,
): void {
  recent.set(record.commandId, record);
  trimRecent(recent, limit);
}

/** The snapshot of an actor's state, with its recent command ids. */
export function snapshotOf(def: AnyDefinition, actor: ActorState): Snapshot {
  return {
    version: actor.version,
    position: actor.position,
    stateVersion: def.stateVersion ?? 1,
    state: actor.state,
    recent: [...actor.recent.values()],
  };
}

/**
 * Saves a snapshot of `actor` when `every` commits have passed since its
 * last one (0 or less: never), in the background. A failed snapshot is
 * tried again `every` commits later, not on the next command: one that can
 * never be written (a state over the backend's value limit) would otherwise
 * serialize the whole state on every command.
 *
 * A snapshot costs in the size of the state, a commit replayed on
 * activation does not: a state of 44 KB (a kontroll of 150 recorded points)
 * snapshotted every 100 commits cost 40 % of its commands' throughput. So
 * the interval stretches with the state: at least one commit per
 * `SNAPSHOT_STATE_CHARS` characters of the state's JSON, at most
 * `SNAPSHOT_MAX_STRETCH` × `every` (what an activation may replay).
 */
export function maybeSnapshot(
  log: EventLog,
  actor: ActorState & { def: AnyDefinition; type: string; id: string },
  every: number,
): void {
  if (every <= 0) return;
  const interval = Math.max(every, actor.snapshotEvery ?? 0);
  if (actor.version - actor.snapshotVersion < interval) return;
  const snapshot = snapshotOf(actor.def, actor);
  actor.snapshotVersion = actor.version;
  actor.snapshotEvery = snapshotInterval(actor.state, every);
  log.saveSnapshot(actor.type, actor.id, snapshot).catch((error) => {
    console.warn(`Snapshot of ${actor.type}/${actor.id} failed`, error);
  });
}

/** Characters of a state's JSON that one commit between snapshots pays for. */
export const SNAPSHOT_STATE_CHARS = 128;
/** The most an actor's snapshot interval stretches, in multiples of `every`. */
export const SNAPSHOT_MAX_STRETCH = 10;

/** The snapshot interval for a state: `every`, stretched with its size. */
export function snapshotInterval(state: unknown, every: number): number {
  let chars: number;
  try {
    chars = JSON.stringify(state)?.length ?? 0;
  } catch {
    return every;
  }
  return Math.min(
    every * SNAPSHOT_MAX_STRETCH,
    Math.max(every, Math.ceil(chars / SNAPSHOT_STATE_CHARS)),
  );
}

function trimRecent(recent: Map<string, RecentCommand>, limit: number): void {
  const excess = recent.size - limit;
  if (excess <= 0) return;
  const keys = recent.keys();
  for (let i = 0; i < excess; i++) recent.delete(keys.next().value!);
}

/** Which moment of a stream to replay to: a version, or an instant. */
export type AsOf = { version: number } | { timestamp: number };

/** A stream replayed to a moment: the state and the commit it stands at. */
export interface Replayed {
  state: unknown;
  version: number;
  position: number;
  /** Epoch ms when the log accepted that commit. */
  timestamp: number;
}

/**
 * The actor's state at `asOf`, replayed from the log: up to and including
 * version `asOf.version`, or the last commit the log accepted at or before
 * `asOf.timestamp`. A snapshot is used when it is not past the version asked
 * for (an instant replays from the start: snapshots carry no time). Null
 * when the stream had no commit at that moment, or never reached the
 * version.
 */
export async function replayTo(
  log: EventLog,
  def: AnyDefinition,
  type: string,
  id: string,
  asOf: AsOf,
): Promise<Replayed | null> {
  let state = def.decider.initialState;
  let from = 0;
  if ("version" in asOf) {
    const snapshot = await log.loadSnapshot(type, id);
    if (
      snapshot !== null && snapshot.stateVersion === (def.stateVersion ?? 1) &&
      snapshot.version <= asOf.version && snapshot.version > 0
    ) {
      state = snapshot.state;
      from = snapshot.version;
    }
  }
  let at: Replayed | null = null;
  if (from > 0) {
    // The snapshot's commit, for its position and time.
    const [commit] = await log.readStream(type, id, from - 1);
    if (commit && commit.version === from) {
      at = {
        state,
        version: from,
        position: commit.position,
        timestamp: commit.timestamp,
      };
    } else {
      state = def.decider.initialState;
      from = 0;
    }
  }
  for (const commit of await log.readStream(type, id, from)) {
    if (
      "version" in asOf
        ? commit.version > asOf.version
        : commit.timestamp > asOf.timestamp
    ) {
      break;
    }
    for (const event of commit.events) state = def.decider.evolve(state, event);
    at = {
      state,
      version: commit.version,
      position: commit.position,
      timestamp: commit.timestamp,
    };
  }
  if (at === null) return null;
  if ("version" in asOf && at.version !== asOf.version) return null;
  return at;
}
