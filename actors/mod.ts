import type { ActorSystem } from "../runtime/actor/mod.ts";
import { bedriftActor } from "./bedrift/mod.ts";
import { employeeActor } from "./employee/mod.ts";
import { invoiceActor } from "./invoice/mod.ts";
import { invoiceSequenceActor } from "./invoice_sequence/mod.ts";
import { kontrollActor } from "./kontroll/mod.ts";
import { kontrollMalActor } from "./kontroll_mal/mod.ts";
import { openItemsActors } from "./open_items/mod.ts";
import { uniqueActors } from "./unique/mod.ts";
import { userActor } from "./user/mod.ts";
import { sessionActor } from "./session/mod.ts";

/** Registers every TMS aggregate type with the actor system. */
export function registerActors(system: ActorSystem): ActorSystem {
  system.register(bedriftActor);
  system.register(invoiceActor);
  system.register(invoiceSequenceActor);
  system.register(kontrollMalActor);
  system.register(kontrollActor);
  system.register(employeeActor);
  system.register(userActor);
  system.register(sessionActor);
  for (const actor of uniqueActors) system.register(actor);
  for (const actor of openItemsActors) system.register(actor);
  return system;
}
export { readModelProjections } from "./projections.ts";
export { domainUpcasters, withDomainUpcasters } from "./upcasters.ts";
