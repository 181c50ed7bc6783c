/**
 * @module log/memory
 *
 * `MemoryEventLog`: the event log in one process's memory, for tests and
 * tools. Same contract as the durable backends; nothing survives the process.
 */
export { MemoryEventLog } from "./memory_event_log.ts";
