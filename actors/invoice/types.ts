import type { KidAlgorithm } from "../validators/mod.ts";
import type {
  InvoiceTotals,
  LineAmounts,
  LinesPerRate,
  MvaRate,
} from "./money.ts";
import type { Dated } from "./dated_rates.ts";

/** Actor type of an invoice (and of a credit note). */
export const INVOICE = "invoice";

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

/**
 * A consumer (a learner, privat) or a business customer (bedrift). It
 * decides the reminder fee: the cap of the debt-collection rules applies to
 * consumers only.
 */
export const KundeKind = {
  PRIVAT: "PRIVAT",
  BEDRIFT: "BEDRIFT",
} as const;
export type KundeKind = typeof KundeKind[keyof typeof KundeKind];

/**
 * The customer of an invoice, as events (`invoice.drafted` v2+) and state
 * hold it. A `PRIVAT` customer is a person: `navn` and `epost` are sealed in
 * the log with the key of the customer's data subject (`kundeSubject`) and
 * read `null` once erased; a `BEDRIFT` customer is no personal data.
 */
export interface Kunde {
  kind: KundeKind;
  navn: string | null;
  epost: string | null;
  organisasjonsnummer: string | null;
  /** The bedrift's own customer number (digits); goes into the KID. */
  kundenummer: string | null;
}

/**
 * The customer as a draft command gives it: fields may be left out, and the
 * kind, when not stated, follows from the organisasjonsnummer (a business has
 * one). `kundeOf` makes a `Kunde` of it.
 */
export interface KundeInput {
  kind?: KundeKind;
  navn: string;
  epost?: string | null;
  organisasjonsnummer?: string | null;
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
  /** Running totals of `lines`, kept line by line (never summed over all). */
  totals: InvoiceTotals;
  /** Lines per MVA rate, so `totals` lists exactly the rates with lines. */
  linesPerRate: LinesPerRate;
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
  /** When the customer's personal data was erased (GDPR), else `null`. */
  kundeErasedAt: string | null;
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
  | { type: "draft"; bedriftId: string; kunde: KundeInput; at: string }
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
    /** The original's kunde (its kind is kept; erased fields stay `null`). */
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
  }
  | {
    /**
     * GDPR erasure of a `PRIVAT` customer: name and e-mail read `null` from
     * here (the flow shreds the subject's key after). Numbers, amounts and
     * dates stay, as bookkeeping law requires. Idempotent.
     */
    type: "erase_kunde";
    at: string;
  };

/** Stable error codes of the `invoice` aggregate and its flows. */
export const InvoiceErrorCode = {
  ALREADY_CREDITED: "invoice.already_credited",
  ALREADY_DRAFTED: "invoice.already_drafted",
  ALREADY_PAID: "invoice.already_paid",
  BEDRIFT_NOT_ACTIVE: "invoice.bedrift_not_active",
  BESKRIVELSE_REQUIRED: "invoice.beskrivelse_required",
  CLOSED: "invoice.closed",
  CREDIT_NOTE_NOT_CANCELLABLE: "invoice.credit_note_not_cancellable",
  INVALID_AMOUNT: "invoice.invalid_amount",
  INVALID_ANTALL: "invoice.invalid_antall",
  INVALID_DATE: "invoice.invalid_date",
  INVALID_ENHETSPRIS: "invoice.invalid_enhetspris",
  INVALID_FAKTURANUMMER: "invoice.invalid_fakturanummer",
  INVALID_FORFALLSDATO: "invoice.invalid_forfallsdato",
  INVALID_KID: "invoice.invalid_kid",
  INVALID_KUNDE_KIND: "invoice.invalid_kunde_kind",
  INVALID_KUNDE_ORGANISASJONSNUMMER:
    "invoice.invalid_kunde_organisasjonsnummer",
  INVALID_KUNDENUMMER: "invoice.invalid_kundenummer",
  INVALID_MVA_SATS: "invoice.invalid_mva_sats",
  INVALID_NUMBER: "invoice.invalid_number",
  INVALID_SELGER: "invoice.invalid_selger",
  IS_CREDIT_NOTE: "invoice.is_credit_note",
  KONTONUMMER_MISSING: "invoice.kontonummer_missing",
  KUNDE_NAVN_REQUIRED: "invoice.kunde_navn_required",
  /** Erasure asked for a business customer, which holds no personal data. */
  KUNDE_NOT_A_PERSON: "invoice.kunde_not_a_person",
  LINE_EXISTS: "invoice.line_exists",
  LINE_NOT_FOUND: "invoice.line_not_found",
  NO_LINES: "invoice.no_lines",
  NOT_CANCELLABLE: "invoice.not_cancellable",
  NOT_DRAFT: "invoice.not_draft",
  NOT_EDITABLE: "invoice.not_editable",
  NOT_OVERDUE: "invoice.not_overdue",
  NOT_SENT: "invoice.not_sent",
  OVERPAYMENT: "invoice.overpayment",
  PAYMENT_EXISTS: "invoice.payment_exists",
  REMINDER_LIMIT_REACHED: "invoice.reminder_limit_reached",
  REMINDER_TOO_SOON: "invoice.reminder_too_soon",
  TOO_MANY_LINES: "invoice.too_many_lines",
  UNKNOWN_BEDRIFT: "invoice.unknown_bedrift",
} as const;
