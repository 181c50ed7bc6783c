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
 * with its original result; every attempt of one message uses the same
 * command id. The command that exhausted the restarts is reported once to
 * `onDeadLetter` (the messages refused because the actor parked are not: they
 * were never attempted, their callers get 503); `commandRetrier` asks it
 * again under its command id after looking for it in the stream. `readAt`
 * replays a stream to a version or an instant (time travel) and `history`
 * lists its commits, both straight from the log. `ActorFaults` is the
 * chaos seam (mailbox delay, a crash mid-command): one check per message
 * while it is not armed. `ActorClient`
 * is what callers need; the cluster router implements it too.
`deepestMailboxes` lists the fullest mailboxes for an operator.
 *
 * Imports `core` only.
 */
export { ActorSystem } from "./system.ts";
export { commandRetrier } from "./dead_letters.ts";
export type { AsOf, Replayed } from "./state.ts";
export type {
  ActorClient,
  ActorDefinition,
  ActorFaults,
  ActorSystemOptions,
  ActorSystemStats,
  AskOptions,
  AskResult,
  MailboxDepth,
  ReadOptions,
  ReadResult,
} from "./types.ts";
