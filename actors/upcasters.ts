/**
 * The upcasters of every TMS event, assembled once: the current versions of
 * all aggregates' events (their versions maps) and the steps from older
 * versions. Whatever reads a log of TMS events wraps it with
 * `withDomainUpcasters`, so nobody builds the registry by hand.
 */
import { EventUpcasters } from "../runtime/core/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import { SealingEventLog, UpcastingEventLog } from "../runtime/log/mod.ts";
import { KeyStoreSealer } from "../runtime/storage/mod.ts";
import type { KeyStore } from "../runtime/storage/mod.ts";
import { SEALING_SPEC } from "./gdpr/sealing.ts";
import { BedriftEventVersions } from "./bedrift/mod.ts";
import { BudgetEventVersions } from "./budget/mod.ts";
import { ExpenseEventVersions } from "./expense/mod.ts";
import { EmployeeEventVersions, employeeUpcasters } from "./employee/mod.ts";
import { InvoiceEventVersions, invoiceUpcasters } from "./invoice/mod.ts";
import { InvoiceSequenceEventVersions } from "./invoice_sequence/mod.ts";
import { KontrollEventVersions } from "./kontroll/mod.ts";
import { KontrollMalEventVersions } from "./kontroll_mal/mod.ts";
import { OpenItemsEventVersions } from "./open_items/mod.ts";
import { UniqueEventVersions } from "./unique/mod.ts";
import { UserEventVersions, userUpcasters } from "./user/mod.ts";
import { SessionEventVersions } from "./session/mod.ts";
import { SystemEventVersions } from "./system/mod.ts";
import { GdprEventVersions } from "./gdpr/mod.ts";
import { AuditEventVersions } from "./audit/mod.ts";
import {
  ExperimentEventVersions,
  SafetyEventVersions,
} from "./supervisors/chaos/mod.ts";
import { AutoscaleEventVersions } from "./supervisors/autoscale/mod.ts";

/** Every TMS event type at its current version, with the upcasters to it. */
export const domainUpcasters: EventUpcasters = new EventUpcasters({
  ...BedriftEventVersions,
  ...BudgetEventVersions,
  ...EmployeeEventVersions,
  ...ExpenseEventVersions,
  ...InvoiceEventVersions,
  ...InvoiceSequenceEventVersions,
  ...KontrollEventVersions,
  ...KontrollMalEventVersions,
  ...OpenItemsEventVersions,
  ...UniqueEventVersions,
  ...UserEventVersions,
  ...SessionEventVersions,
  ...SystemEventVersions,
  ...GdprEventVersions,
  ...AuditEventVersions,
  ...ExperimentEventVersions,
  ...SafetyEventVersions,
  ...AutoscaleEventVersions,
}, [...invoiceUpcasters, ...employeeUpcasters, ...userUpcasters]);

/**
 * `log` with every commit's events at their current version
 * (`UpcastingEventLog` with `domainUpcasters`) — but with personal data as
 * it is stored: a node, a rebuild and every reader of real data use
 * `domainEventLog`, which also seals and opens it. This one is for tests
 * and benchmarks whose events hold no real person (an actor system over it
 * stores names in clear).
 *
 * @example
 * ```ts
 * const log = withDomainUpcasters(await KvEventLog.open("./data/events.kv"));
 * ```
 */
export function withDomainUpcasters(log: EventLog): UpcastingEventLog {
  return new UpcastingEventLog(log, domainUpcasters);
}

/**
 * `log` as a TMS node reads and writes it: personal data sealed per data
 * subject with `keys` on the way in and opened on the way out
 * (`SealingEventLog` with the `SEALING_SPEC` of `actors/gdpr`), every event
 * upcast to its current version above that. A log read without the keys
 * shows ciphertexts where the domain has names.
 *
 * @example
 * ```ts
 * const log = domainEventLog(await KvEventLog.open("./data/events.kv"), new FsKeyStore("./data/keys"));
 * ```
 */
export function domainEventLog(
  log: EventLog,
  keys: KeyStore,
): UpcastingEventLog {
  return new UpcastingEventLog(
    new SealingEventLog(log, new KeyStoreSealer(keys, SEALING_SPEC)),
    domainUpcasters,
  );
}
