/**
 * Request bodies and queries of the economy routes: expenses, budgets, the
 * ledger and the reports.
 */
import { z } from "../deps.ts";
import { decodeCursor } from "../runtime/sql/mod.ts";
import type { CursorShape } from "../runtime/sql/mod.ts";
import { moneyString, optionalText, organisasjonsnummer } from "./common.ts";
import { money } from "./money.ts";

/** The expense categories (each booked to an NS 4102 account). */
export const Kategori = z.enum([
  "DRIVSTOFF",
  "KJORETOY",
  "LOKALER",
  "LONN",
  "KONTOR",
  "MARKEDSFORING",
  "OPPLAERING",
  "ANNET",
]);

const mvaSats = z.union(
  [z.literal(25), z.literal(15), z.literal(12), z.literal(0)],
  { error: "Must be 25, 15, 12 or 0" },
);

/** A calendar date `YYYY-MM-DD` that exists. */
export const IsoDate = z.string().regex(
  /^\d{4}-\d{2}-\d{2}$/,
  "Must be YYYY-MM-DD",
).refine((text) => {
  const time = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(time.getTime()) &&
    time.toISOString().slice(0, 10) === text;
}, "Must be a real date");

const bedriftId = z.string().min(1).max(100);

/** Body of `POST /api/v1/expenses`. */
export const RegisterExpenseBody = z.strictObject({
  bedriftId,
  leverandor: z.strictObject({
    navn: z.string().trim().min(1, "Must not be empty").max(200),
    organisasjonsnummer: organisasjonsnummer.nullish(),
  }),
  dato: IsoDate.describe("The date of the supplier's invoice or receipt"),
  belop: money(
    moneyString.refine((v) => /[1-9]/.test(v), "Must be more than zero")
      .describe("Amount excl. MVA"),
  ),
  mvaSats,
  kategori: Kategori,
  beskrivelse: optionalText(500),
});

/** Body of `POST /api/v1/expenses/:id/approve` (may be empty). */
export const ApproveExpenseBody = z.strictObject({});

/** Fields of a multipart receipt upload: none but the `file` part. */
export const ReceiptUploadFields = z.strictObject({});

/** Body of `POST /api/v1/expenses/:id/reject` (may be empty). */
export const RejectExpenseBody = z.strictObject({ reason: optionalText(500) });

/** Body of `POST /api/v1/expenses/:id/pay` (may be empty). */
export const PayExpenseBody = z.strictObject({
  /** The day it was paid; today (Norwegian time) when left out. */
  paidOn: IsoDate.optional(),
});

const periode = z.string().regex(
  /^\d{4}(-(0[1-9]|1[0-2]))?$/,
  "Must be a month YYYY-MM or a year YYYY",
);

/** Body of `POST /api/v1/budgets`. */
export const CreateBudgetBody = z.strictObject({
  bedriftId,
  kategori: Kategori,
  periode,
  belop: moneyString,
});

/** Body of `PATCH /api/v1/budgets/:id`. */
export const ChangeBudgetBody = z.strictObject({ belop: moneyString });

const limit = z.coerce.number().int().min(1).max(200).default(50);
const cursor = (shape: CursorShape) =>
  z.string().max(1024).refine(
    (text) => decodeCursor(text, shape) !== null,
    "Not a cursor this list gave out; start again without one",
  );
const toNotBeforeFrom = {
  message: "Must not be before from",
  path: ["to"],
};

/** Query of `GET /api/v1/expenses`. */
export const ExpensesQuery = z.strictObject({
  bedriftId: bedriftId.optional(),
  status: z.enum(["REGISTRERT", "GODKJENT", "BETALT", "AVVIST"]).optional(),
  kategori: Kategori.optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  limit,
  cursor: cursor(["number", "string"]).optional(),
}).refine((q) => !q.from || !q.to || q.from <= q.to, toNotBeforeFrom);

/** Query of `GET /api/v1/budgets`. */
export const BudgetsQuery = z.strictObject({
  bedriftId: bedriftId.optional(),
  kategori: Kategori.optional(),
  periode: periode.optional(),
  year: z.string().regex(/^\d{4}$/, "Must be a year YYYY").optional(),
  over: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
  limit,
  cursor: cursor(["string", "string", "string"]).optional(),
});

/** Query of `GET /api/v1/ledger/entries`. */
export const LedgerEntriesQuery = z.strictObject({
  bedriftId: bedriftId.optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  account: z.string().regex(/^\d{4}$/, "Must be a four-digit account")
    .optional(),
  limit,
  cursor: cursor(["number", "number"]).optional(),
}).refine((q) => !q.from || !q.to || q.from <= q.to, toNotBeforeFrom);

const reportBedrift = bedriftId.optional().describe(
  "The bedrift; a bedrift's user always gets its own, a platform ADMIN must name one",
);

/** Query of `GET /api/v1/ledger/accounts` and `/reports/balance`, `/reports/receivables`. */
export const AtDateQuery = z.strictObject({
  bedriftId: reportBedrift,
  date: IsoDate.optional().describe("The date (default: today in Norway)"),
});

/** Query of `GET /api/v1/reports/income` and `/reports/cashflow`. */
export const PeriodQuery = z.strictObject({
  bedriftId: reportBedrift,
  from: IsoDate.optional().describe("First day (default: 1 January of `to`)"),
  to: IsoDate.optional().describe("Last day (default: today in Norway)"),
}).refine((q) => !q.from || !q.to || q.from <= q.to, toNotBeforeFrom);

/** Query of `GET /api/v1/reports/mva`. */
export const MvaQuery = z.strictObject({
  bedriftId: reportBedrift,
  year: z.coerce.number().int().min(2000).max(2100),
  term: z.coerce.number().int().min(1).max(6).describe(
    "The two-month term: 1 January–February … 6 November–December",
  ),
});
