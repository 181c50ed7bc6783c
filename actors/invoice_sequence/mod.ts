export {
  INVOICE_SEQUENCE,
  invoiceSequenceActor,
  invoiceSequenceDecider,
  MAX_SEQUENCE_NUMBER,
} from "./decider.ts";
export type {
  InvoiceSequenceCommand,
  InvoiceSequenceEvent,
  InvoiceSequenceState,
} from "./decider.ts";
