import type { DomainEvent } from "../../runtime/core/mod.ts";
import type { KidAlgorithm } from "../validators/mod.ts";
import type { InvoiceTotals, LineAmounts, MvaRate } from "./money.ts";
import type { Dated } from "./dated_rates.ts";

/** Invoice statuses of DOMAIN.md; only UTKAST (draft) is editable. */
export const InvoiceStatus = {
  UTKAST: "UTKAST",
  SENDT: "SENDT",
  DELVIS_BETALT: "DELVIS_BETALT",
  BETALT: "BETALT",
  PURRET: "PURRET",
  KANSELLERT: "KANSELLERT",
  KREDITERT: "KREDITERT",
} as const;
export type InvoiceStatus = typeof InvoiceStatus[keyof typeof InvoiceStatus];

/** An ordinary invoice, or a credit note (kreditnota) that cancels one. */
export const InvoiceKind = {
  FAKTURA: "FAKTURA",
  KREDITNOTA: "KREDITNOTA",
} as const;
export type InvoiceKind = typeof InvoiceKind[keyof typeof InvoiceKind];

/**
 * Rules of reminders (purring) under the Norwegian debt-collection rules: a
 * fee only from 14 days after the due date, at most two fees per claim however
 * many reminders are sent, and 14 days between reminders.
 */
export const ReminderRules = {
  maxReminders: 3,
  maxFees: 2,
  feeFromDaysAfterDue: 14,
  minDaysBetween: 14,
} as const;

/** The customer of an invoice: a learner or a company. */
export interface Kunde {
  navn: string;
  epost?: string | null;
  /** Set for a business customer; without it the customer is a consumer. */
  organisasjonsnummer?: string | null;
  /** The bedrift's own customer number (digits); goes into the KID. */
  kundenummer?: string | null;
}

/** A line as stored: input plus its rounded amounts. */
export interface InvoiceLine extends LineAmounts {
  lineId: string;
  beskrivelse: string;
  antall: string;
  enhetspris: string;
  mvaSats: MvaRate;
}

/** The seller as printed on a sent invoice, frozen when it is sent. */
export interface Selger {
  navn: string;
  organisasjonsnummer: string;
  mvaRegistrert: boolean;
  /** Required on an ordinary invoice; a credit note may lack it. */
  kontonummer: string | null;
  adresse?: string | null;
  postnummer?: string | null;
  poststed?: string | null;
}

/** What sending fixed: number, KID, dates and the seller. */
export interface SentInfo {
  number: number;
  /** `fakturaPrefix` + number. */
  fakturanummer: string;
  /** `null` on a credit note (nothing to pay). */
  kid: string | null;
  kidAlgoritme: KidAlgorithm;
  /** `YYYY-MM-DD`, Norwegian time. */
  fakturadato: string;
  forfallsdato: string;
  selger: Selger;
  sentAt: string;
}

/** Which sent invoice a credit note cancels, or which credit note cancelled it. */
export interface InvoiceReference {
  invoiceId: string;
  number: number;
  fakturanummer: string;
}

export interface Payment {
  paymentId: string;
  amount: string;
  /** `YYYY-MM-DD`: the day the money arrived. */
  paidOn: string;
  reference: string | null;
  registeredAt: string;
}

export interface Reminder {
  /** 1 for the first reminder. */
  step: number;
  /** `YYYY-MM-DD` the reminder was issued. */
  on: string;
  /** The reminder fee added (0.00 when none may be charged yet). */
  gebyr: string;
  /** Late-payment interest accrued since the due date or the last reminder. */
  rente: string;
  renteFra: string;
  at: string;
}

export interface InvoiceState {
  status: InvoiceStatus | null;
  kind: InvoiceKind;
  bedriftId: string;
  kunde: Kunde;
  lines: InvoiceLine[];
  totals: InvoiceTotals;
  /** On a credit note: the invoice it credits. */
  kreditnotaFor: InvoiceReference | null;
  sent: SentInfo | null;
  payments: Payment[];
  reminders: Reminder[];
  paidOn: string | null;
  cancelled: { reason: string | null; at: string } | null;
  /** On a credited invoice: its credit note. */
  kreditertAv:
    | (InvoiceReference & { reason: string | null; at: string })
    | null;
  createdAt: string | null;
  updatedAt: string | null;
}

/** Most lines one invoice may hold (keeps a commit well inside log limits). */
export const MAX_LINES = 200;

/** The send command's fixed facts; the send flow computes them. */
export interface SendInput {
  number: number;
  fakturanummer: string;
  kid: string | null;
  kidAlgoritme: KidAlgorithm;
  fakturadato: string;
  forfallsdato: string;
  selger: Selger;
}

export type InvoiceCommand =
  | { type: "draft"; bedriftId: string; kunde: Kunde; at: string }
  | {
    type: "add_line";
    lineId: string;
    beskrivelse: string;
    antall: string;
    enhetspris: string;
    mvaSats: number;
    at: string;
  }
  | { type: "remove_line"; lineId: string; at: string }
  | ({ type: "send"; at: string } & SendInput)
  | {
    type: "register_payment";
    paymentId: string;
    amount: string;
    paidOn: string;
    reference?: string | null;
    at: string;
  }
  | {
    type: "remind";
    /** The day of the reminder, `YYYY-MM-DD` (Norwegian time). */
    on: string;
    /** The bedrift's purregebyr. */
    purregebyr: string;
    /** The consumer fee cap in force on `on` (dated configuration); null: none. */
    gebyrTak: string | null;
    /** Late-payment interest rates by date (dated configuration), in percent. */
    renteSatser: readonly Dated<string>[];
    at: string;
  }
  | { type: "cancel"; reason?: string | null; at: string }
  | {
    type: "create_credit_note";
    bedriftId: string;
    kunde: Kunde;
    original: InvoiceReference;
    /** The original's lines; the credit note holds them negated. */
    lines: InvoiceLine[];
    at: string;
  }
  | {
    type: "credit";
    creditNote: InvoiceReference;
    reason?: string | null;
    at: string;
  };

export type InvoiceEvent =
  | DomainEvent<
    "invoice.drafted",
    {
      bedriftId: string;
      kunde: Kunde;
      at: string;
      /** Only on a credit note. */
      kreditnotaFor?: InvoiceReference;
    }
  >
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
  | DomainEvent<"invoice.cancelled", { reason: string | null; at: string }>
  | DomainEvent<"invoice.credited", {
    creditNote: InvoiceReference;
    /** Gross amount credited (the original's gross). */
    amount: string;
    reason: string | null;
    at: string;
  }>;
