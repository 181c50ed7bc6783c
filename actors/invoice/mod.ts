export {
  INVOICE,
  invoiceActor,
  invoiceDecider,
  InvoiceStatus,
  MAX_LINES,
} from "./decider.ts";
export type {
  InvoiceCommand,
  InvoiceEvent,
  InvoiceLine,
  InvoiceState,
  Kunde,
} from "./decider.ts";
export {
  invoiceTotals,
  isMoney,
  isQuantity,
  lineAmounts,
  money,
  MVA_RATES,
} from "./money.ts";
export type { InvoiceTotals, LineAmounts, MvaRate } from "./money.ts";
export {
  INVOICE_CURSOR,
  INVOICES_PROJECTION,
  invoicesProjection,
  listInvoices,
  osloDate,
} from "./projection.ts";
export type { InvoiceFilter, InvoiceListItem } from "./projection.ts";
