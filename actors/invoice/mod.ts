export {
  assertCreditable,
  assertSendable,
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
export { InvoiceKind, ReminderRules } from "./types.ts";
export type {
  InvoiceReference,
  Payment,
  Reminder,
  Selger,
  SendInput,
  SentInfo,
} from "./types.ts";
export {
  invoiceTotals,
  isMoney,
  isQuantity,
  lineAmounts,
  money,
  MVA_RATES,
} from "./money.ts";
export type { InvoiceTotals, LineAmounts, MvaRate } from "./money.ts";
export { invoiceBalance, unpaidPrincipal } from "./balance.ts";
export type { InvoiceBalance } from "./balance.ts";
export {
  consumerReminderFeeCap,
  DEFAULT_RATES,
  lateInterest,
  parseDatedRates,
  rateOn,
} from "./dated_rates.ts";
export type { Dated, DatedRates } from "./dated_rates.ts";
export { invoiceKid, MAX_INVOICE_NUMBER } from "./kid.ts";
export {
  reconcileSequence,
  releaseNumber,
  sendInvoice,
} from "./send_invoice.ts";
export type { SendInvoiceInput } from "./send_invoice.ts";
export { creditInvoice, creditNoteId } from "./credit_invoice.ts";
export type {
  CreditInvoiceInput,
  CreditInvoiceResult,
} from "./credit_invoice.ts";
export {
  cancelInvoice,
  registerInvoicePayment,
  remindInvoice,
} from "./collect_invoice.ts";
export type { RegisterPaymentInput, RemindInput } from "./collect_invoice.ts";
export {
  INVOICES_PROJECTION,
  invoicesProjection,
  osloDate,
} from "./projection.ts";
export { INVOICE_CURSOR, listInvoices } from "./list_invoices.ts";
export type { InvoiceFilter, InvoiceListItem } from "./list_invoices.ts";
export {
  formatDato,
  formatKontonummer,
  formatKroner,
  formatOrgnr,
  renderInvoicePdf,
  sellerOrgLine,
} from "./pdf.ts";
