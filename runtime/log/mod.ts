/**
 * @module log
 *
 * The decorators of every `EventLog`:
 *
 * - `UpcastingEventLog` — the one place where old event versions become
 *   current: it upcasts the events of every commit `readStream` and
 *   `readFeed` return (and the recent commands of a loaded snapshot) with an
 *   `EventUpcasters` registry from `core`, so actor replay, projections,
 *   rebuilds and history reads all see current events because the log they
 *   read is wrapped; stored events are never rewritten;
 * - `SealingEventLog` — personal data out of what is stored: every append's
 *   events and every snapshot are sealed by an `EventSealer` (from `core`;
 *   `storage` has the key-store one) before they reach the backend, every
 *   commit and snapshot read is opened again, so deciders and readers see
 *   plain values and the log, its replicas and backups only ciphertext; it
 *   goes beneath `UpcastingEventLog`;
 * - `storedLog` — the log beneath these decorators (events as stored);
 * - `FaultyEventLog` — the tests' fault tool: wraps a real log and fails
 *   the next N calls (or adds latency) at named seams (`append`, `read`,
 *   `snapshot`). The node's chaos seam, driven by fault selectors and
 *   durations, is `ChaosEventLog` in `chaos/`.
 *
 * The backends live in their own packages so that a node loads only the one
 * it runs on:
 *
 * - `log/memory/` — `MemoryEventLog`, for tests and tools;
 * - `log/kv/` — `KvEventLog`, Deno KV written like a WAL (the embedded default);
 * - `log/jetstream/` — `JetStreamEventLog`, one subject per aggregate.
 *
 * Every backend and the decorators pass `tests/contracts/event_log_contract.ts`.
 */
export { EventLogSeams, FaultyEventLog } from "./faulty_event_log.ts";
export type { EventLogFault, EventLogSeam } from "./faulty_event_log.ts";
export { UpcastingEventLog } from "./upcasting_event_log.ts";
export { SealingEventLog } from "./sealing_event_log.ts";
export { storedLog } from "./stored_log.ts";
