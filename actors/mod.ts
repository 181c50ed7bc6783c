import type { ActorDefinition, ActorSystem } from "../runtime/actor/mod.ts";
import type { DomainEvent } from "../runtime/core/mod.ts";
import { bedriftActor } from "./bedrift/mod.ts";
import { budgetActor } from "./budget/mod.ts";
import { employeeActor } from "./employee/mod.ts";
import { expenseActor } from "./expense/mod.ts";
import { invoiceActor } from "./invoice/mod.ts";
import { invoiceSequenceActor } from "./invoice_sequence/mod.ts";
import { kontrollActor } from "./kontroll/mod.ts";
import { kontrollMalActor } from "./kontroll_mal/mod.ts";
import { openItemsActors } from "./open_items/mod.ts";
import { uniqueActors } from "./unique/mod.ts";
import { userActor } from "./user/mod.ts";
import { sessionActor } from "./session/mod.ts";
import { systemActor } from "./system/mod.ts";
import { gdprActor } from "./gdpr/mod.ts";
import { auditActor } from "./audit/mod.ts";
import { experimentActor, safetyActor } from "./supervisors/chaos/mod.ts";
import { autoscaleActor } from "./supervisors/autoscale/mod.ts";
import { webhookActor } from "./webhook/mod.ts";

/** Every TMS aggregate type (what backups fold their state hashes with). */
export function actorDefinitions(): readonly ActorDefinition<
  // deno-lint-ignore no-explicit-any
  any,
  DomainEvent,
  // deno-lint-ignore no-explicit-any
  any
>[] {
  return [
    bedriftActor,
    invoiceActor,
    invoiceSequenceActor,
    expenseActor,
    budgetActor,
    kontrollMalActor,
    kontrollActor,
    employeeActor,
    userActor,
    sessionActor,
    systemActor,
    gdprActor,
    auditActor,
    experimentActor,
    safetyActor,
    autoscaleActor,
    webhookActor,
    ...uniqueActors,
    ...openItemsActors,
  ];
}

/** Registers every TMS aggregate type with the actor system. */
export function registerActors(system: ActorSystem): ActorSystem {
  for (const actor of actorDefinitions()) system.register(actor);
  return system;
}
export { readModelProjections } from "./projections.ts";
export {
  domainEventLog,
  domainUpcasters,
  withDomainUpcasters,
} from "./upcasters.ts";
export {
  EVENT_CATALOG,
  EVENT_VERSIONS,
  eventCatalogEntry,
} from "./event_catalog.ts";
export type { EventCatalogEntry, EventType } from "./event_catalog.ts";
export {
  maskEvent,
  PERSONAL_FIELDS,
  PersonalData,
  revealsPersonalData,
} from "./personal_data.ts";
export type { MaskLevel } from "./personal_data.ts";
export {
  EVENT_STATS_PROJECTION,
  eventStatsProjection,
  readEventStats,
} from "./event_stats.ts";
export {
  STREAM_TENANTS_PROJECTION,
  streamTenantsProjection,
  tenantsOfStreams,
} from "./stream_tenants.ts";
