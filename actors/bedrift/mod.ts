/**
 * @module bedrift
 *
 * Bedrift — a driving school as a company: registration with a system-wide
 * unique organisasjonsnummer (`register.ts`, through the unique-value actor),
 * details, status (AKTIV ↔ SUSPENDERT → AVVIKLET) and invoice settings; the
 * `bedrifter` read model and its queries.
 */
export {
  BEDRIFT,
  BEDRIFT_DETAIL_FIELDS,
  BedriftErrorCode,
  BedriftStatus,
  DEFAULT_INVOICE_SETTINGS,
  KidAlgorithm,
} from "./types.ts";
export type {
  BedriftCommand,
  BedriftDetails,
  BedriftState,
  InvoiceSettings,
} from "./types.ts";
export {
  BEDRIFT_EVENT_TYPES,
  bedriftEvent,
  BedriftEventVersions,
} from "./events.ts";
export type { BedriftEvent } from "./events.ts";
export { bedriftActor, bedriftDecider } from "./decider.ts";
export { registerBedrift } from "./register.ts";
export type { RegisterBedriftInput } from "./register.ts";
export {
  BEDRIFTER_PROJECTION,
  bedrifterProjection,
  norwegianSortKey,
} from "./projection.ts";
export { BEDRIFT_CURSOR, listBedrifter } from "./queries.ts";
export type { BedriftFilter, BedriftListItem } from "./queries.ts";
