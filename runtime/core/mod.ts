/**
 * @module core
 *
 * The contracts every other package of the runtime builds on, and nothing
 * that does I/O:
 *
 * - `Decider`, `DomainEvent`, `Commit`, `EventLog`, `Snapshot`, `Principal`,
 *   and `EventSealer`, what turns events into what a log stores (personal
 *   data sealed per data subject) and back (`types.ts`);
 * - upcasting (`upcast.ts`): an `Upcaster` is one step of an event type's
 *   schema history (`from` → `from + 1`); `EventUpcasters` holds the current
 *   versions and the steps to them, checked complete when built, and lifts an
 *   old event (or a commit's events) to current on read; a version newer
 *   than it knows is an `EventVersionError`. The log decorator that applies
 *   it on every read is `UpcastingEventLog` in `log/`;
 * - the error taxonomy — `DomainError` (409/422), `NotFoundError` (404),
 *   `UnauthorizedError` (401), `ForbiddenError` (403), `ConcurrencyError`
 *   (409/412), `UnavailableError` (429/503), `EventVersionError` (an event
 *   this code cannot read) — and its one
 *   wire codec (`encodeError`/`decodeError`), used by cluster forwarding and
 *   the SQL worker alike; `TypeError`/`RangeError` stand for bad arguments;
 * - the names of subjects, bucket keys and headers (`names.ts`):
 *   - stream `TMS_EVENTS` on `tms.evt.<type>.<id>`, one message per commit,
 *     with the headers `Nats-Msg-Id` (`<type>.<id>@<version>`),
 *     `Nats-Expected-Last-Subject-Sequence`, `Tms-Command-Id`, `Tms-Version`,
 *     `Tms-Timestamp`, `Tms-Event-Types`, `Tms-Correlation-Id`,
 *     `Tms-Causation-Id`, `traceparent`;
 *   - buckets `tms_snapshots`, `tms_placement` (`shard.<n>`, `node.<id>`),
 *     `tms_keys`, `tms_dead_letters` (`<letter id>`), `tms_auth_keys`
 *     (`keyset`); object store `tms_files`;
 *   - the embedded access-token key set `auth_keys.json` (and
 *     `auth_keys.json.lock`);
 *   - the embedded dead-letter file `deadletters.kv` (`["dead_letter", id]`,
 *     `["dead_letter_meta", "changes"]`);
 *   - remote asks on `tms.rpc.<shard>`;
 *   - the integration contract: stream `TMS_INTEGRATION` on
 *     `tms.int.<bedriftId>.<aggregate>.<event>`, `ce-type`
 *     `no.tms.<aggregate>.<event>.v<major>`, the CloudEvents headers
 *     (`ce-specversion`, `ce-id`, `ce-source`, `ce-type`, `ce-subject`,
 *     `ce-time`, `ce-dataschema`, `ce-bedriftid`, `content-type`,
 *     `traceparent`, `Nats-Msg-Id`);
 *   - feed consumers' checkpoints and leases (`FeedCheckpoints`):
 *     `["checkpoint", name]` in `events.kv`, bucket `tms_consumers`
 *     (`checkpoint.<name>`, `lease.<name>`);
 *   - the chaos control plane on `tms.chaos.stop`, `tms.chaos.faults`,
 *     `tms.chaos.status`, `tms.chaos.abort`, and `chaos_restart_at` under
 *     `$TMS_DATA_DIR` (when a killed node may start again);
 *   - supervisor leases in the bucket `tms_supervisors` (`autoscale`); the
 *     autoscale supervisor's subjects `tms.autoscale.sample.<node>`,
 *     `tms.autoscale.control`, `tms.autoscale.actuator.local`;
 *   - the HTTP headers of the edge (`X-TMS-Position`, `X-TMS-Min-Position`,
 *     `Idempotency-Key`, `If-Match`, `ETag`, `Retry-After`, `X-Request-Id`,
 *     `RateLimit-Policy`, `RateLimit`, `X-API-Version`, `Deprecation`,
 *     `Sunset`);
 * - the dead-letter contract (`dead_letters.ts`): `DeadLetterStore` (record,
 *   list newest first, get, request / claim / finish a retry, purge), its
 *   kinds (`command`, `projection`) and statuses (`open`, `retry_requested`,
 *   `retrying`, `resolved`, `rejected`), `DeadLetterRetrier` for the parts
 *   that perform retries, and `deadLetterId` (one message, one id);
 * - abort helpers where `@std/async` would go (`delay`, `withTimeout`,
 *   `backoff`), the `Watchers` of a head position, and `BoundedCache` (a
 *   cache of recently used entries whose eviction stays O(1) when full).
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
  EventSealer,
  EventVersions,
  FeedCheckpoints,
  Principal,
  RecentCommand,
  SignalOptions,
  Snapshot,
  StoredCheckpoint,
  StreamRef,
} from "./types.ts";
export { eventFactory, eventTypesOf } from "./types.ts";
export { assertCurrentVersion, EventUpcasters } from "./upcast.ts";
export type { Upcaster } from "./upcast.ts";
export {
  ConcurrencyError,
  DomainError,
  EventVersionError,
  ForbiddenError,
  isRetryable,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
} from "./errors.ts";
export { decodeError, encodeError } from "./error_codec.ts";
export {
  deadLetterId,
  DeadLetterKinds,
  DeadLetterStatuses,
  errorReason,
  FINAL_DEAD_LETTER_STATUSES,
  isDeadLetterId,
} from "./dead_letters.ts";
export type {
  CommandLetter,
  DeadLetter,
  DeadLetterHistoryEntry,
  DeadLetterInput,
  DeadLetterKind,
  DeadLetterOutcome,
  DeadLetterPage,
  DeadLetterQuery,
  DeadLetterRetrier,
  DeadLetterStatus,
  DeadLetterStore,
  ProjectionLetter,
} from "./dead_letters.ts";
export type { WireError } from "./error_codec.ts";
export {
  AuthKeyNames,
  autoscaleSampleSubject,
  AutoscaleSubjects,
  ChaosFiles,
  ChaosSubjects,
  CloudEventHeaders,
  commitMsgId,
  DeadLetterKeys,
  eventSubject,
  FeedConsumerKeys,
  Headers,
  HttpHeaders,
  IntegrationNames,
  integrationSubject,
  integrationType,
  JetStreamNames,
  PlacementKeys,
  RpcHeaders,
  rpcSubject,
  subjectToken,
  SupervisorKeys,
} from "./names.ts";
export { abortable, backoff, delay, withTimeout } from "./abort.ts";
export { derivedId } from "./ids.ts";
export { Watchers } from "./watchers.ts";
export { BoundedCache } from "./bounded_cache.ts";
