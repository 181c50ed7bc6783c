export type {
  AppendRequest,
  AppendResult,
  Commit,
  CommitMeta,
  Decider,
  DomainEvent,
  EventLog,
  RecentCommand,
  SignalOptions,
  Snapshot,
} from "./types.ts";
export {
  ConcurrencyError,
  DomainError,
  isRetryable,
  NotFoundError,
  UnavailableError,
} from "./errors.ts";
export {
  eventSubject,
  Headers,
  HttpHeaders,
  JetStreamNames,
  KV_POSITION_KEY,
  KvKeys,
} from "./keys.ts";
export { backoff, delay, withTimeout } from "./abort.ts";
export { MemoryEventLog } from "./memory_event_log.ts";
export { KV_LIMITS, KvEventLog } from "./kv_event_log.ts";
export type { KvEventLogOptions } from "./kv_event_log.ts";
export { EventLogSeams, FaultyEventLog } from "./faulty_event_log.ts";
export type { EventLogFault, EventLogSeam } from "./faulty_event_log.ts";
export { ActorSystem } from "./actor_system.ts";
export type {
  ActorDefinition,
  ActorSystemOptions,
  ActorSystemStats,
  AskOptions,
  AskResult,
  ReadResult,
} from "./actor_system.ts";
export { Watchers } from "./watchers.ts";
