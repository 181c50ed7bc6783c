/**
 * @module outbound
 *
 * What leaves the node besides the NATS relay, per commit of the feed: the
 * integration events (numbered as the relay numbers them) and the
 * realtime-only messages of `schemas/realtime.ts` (clock events, invoice
 * status moves), each as a structured CloudEvent 1.0 (`id`
 * `<position>-<index>`, `bedriftid` and `tmscommittedat` extensions) with
 * its audience (bedrift, roles, the users and employees it concerns). The
 * realtime hub and the webhook outbox take them from `OutboundMapper`;
 * stream origins come from `OriginCache` (first commits seen, else read
 * from the log).
 */
export { AUDIENCE_ROLES, audienceOf } from "./audience.ts";
export type { Audience } from "./audience.ts";
export { cloudEvent } from "./cloud_event.ts";
export type { StructuredCloudEvent } from "./cloud_event.ts";
export { outboundEvents, OutboundMapper } from "./feed.ts";
export type {
  OutboundEvent,
  OutboundMapperOptions,
  OutboundMessage,
} from "./feed.ts";
export { OriginCache } from "./origins.ts";
export { realtimeNeedsOrigin, toRealtimeEvents } from "./realtime_events.ts";
