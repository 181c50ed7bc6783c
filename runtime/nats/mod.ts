/**
 * @module nats
 *
 * TMS's own NATS plumbing: `NatsRequester`, a pipelined request/reply client
 * on one reply subscription (for appends and forwarded asks, instead of one
 * inbox per request), `JetStreamPublisher` on top of it, and the streams and
 * buckets the runtime opens at start (`ensureEventStream`,
 * `openSnapshotBucket`, `openLeaseBucket`, `openWithRetries`). Names come from `core/names.ts`.
 */
export {
  encodeHeaders,
  NatsRequester,
  NatsStatusError,
  RequestClosedError,
  RequestTimeoutError,
} from "./requester.ts";
export type { NatsRequesterOptions } from "./requester.ts";
export { JetStreamPublisher } from "./publisher.ts";
export type { PublishAck } from "./publisher.ts";
export {
  ensureEventStream,
  openLeaseBucket,
  openSnapshotBucket,
  openWithRetries,
} from "./resources.ts";
export type { EventStreamOptions } from "./resources.ts";
export { isWrongLastSequence, JetStreamErrorCodes } from "./errors.ts";
