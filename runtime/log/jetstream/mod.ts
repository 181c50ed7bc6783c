/**
 * @module log/jetstream
 *
 * `JetStreamEventLog`: the distributed event log. Stream `TMS_EVENTS` on
 * `tms.evt.<type>.<id>` (file storage; R1 locally, R3 in a cluster), one
 * message per commit with the headers named in `core/names.ts`. Each append is
 * fenced by `Nats-Expected-Last-Subject-Sequence` and deduplicated by
 * `Nats-Msg-Id = <type>.<id>@<version>` (nats-server 2.9 in a cluster lets
 * concurrent same-sequence publishes through, nats-server#4320); the command
 * id travels in `Tms-Command-Id`. Appends go through the pipelined
 * `JetStreamPublisher` of `nats/`. Snapshots live in the `tms_snapshots` KV
 * bucket under `<type>.<id>`.
 */
export { JetStreamEventLog } from "./jetstream_event_log.ts";
export type {
  JetStreamConnectOptions,
  JetStreamEventLogOptions,
} from "./jetstream_event_log.ts";
