export {
  BEDRIFT,
  bedriftActor,
  bedriftDecider,
  BedriftStatus,
  DEFAULT_INVOICE_SETTINGS,
  KidAlgorithm,
} from "./decider.ts";
export type {
  BedriftCommand,
  BedriftDetails,
  BedriftEvent,
  BedriftState,
  InvoiceSettings,
} from "./decider.ts";
export { registerBedrift } from "./register.ts";
export type { RegisterBedriftInput } from "./register.ts";
export {
  BEDRIFT_CURSOR,
  BEDRIFTER_PROJECTION,
  bedrifterProjection,
  listBedrifter,
  norwegianSortKey,
} from "./projection.ts";
export type { BedriftFilter, BedriftListItem } from "./projection.ts";
