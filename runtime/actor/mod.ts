/**
 * @module actor
 *
 * `ActorSystem`: virtual actors over an `EventLog`. An actor exists by its
 * `type/id`, is activated on its first message (latest snapshot + tail
 * replay; old event versions are upcast by the log it reads, see
 * `UpcastingEventLog`), handles one message at a time from a bounded mailbox (full:
 * `UnavailableError` 429), is passivated when idle or least recently used,
 * snapshots every N commits, retries infrastructure failures with backoff and
 * parks an actor that keeps failing. A command id already committed answers
 * with its original result. `ActorClient` is what callers need; the cluster
 * router implements it too.
 *
 * Imports `core` only.
 */
export { ActorSystem } from "./system.ts";
export type {
  ActorClient,
  ActorDefinition,
  ActorSystemOptions,
  ActorSystemStats,
  AskOptions,
  AskResult,
  ReadResult,
} from "./types.ts";
