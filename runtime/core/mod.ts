/**
 * @module core
 *
 * The contracts every other package of the runtime builds on, and nothing
 * that does I/O:
 *
 * - `Decider`, `DomainEvent`, `Commit`, `EventLog`, `Snapshot` (`types.ts`);
 * - upcasting (`upcast.ts`): an `Upcaster` is one step of an event type's
 *   schema history (`from` → `from + 1`); `EventUpcasters` holds the current
 *   versions and the steps to them, checked complete when built, and lifts an
 *   old event (or a commit's events) to current on read; a version newer
 *   than it knows is an `EventVersionError`. The log decorator that applies
 *   it on every read is `UpcastingEventLog` in `log/`;
 * - the error taxonomy — `DomainError` (409/422), `NotFoundError` (404),
 *   `ConcurrencyError` (409/412), `UnavailableError` (429/503),
 *   `EventVersionError` (an event this code cannot read) — and its one
 *   wire codec (`encodeError`/`decodeError`), used by cluster forwarding and
 *   the SQL worker alike; `TypeError`/`RangeError` stand for bad arguments;
 * - the names of subjects, bucket keys and headers (`names.ts`):
 *   - stream `TMS_EVENTS` on `tms.evt.<type>.<id>`, one message per commit,
 *     with the headers `Nats-Msg-Id` (`<type>.<id>@<version>`),
 *     `Nats-Expected-Last-Subject-Sequence`, `Tms-Command-Id`, `Tms-Version`,
 *     `Tms-Timestamp`, `Tms-Event-Types`, `Tms-Correlation-Id`,
 *     `Tms-Causation-Id`, `traceparent`;
 *   - buckets `tms_snapshots`, `tms_placement` (`shard.<n>`, `node.<id>`),
 *     `tms_keys`; object store `tms_files`;
 *   - remote asks on `tms.rpc.<shard>`;
 *   - the HTTP headers of the edge (`X-TMS-Position`, `X-TMS-Min-Position`,
 *     `Idempotency-Key`, `If-Match`, `ETag`, `Retry-After`, `X-Request-Id`);
 * - abort helpers where `@std/async` would go (`delay`, `withTimeout`,
 *   `backoff`) and the `Watchers` of a head position.
 *
 * @example
 * ```ts
 * import { DomainError, type Decider } from "./mod.ts";
 * ```
 */
export type {
  AppendRequest,
  AppendResult,
  Commit,
  CommitMeta,
  Decider,
  DomainEvent,
  EventLog,
  EventVersions,
  RecentCommand,
  SignalOptions,
  Snapshot,
} from "./types.ts";
export { eventFactory, eventTypesOf } from "./types.ts";
export { assertCurrentVersion, EventUpcasters } from "./upcast.ts";
export type { Upcaster } from "./upcast.ts";
export {
  ConcurrencyError,
  DomainError,
  EventVersionError,
  isRetryable,
  NotFoundError,
  UnavailableError,
} from "./errors.ts";
export { decodeError, encodeError } from "./error_codec.ts";
export type { WireError } from "./error_codec.ts";
export {
  commitMsgId,
  eventSubject,
  Headers,
  HttpHeaders,
  JetStreamNames,
  PlacementKeys,
  rpcSubject,
} from "./names.ts";
export { backoff, delay, withTimeout } from "./abort.ts";
export { Watchers } from "./watchers.ts";
