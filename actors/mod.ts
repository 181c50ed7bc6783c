import type { ActorSystem } from "../runtime/mod.ts";
import { bedriftActor } from "./bedrift/mod.ts";
import { invoiceActor } from "./invoice/mod.ts";
import { uniqueActors } from "./unique/mod.ts";

/** Registers every TMS aggregate type with the actor system. */
export function registerActors(system: ActorSystem): ActorSystem {
  system.register(bedriftActor);
  system.register(invoiceActor);
  for (const actor of uniqueActors) system.register(actor);
  return system;
}
export { readModelProjections } from "./projections.ts";
