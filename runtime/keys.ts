/**
 * Subjects, keys and header names of TMS, defined once. Nothing else spells them.
 */

/** Deno KV key prefixes of the embedded event log. */
export const KvKeys = {
  stream: "stream",
  head: "head",
  feed: "feed",
  meta: "meta",
  snapshot: "snapshot",
} as const;

/** The KV key holding the newest feed position. */
export const KV_POSITION_KEY = [KvKeys.meta, "position"] as const;

/** JetStream names of the distributed event log. */
export const JetStreamNames = {
  stream: "TMS_EVENTS",
  subjectPrefix: "tms.evt",
  snapshots: "tms_snapshots",
  placement: "tms_placement",
  files: "tms_files",
  rpcPrefix: "tms.rpc",
} as const;

/** Message headers of a commit. */
export const Headers = {
  msgId: "Nats-Msg-Id",
  expectedLastSubjectSequence: "Nats-Expected-Last-Subject-Sequence",
  eventTypes: "Tms-Event-Types",
  correlationId: "Tms-Correlation-Id",
  causationId: "Tms-Causation-Id",
  traceparent: "traceparent",
  /** Version of the stream after the commit (recovers version ↔ sequence). */
  version: "Tms-Version",
  /** Epoch ms when the writer accepted the commit. */
  timestamp: "Tms-Timestamp",
} as const;

/** HTTP headers of the edge. */
export const HttpHeaders = {
  position: "X-TMS-Position",
  minPosition: "X-TMS-Min-Position",
  idempotencyKey: "Idempotency-Key",
  ifMatch: "If-Match",
  etag: "ETag",
  retryAfter: "Retry-After",
  requestId: "X-Request-Id",
} as const;

/** Subject of one aggregate's stream: `tms.evt.<type>.<id>`. */
export function eventSubject(type: string, id: string): string {
  return `${JetStreamNames.subjectPrefix}.${type}.${id}`;
}
