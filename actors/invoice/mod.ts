/**
 * @module invoice
 *
 * Invoice (faktura) and credit note (kreditnota): the draft (`draft_invoice.ts`
 * checks the bedrift is AKTIV) for an explicit kunde, PRIVAT or BEDRIFT
 * (`kunde.ts`; `invoice.drafted` v3, v1 and v2 upcast by
 * `invoiceUpcasters`; a PRIVAT kunde is a person, its name and e-mail sealed
 * in the log under `kundeSubject` and erased by `invoice.kunde_erased`), lines
 * with exact `Decimal` amounts rounded to øre per line and running totals per
 * MVA rate (`withLine`, O(1) per line), sending with a gap-free number
 * from the bedrift's sequence actor (`send_invoice.ts`), KID, payments,
 * reminders with fee and late-payment interest from dated rates, cancelling,
 * crediting (`credit_invoice.ts`); the PDF of a sent invoice; the `invoices`
 * and `invoice_lines` read model and its queries.
 */
export {
  INVOICE,
  InvoiceErrorCode,
  InvoiceKind,
  InvoiceStatus,
  KundeKind,
  MAX_LINES,
  ReminderRules,
} from "./types.ts";
export type {
  InvoiceCommand,
  InvoiceLine,
  InvoiceReference,
  InvoiceState,
  Kunde,
  KundeInput,
  Payment,
  Reminder,
  Selger,
  SendInput,
  SentInfo,
} from "./types.ts";
export {
  INVOICE_EVENT_TYPES,
  invoiceEvent,
  InvoiceEventVersions,
  invoiceUpcasters,
} from "./events.ts";
export type {
  InvoiceDrafted,
  InvoiceDraftedV1,
  InvoiceEvent,
} from "./events.ts";
export { kundeOf, kundeSubject } from "./kunde.ts";
export { invoiceActor, invoiceDecider } from "./decider.ts";
export { assertCreditable, assertSendable } from "./lifecycle.ts";
export { draftInvoice } from "./draft_invoice.ts";
export type { DraftInvoiceInput } from "./draft_invoice.ts";
export {
  invoiceTotals,
  isMoney,
  isQuantity,
  lineAmounts,
  money,
  MVA_RATES,
  NO_TOTALS,
  withLine,
} from "./money.ts";
export type {
  InvoiceTotals,
  LineAmounts,
  LinesPerRate,
  MvaRate,
} from "./money.ts";
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
export type { InvoiceRow } from "./projection.ts";
export { INVOICE_LINES_TABLE } from "./projection_lines.ts";
export type { InvoiceLineRow } from "./projection_lines.ts";
export { listInvoices } from "./queries.ts";
export type { InvoiceFilter, InvoiceListItem } from "./queries.ts";
export {
  ERASED_KUNDE,
  formatDato,
  formatKontonummer,
  formatKroner,
  formatOrgnr,
  renderInvoicePdf,
  sellerOrgLine,
} from "./pdf.ts";
