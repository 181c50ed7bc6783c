/** The events of the `invoice` aggregate, declared once, with their upcasters. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type {
  DomainEvent,
  EventVersions,
  Upcaster,
} from "../../runtime/core/mod.ts";
import { kundeOf } from "./kunde.ts";
import type { InvoiceTotals } from "./money.ts";
import type {
  InvoiceKind,
  InvoiceLine,
  InvoiceReference,
  Kunde,
  KundeInput,
  SendInput,
} from "./types.ts";

/**
 * `invoice.drafted` v3: the customer is explicit — its kind (consumer or
 * business, which decides the reminder fee cap) and every field, `null`
 * when absent (v2) — and a `PRIVAT` customer's name and e-mail are sealed in
 * the log with the customer's key (`kundeSubject`), reading `null` once it
 * is shredded (v3; a v2 event holds them in clear and upcasts as it is).
 */
export interface InvoiceDrafted {
  bedriftId: string;
  kunde: Kunde;
  at: string;
  /** Only on a credit note. */
  kreditnotaFor?: InvoiceReference;
}

/**
 * `invoice.drafted` v1, as stored before v2: optional customer fields and
 * the kind left implicit (a kunde with an organisasjonsnummer was a business).
 */
export interface InvoiceDraftedV1 {
  bedriftId: string;
  kunde: Omit<KundeInput, "kind">;
  at: string;
  kreditnotaFor?: InvoiceReference;
}

export type InvoiceEvent =
  | DomainEvent<"invoice.drafted", InvoiceDrafted>
  | DomainEvent<"invoice.line_added", { line: InvoiceLine; at: string }>
  | DomainEvent<"invoice.line_removed", { lineId: string; at: string }>
  | DomainEvent<
    "invoice.sent",
    SendInput & { kind: InvoiceKind; totals: InvoiceTotals; at: string }
  >
  | DomainEvent<"invoice.payment_registered", {
    paymentId: string;
    amount: string;
    paidOn: string;
    reference: string | null;
    /** Left to pay after this payment. */
    utestaende: string;
    at: string;
  }>
  | DomainEvent<"invoice.paid", { paidOn: string; betalt: string; at: string }>
  | DomainEvent<"invoice.reminded", {
    step: number;
    on: string;
    gebyr: string;
    rente: string;
    renteFra: string;
    /** Left to pay after the fee and interest. */
    utestaende: string;
    at: string;
  }>
  | DomainEvent<"invoice.kunde_erased", { at: string }>
  | DomainEvent<"invoice.cancelled", { reason: string | null; at: string }>
  | DomainEvent<"invoice.credited", {
    creditNote: InvoiceReference;
    /** Gross amount credited (the original's gross). */
    amount: string;
    reason: string | null;
    at: string;
  }>;

/** Current schema version of each invoice event. */
export const InvoiceEventVersions = {
  // 2: explicit kunde (kind, every field); v1 is upcast.
  // 3: a PRIVAT kunde's name and e-mail sealed in the log; v2 upcasts as is.
  "invoice.drafted": 3,
  "invoice.line_added": 1,
  "invoice.line_removed": 1,
  "invoice.sent": 1,
  "invoice.payment_registered": 1,
  "invoice.paid": 1,
  "invoice.reminded": 1,
  "invoice.cancelled": 1,
  "invoice.credited": 1,
  "invoice.kunde_erased": 1,
} as const satisfies EventVersions<InvoiceEvent>;

/** Every invoice event type. */
export const INVOICE_EVENT_TYPES = eventTypesOf(InvoiceEventVersions);

/** Builds an invoice event at its current schema version. */
export const invoiceEvent = eventFactory<InvoiceEvent>(InvoiceEventVersions);

/**
 * The steps from old invoice event versions to current ones; the log
 * decorator applies them on every read.
 */
export const invoiceUpcasters: readonly Upcaster[] = [
  {
    type: "invoice.drafted",
    from: 1,
    upcast: (data: InvoiceDraftedV1): InvoiceDrafted => ({
      ...data,
      kunde: kundeOf(data.kunde),
    }),
  } satisfies Upcaster<InvoiceDraftedV1, InvoiceDrafted>,
  {
    type: "invoice.drafted",
    from: 2,
    upcast: (data: InvoiceDrafted): InvoiceDrafted => data,
  } satisfies Upcaster<InvoiceDrafted, InvoiceDrafted>,
];
