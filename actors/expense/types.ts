/** Value types, commands, state and error codes of the `expense` aggregate. */
import type { MvaRate } from "../invoice/mod.ts";

/** Actor type of an expense (utgift). */
export const EXPENSE = "expense";

/** Lifecycle of an expense: REGISTRERT → GODKJENT → BETALT, or AVVIST. */
export const ExpenseStatus = {
  REGISTRERT: "REGISTRERT",
  GODKJENT: "GODKJENT",
  BETALT: "BETALT",
  AVVIST: "AVVIST",
} as const;
export type ExpenseStatus = typeof ExpenseStatus[keyof typeof ExpenseStatus];

/**
 * The expense categories of a driving school, each booked to one account of
 * the Norwegian standard chart of accounts NS 4102 (the reasons are in
 * docs/ledger.md). The account travels in the events, so a later change of
 * this map never rewrites what was booked.
 */
export const ExpenseKategori = {
  DRIVSTOFF: "DRIVSTOFF",
  KJORETOY: "KJORETOY",
  LOKALER: "LOKALER",
  LONN: "LONN",
  KONTOR: "KONTOR",
  MARKEDSFORING: "MARKEDSFORING",
  OPPLAERING: "OPPLAERING",
  ANNET: "ANNET",
} as const;
export type ExpenseKategori =
  typeof ExpenseKategori[keyof typeof ExpenseKategori];

/** The NS 4102 account of each category. */
export const KATEGORI_KONTO: Readonly<Record<ExpenseKategori, string>> = {
  DRIVSTOFF: "7000",
  KJORETOY: "7020",
  LOKALER: "6300",
  LONN: "5000",
  KONTOR: "6800",
  MARKEDSFORING: "7320",
  OPPLAERING: "6860",
  ANNET: "7790",
};

/** Receipts (bilag): photos or PDFs, checked against their bytes. */
export const ReceiptLimits = {
  maxBytes: 10 * 1024 * 1024,
  contentTypes: [
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/heif",
    "application/pdf",
  ],
} as const;

/** The supplier (leverandør): a business, so not personal data. */
export interface Leverandor {
  navn: string;
  organisasjonsnummer: string | null;
}

/** A stored receipt, as the expense references it. */
export interface Receipt {
  fileId: string;
  contentType: string;
  size: number;
  sha256: string;
  at: string;
}

/**
 * What an approval booked: whether the bedrift was MVA-registered then, the
 * input MVA it may deduct (0.00 when not registered) and the cost the
 * category's account carries (the amount excl. MVA, or the gross when the
 * MVA cannot be deducted).
 */
export interface Approval {
  bedriftId: string;
  kategori: ExpenseKategori;
  konto: string;
  /** The voucher's date: the entry's date in the ledger and its budget period. */
  dato: string;
  belop: string;
  mvaSats: MvaRate;
  mva: string;
  brutto: string;
  mvaRegistrert: boolean;
  inngaendeMva: string;
  kostnad: string;
}

export interface ExpenseState {
  status: ExpenseStatus | null;
  bedriftId: string;
  leverandor: Leverandor;
  /** `YYYY-MM-DD`: the date of the supplier's invoice or receipt. */
  dato: string;
  /** Amount excl. MVA. */
  belop: string;
  mvaSats: MvaRate;
  mva: string;
  brutto: string;
  kategori: ExpenseKategori;
  konto: string;
  beskrivelse: string | null;
  receipt: Receipt | null;
  approval: (Approval & { by: string | null; at: string }) | null;
  paid: { paidOn: string; by: string | null; at: string } | null;
  rejected: { reason: string | null; by: string | null; at: string } | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export type ExpenseCommand =
  | {
    type: "register";
    bedriftId: string;
    leverandor: { navn: string; organisasjonsnummer?: string | null };
    dato: string;
    belop: string;
    mvaSats: number;
    kategori: string;
    beskrivelse?: string | null;
    by?: string | null;
    at: string;
  }
  | {
    type: "attach_receipt";
    receipt: Omit<Receipt, "at">;
    at: string;
  }
  | {
    type: "approve";
    /** Whether the bedrift is MVA-registered now (the flow reads it). */
    mvaRegistrert: boolean;
    by?: string | null;
    at: string;
  }
  | { type: "reject"; reason?: string | null; by?: string | null; at: string }
  | { type: "pay"; paidOn: string; by?: string | null; at: string };

/** Stable error codes of the `expense` aggregate and its flows. */
export const ExpenseErrorCode = {
  ALREADY_APPROVED: "expense.already_approved",
  ALREADY_PAID: "expense.already_paid",
  ALREADY_REGISTERED: "expense.already_registered",
  BEDRIFT_NOT_ACTIVE: "expense.bedrift_not_active",
  DATO_IN_FUTURE: "expense.dato_in_future",
  INVALID_AMOUNT: "expense.invalid_amount",
  INVALID_DATE: "expense.invalid_date",
  INVALID_KATEGORI: "expense.invalid_kategori",
  INVALID_LEVERANDOR_ORGANISASJONSNUMMER:
    "expense.invalid_leverandor_organisasjonsnummer",
  INVALID_MVA_SATS: "expense.invalid_mva_sats",
  INVALID_UPLOAD: "expense.invalid_upload",
  LEVERANDOR_NAVN_REQUIRED: "expense.leverandor_navn_required",
  NOT_APPROVED: "expense.not_approved",
  RECEIPT_EXISTS: "expense.receipt_exists",
  REJECTED: "expense.rejected",
  UNKNOWN_BEDRIFT: "expense.unknown_bedrift",
} as const;
