/**
 * @module log
 *
 * The fault seam of every `EventLog`: `FaultyEventLog` wraps a real log and
 * injects latency, errors and outages at named seams (`append`, `read`,
 * `snapshot`). The backends live in their own packages so that a node loads
 * only the one it runs on:
 *
 * - `log/memory/` — `MemoryEventLog`, for tests and tools;
 * - `log/kv/` — `KvEventLog`, Deno KV written like a WAL (the embedded default);
 * - `log/jetstream/` — `JetStreamEventLog`, one subject per aggregate.
 *
 * Every backend and the fault wrapper pass `tests/contracts/event_log_contract.ts`.
 */
export { EventLogSeams, FaultyEventLog } from "./faulty_event_log.ts";
export type { EventLogFault, EventLogSeam } from "./faulty_event_log.ts";
