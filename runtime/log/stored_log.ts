import type { EventLog } from "../core/types.ts";
import { FaultyEventLog } from "./faulty_event_log.ts";
import { SealingEventLog } from "./sealing_event_log.ts";
import { UpcastingEventLog } from "./upcasting_event_log.ts";

/**
 * The log beneath this package's decorators: events as stored — old
 * versions not upcast, sealed fields not opened. For what must see the
 * stored bytes' shape (which events of a person hold personal data in
 * clear), never for readers of the domain.
 *
 * @example
 * ```ts
 * storedLog(new UpcastingEventLog(new SealingEventLog(kv, sealer), upcasters)) === kv; // true
 * ```
 */
export function storedLog(log: EventLog): EventLog {
  let inner = log;
  while (
    inner instanceof UpcastingEventLog || inner instanceof SealingEventLog ||
    inner instanceof FaultyEventLog
  ) {
    inner = inner.inner;
  }
  return inner;
}
