export {
  INVOICE_SEQUENCE,
  invoiceSequenceActor,
  invoiceSequenceDecider,
  MAX_SEQUENCE_NUMBER,
  RECENT_CONFIRMED,
  reservedNumber,
} from "./decider.ts";
export type {
  InvoiceSequenceCommand,
  InvoiceSequenceEvent,
  InvoiceSequenceState,
} from "./decider.ts";
