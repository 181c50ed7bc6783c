/**
 * @module realtime
 *
 * Realtime fan-out, with no domain: `RealtimeHub` follows the feed in memory
 * on every node (`log.watch`, and a fallback poll of the head) and hands each
 * commit's messages — made by the domain's `FeedMapper`, ids
 * `<position>-<index>` — to the subscriptions that accept them; a
 * subscription resumes after a message id by replaying the log up to the
 * hub's position, then continues live, nothing missed or doubled. Live
 * messages wait in a bounded queue per subscription; past the bound it is
 * cut off (`backlog`). `sseResponse` streams a subscription as
 * `text/event-stream` (heartbeat comments, a last `event: error` with the
 * reason). Single-use tickets for browsers (`TicketStore`): in memory, or
 * the JetStream KV bucket `tms_stream_tickets` (key: the ticket's SHA-256).
 *
 * Imports `core` (and the NATS client through deps.ts for the bucket).
 */
export { RealtimeHub, Subscription } from "./hub.ts";
export type { HubStats, RealtimeHubOptions, SubscribeOptions } from "./hub.ts";
export { SSE_HEADERS, sseErrorEvent, sseResponse } from "./sse.ts";
export type { SseOptions } from "./sse.ts";
export { MemoryTicketStore, NatsTicketStore } from "./tickets.ts";
export type { TicketStore } from "./tickets.ts";
export { isAfter, parseFeedCursor } from "./types.ts";
export type {
  BacklogLimits,
  FeedCursor,
  FeedMapper,
  FeedMessage,
  SubscriptionEnd,
} from "./types.ts";
