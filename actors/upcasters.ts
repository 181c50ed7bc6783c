/**
 * The upcasters of every TMS event, assembled once: the current versions of
 * all aggregates' events (their versions maps) and the steps from older
 * versions. Whatever reads a log of TMS events wraps it with
 * `withDomainUpcasters`, so nobody builds the registry by hand.
 */
import { EventUpcasters } from "../runtime/core/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import { UpcastingEventLog } from "../runtime/log/mod.ts";
import { BedriftEventVersions } from "./bedrift/mod.ts";
import { EmployeeEventVersions } from "./employee/mod.ts";
import { InvoiceEventVersions, invoiceUpcasters } from "./invoice/mod.ts";
import { InvoiceSequenceEventVersions } from "./invoice_sequence/mod.ts";
import { KontrollEventVersions } from "./kontroll/mod.ts";
import { KontrollMalEventVersions } from "./kontroll_mal/mod.ts";
import { OpenItemsEventVersions } from "./open_items/mod.ts";
import { UniqueEventVersions } from "./unique/mod.ts";
import { UserEventVersions } from "./user/mod.ts";
import { SessionEventVersions } from "./session/mod.ts";
import { SystemEventVersions } from "./system/mod.ts";
import { AutoscaleEventVersions } from "./supervisors/autoscale/mod.ts";

/** Every TMS event type at its current version, with the upcasters to it. */
export const domainUpcasters: EventUpcasters = new EventUpcasters({
  ...BedriftEventVersions,
  ...EmployeeEventVersions,
  ...InvoiceEventVersions,
  ...InvoiceSequenceEventVersions,
  ...KontrollEventVersions,
  ...KontrollMalEventVersions,
  ...OpenItemsEventVersions,
  ...UniqueEventVersions,
  ...UserEventVersions,
  ...SessionEventVersions,
  ...SystemEventVersions,
  ...AutoscaleEventVersions,
}, [...invoiceUpcasters]);

/**
 * `log` as TMS code reads it: every commit's events at their current
 * version (`UpcastingEventLog` with `domainUpcasters`). Wrap each log an
 * actor system, a projection engine, a rebuild or a history read uses.
 *
 * @example
 * ```ts
 * const log = withDomainUpcasters(await KvEventLog.open("./data/events.kv"));
 * ```
 */
export function withDomainUpcasters(log: EventLog): UpcastingEventLog {
  return new UpcastingEventLog(log, domainUpcasters);
}
