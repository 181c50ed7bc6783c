/**
 * @module relay
 *
 * The integration relay: `FeedRelay` follows the feed with its own named
 * checkpoint (`FeedCheckpoints` in the log's store: `["checkpoint", name]` in
 * `events.kv`, `checkpoint.<name>` in the bucket `tms_consumers`), maps each
 * commit with an injected `IntegrationMapper` (the domain's lives in
 * `actors/integration/`; `StreamOrigins` remembers what a stream's first
 * commit said), hands each batch to a `RelaySink` inside a CONSUMER span
 * linked to every commit's `traceparent`, and stores the checkpoint only
 * after the sink's acknowledgement. `JetStreamIntegrationSink` publishes to
 * stream `TMS_INTEGRATION` on `tms.int.<bedriftId>.<aggregate>.<event>`, one
 * CloudEvent 1.0 per message in NATS binary mode (`ce-specversion`, `ce-id` =
 * `<position>-<index>` = `Nats-Msg-Id`, `ce-source`, `ce-type`, `ce-subject`,
 * `ce-time`, `ce-dataschema`, `ce-bedriftid`, `content-type`, `traceparent`;
 * values percent-encoded outside U+0021–U+007E). `LeasedRelay` runs it on one
 * node of a cluster (`lease.<name>` in `tms_consumers`, revision-checked,
 * renewed at TTL/3) with failover. `relayMetrics` for `/metrics`.
 *
 * Imports `core`, `nats`, `telemetry`.
 */
export { FeedRelay } from "./relay.ts";
export type { FeedRelayOptions, RelayStatus } from "./relay.ts";
export { StreamOrigins } from "./origins.ts";
export { LeasedRelay } from "./lease.ts";
export type { LeasedRelayOptions, RelayRole } from "./lease.ts";
export {
  ensureIntegrationStream,
  JetStreamIntegrationSink,
} from "./jetstream_sink.ts";
export type {
  IntegrationStreamOptions,
  JetStreamIntegrationSinkOptions,
} from "./jetstream_sink.ts";
export { cloudEventHeaders, percentEncodeHeader } from "./cloudevents.ts";
export type { CloudEventContext } from "./cloudevents.ts";
export { relayMetrics, relayReadiness } from "./metrics.ts";
export type {
  IntegrationEvent,
  IntegrationMapper,
  PositionedIntegrationEvent,
  RelaySink,
} from "./types.ts";
