/**
 * Schemas of the economy routes' answers (the v1 shape; money nodes marked
 * with `money()` become money objects in v2): expenses, budgets, the ledger
 * and the reports.
 */
import { z } from "../deps.ts";
import { Money, money } from "./money.ts";
import { Kategori } from "./economy.ts";

const instant = z.string().describe("ISO 8601 instant");
/** Money with a description of its own (`describe` makes a new, unmarked node). */
const described = (text: string) => money(Money.describe(text));
const date = z.string().describe("YYYY-MM-DD");
const nullableText = z.string().nullable();
const expenseStatus = z.enum(["REGISTRERT", "GODKJENT", "BETALT", "AVVIST"]);
const leverandor = z.object({
  navn: z.string(),
  organisasjonsnummer: nullableText,
});

/** An expense (`GET /expenses/:id` and every expense command). */
export const ExpenseView = z.object({
  id: z.string(),
  version: z.number().int(),
  status: expenseStatus,
  bedriftId: z.string(),
  leverandor,
  dato: date,
  belop: described("Amount excl. MVA"),
  mvaSats: z.number().int(),
  mva: Money,
  brutto: Money,
  kategori: Kategori,
  konto: z.string().describe("The NS 4102 account the category books to"),
  beskrivelse: nullableText,
  receipt: z.object({
    fileId: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    at: instant,
  }).nullable(),
  approval: z.object({
    mvaRegistrert: z.boolean(),
    inngaendeMva: described("Deducted input MVA (0.00 unless registered)"),
    kostnad: described("The cost booked to the category's account"),
    by: nullableText,
    at: instant,
  }).nullable(),
  paid: z.object({ paidOn: date, by: nullableText, at: instant }).nullable(),
  rejected: z.object({ reason: nullableText, by: nullableText, at: instant })
    .nullable(),
  createdAt: instant,
  updatedAt: instant,
});

/** An expense in `GET /expenses`. */
export const ExpenseListItemView = z.object({
  id: z.string(),
  version: z.number().int(),
  position: z.number().int(),
  bedriftId: z.string(),
  status: expenseStatus,
  leverandor,
  dato: date,
  belop: Money,
  mvaSats: z.number().int(),
  mva: Money,
  brutto: Money,
  kategori: Kategori,
  konto: z.string(),
  beskrivelse: nullableText,
  hasReceipt: z.boolean(),
  inngaendeMva: Money.nullable(),
  kostnad: Money.nullable(),
  paidOn: date.nullable(),
  createdAt: instant,
  updatedAt: instant,
});

const budgetFields = {
  id: z.string(),
  version: z.number().int(),
  bedriftId: z.string(),
  kategori: Kategori,
  periode: z.string().describe("YYYY-MM or YYYY"),
  belop: Money,
  spent: described("Approved expenses of the category and period"),
  remaining: described("belop − spent; negative when over"),
  expenses: z.number().int(),
  over: z.boolean(),
  exceededCount: z.number().int().describe(
    "Times budget.exceeded was raised (once per crossing)",
  ),
  createdAt: instant,
  updatedAt: instant,
};

/** A budget (`GET /budgets/:id`, create, change). */
export const BudgetView = z.object(budgetFields);

/** A budget in `GET /budgets`. */
export const BudgetListItemView = z.object({
  ...budgetFields,
  position: z.number().int(),
  lastExceededAt: instant.nullable(),
});

/** A journal entry of `GET /ledger/entries`. */
export const LedgerEntryView = z.object({
  id: z.string().describe("<feed position>-<event index>"),
  bedriftId: z.string(),
  dato: date,
  kind: z.string(),
  tekst: z.string(),
  belop: described("Sum of the debits (= sum of the credits)"),
  source: z.object({
    position: z.number().int(),
    index: z.number().int(),
    streamType: z.string(),
    streamId: z.string(),
    version: z.number().int(),
    eventType: z.string(),
  }).describe("The commit (and event) it was posted from"),
  lines: z.array(z.object({
    konto: z.string(),
    navn: z.string(),
    debet: Money,
    kredit: Money,
    mvaSats: z.number().int().nullable(),
    invoiceId: nullableText,
    expenseId: nullableText,
  })),
});

/** `GET /ledger/accounts`: every account's balance at a date. */
export const AccountBalancesView = z.object({
  bedriftId: z.string(),
  date,
  accounts: z.array(z.object({
    konto: z.string(),
    navn: z.string(),
    kind: z.string(),
    debet: Money,
    kredit: Money,
    saldo: described("debet − kredit"),
  })),
  sumDebet: Money,
  sumKredit: Money,
});

const section = z.object({
  lines: z.array(
    z.object({ konto: z.string(), navn: z.string(), belop: Money }),
  ),
  sum: Money,
});

/** The income statement (resultatregnskap). */
export const IncomeStatementView = z.object({
  bedriftId: z.string(),
  from: date,
  to: date,
  driftsinntekter: section,
  driftskostnader: section,
  driftsresultat: Money,
  finansinntekter: section,
  finanskostnader: section,
  resultat: Money,
});

/** The balance (balanse). */
export const BalanceSheetView = z.object({
  bedriftId: z.string(),
  date,
  eiendeler: section,
  egenkapital: section,
  gjeld: section,
  sumEgenkapitalOgGjeld: Money,
  balanced: z.boolean(),
});

/** The MVA report of a term. */
export const MvaReportView = z.object({
  bedriftId: z.string(),
  year: z.number().int(),
  term: z.number().int(),
  from: date,
  to: date,
  utgaende: z.array(z.object({
    mvaSats: z.number().int(),
    grunnlag: Money,
    mva: Money,
  })),
  sumUtgaende: Money,
  inngaende: z.array(z.object({ mvaSats: z.number().int(), mva: Money })),
  sumInngaende: Money,
  aBetale: described("To pay when positive, to reclaim when negative"),
  resultat: z.enum(["BETALE", "TIL_GODE", "NULL"]),
  kontoer: z.object({ "2700": Money, "2710": Money }),
});

const ageing = z.enum(["IKKE_FORFALT", "1_30", "31_60", "61_90", "OVER_90"]);

/** Receivables with ageing. */
export const ReceivablesView = z.object({
  bedriftId: z.string(),
  date,
  items: z.array(z.object({
    invoiceId: z.string(),
    fakturanummer: nullableText,
    fakturadato: date.nullable(),
    forfallsdato: date.nullable(),
    dagerForfalt: z.number().int(),
    bucket: ageing,
    saldo: Money,
  })),
  buckets: z.object({
    IKKE_FORFALT: Money,
    "1_30": Money,
    "31_60": Money,
    "61_90": Money,
    OVER_90: Money,
  }),
  total: Money,
  konto1500: Money,
});

/** Cash flow per month. */
export const CashflowView = z.object({
  bedriftId: z.string(),
  from: date,
  to: date,
  inngaendeSaldo: Money,
  months: z.array(z.object({
    month: z.string().describe("YYYY-MM"),
    innbetalinger: Money,
    utbetalinger: Money,
    netto: Money,
  })),
  sum: z.object({ innbetalinger: Money, utbetalinger: Money, netto: Money }),
  utgaendeSaldo: Money,
});
