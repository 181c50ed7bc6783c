/**
 * @module log/jetstream
 *
 * `JetStreamEventLog`: the distributed event log. Stream `TMS_EVENTS` on
 * `tms.evt.<type>.<id>` (file storage; R1 locally, R3 in a cluster), one
 * message per commit with the headers named in `core/names.ts`. Each append is
 * fenced by `Nats-Expected-Last-Subject-Sequence` and deduplicated by
 * `Nats-Msg-Id = <type>.<id>@<version>` (nats-server 2.9 in a cluster lets
 * concurrent same-sequence publishes through, nats-server#4320); the command
 * id travels in `Tms-Command-Id`. A retry of the same command inside the
 * duplicate window is answered with the original commit and `duplicate:
 * true`; another command at that version is a `ConcurrencyError`. Appends go
 * through the pipelined `JetStreamPublisher` of `nats/`.
 *
 * Versions count commits, so each message carries its version (`Tms-Version`)
 * and the log caches, per stream, the head `{ version, seq }` learnt from acks
 * and reads; a miss costs one `last_by_subj` get. A commit's `position` is its
 * stream sequence: gap-free, since only commits are published on `tms.evt.>`
 * and deletes and purges are denied. `readFeed` asks the head (stream info),
 * then direct-gets a short page or streams a long one through an ordered
 * consumer; `readStream` reads the tail by `next_by_subj` gets, or a filtered
 * ordered consumer when long, anchored by a snapshot's position. `watch`
 * follows the stream with a headers-only ordered consumer, so commits of
 * other nodes are heard too. Snapshots live in the `tms_snapshots` KV bucket
 * under `<type>.<id>`. Named feed checkpoints (`JetStreamFeedCheckpoints`:
 * the integration relay's) live in the `tms_consumers` bucket under
 * `checkpoint.<name>`, written revision-checked.
 */
export { JetStreamEventLog } from "./jetstream_event_log.ts";
export {
  JetStreamFeedCheckpoints,
  openConsumersBucket,
} from "./checkpoints.ts";
export {
  jetStreamContents,
  JetStreamImporter,
  jetStreamSnapshots,
} from "./archive.ts";
export type {
  JetStreamConnectOptions,
  JetStreamEventLogOptions,
} from "./options.ts";
