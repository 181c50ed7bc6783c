export {
  INVOICE_SEQUENCE,
  invoiceSequenceActor,
  invoiceSequenceDecider,
  InvoiceSequenceErrorCode,
  MAX_SEQUENCE_NUMBER,
  RECENT_CONFIRMED,
  reservedNumber,
} from "./decider.ts";
export type {
  InvoiceSequenceCommand,
  InvoiceSequenceState,
} from "./decider.ts";
export {
  INVOICE_SEQUENCE_EVENT_TYPES,
  invoiceSequenceEvent,
  InvoiceSequenceEventVersions,
} from "./events.ts";
export type { InvoiceSequenceEvent } from "./events.ts";
