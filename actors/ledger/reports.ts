/**
 * The reports a Norwegian driving school files, computed from the general
 * ledger alone (so each agrees with the accounts by construction, to the
 * øre): the income statement (resultatregnskap), the balance (balanse), the
 * MVA report of one two-month term, receivables with ageing, and cash flow
 * per month.
 */
import { Decimal } from "../../deps.ts";
import type { SqlExecutor } from "../../runtime/sql/mod.ts";
import { MVA_RATES } from "../invoice/mod.ts";
import { addDays } from "../validators/mod.ts";
import {
  AccountKind,
  accountName,
  isResultAccount,
  Konto,
  REVENUE_KONTO,
} from "./accounts.ts";
import { accountBalances, isoDate } from "./queries.ts";
import type { AccountBalance } from "./queries.ts";

type Options = { signal?: AbortSignal };

/** One account's amount in a report. */
export interface ReportLine {
  konto: string;
  navn: string;
  belop: string;
}

/** A part of a report: its lines and their sum. */
export interface ReportSection {
  lines: ReportLine[];
  sum: string;
}

const ZERO = new Decimal(0);
const fixed = (d: Decimal) => d.toFixed(2);

/** The balances of `kind`, each as debit − credit (`sign` 1) or credit − debit (−1). */
function section(
  balances: readonly AccountBalance[],
  kinds: readonly AccountKind[],
  sign: 1 | -1,
): ReportSection {
  let sum = ZERO;
  const lines: ReportLine[] = [];
  for (const b of balances) {
    if (!kinds.includes(b.kind)) continue;
    const belop = new Decimal(b.saldo).times(sign);
    // An account whose movements cancel out (a withdrawn approval) says nothing.
    if (belop.isZero()) continue;
    sum = sum.plus(belop);
    lines.push({ konto: b.konto, navn: b.navn, belop: fixed(belop) });
  }
  return { lines, sum: fixed(sum) };
}

/** The income statement (resultatregnskap) of a period. */
export interface IncomeStatement {
  bedriftId: string;
  from: string;
  to: string;
  driftsinntekter: ReportSection;
  driftskostnader: ReportSection;
  driftsresultat: string;
  finansinntekter: ReportSection;
  finanskostnader: ReportSection;
  /** Ordinary result: driftsresultat + finansinntekter − finanskostnader. */
  resultat: string;
}

/** The income statement of `from`–`to` (booking dates, both included). */
export async function incomeStatement(
  db: SqlExecutor,
  bedriftId: string,
  range: { from: string; to: string },
  options: Options = {},
): Promise<IncomeStatement> {
  const balances = await accountBalances(db, bedriftId, range, options);
  const inntekter = section(balances, [AccountKind.DRIFTSINNTEKT], -1);
  const kostnader = section(balances, [AccountKind.DRIFTSKOSTNAD], 1);
  const finansInn = section(balances, [AccountKind.FINANSINNTEKT], -1);
  const finansUt = section(balances, [AccountKind.FINANSKOSTNAD], 1);
  const drift = new Decimal(inntekter.sum).minus(kostnader.sum);
  return {
    bedriftId,
    from: range.from,
    to: range.to,
    driftsinntekter: inntekter,
    driftskostnader: kostnader,
    driftsresultat: fixed(drift),
    finansinntekter: finansInn,
    finanskostnader: finansUt,
    resultat: fixed(drift.plus(finansInn.sum).minus(finansUt.sum)),
  };
}

/** The balance (balanse) at a date. */
export interface BalanceSheet {
  bedriftId: string;
  date: string;
  eiendeler: ReportSection;
  /** Earlier years' results (2050) and this year's result to the date. */
  egenkapital: ReportSection;
  gjeld: ReportSection;
  sumEgenkapitalOgGjeld: string;
  /** Assets = equity + liabilities (always, for a ledger of balanced entries). */
  balanced: boolean;
}

/**
 * The balance at `date`: assets (class 1, debit balances), liabilities
 * (classes 21–29, credit balances) and equity — what the earlier years'
 * results left (shown on 2050 Annen egenkapital, as a year-end closing
 * would move them) plus this year's result up to the date.
 */
export async function balanceSheet(
  db: SqlExecutor,
  bedriftId: string,
  date: string,
  options: Options = {},
): Promise<BalanceSheet> {
  const yearStart = `${isoDate(date).slice(0, 4)}-01-01`;
  const all = await accountBalances(db, bedriftId, { to: date }, options);
  const thisYear = await accountBalances(
    db,
    bedriftId,
    { from: yearStart, to: date },
    options,
  );
  const result = (balances: readonly AccountBalance[]) =>
    balances.filter((b) => isResultAccount(b.konto))
      .reduce((sum, b) => sum.minus(b.saldo), ZERO);
  const aarets = result(thisYear);
  const earlier = result(all).minus(aarets).plus(
    section(all, [AccountKind.EGENKAPITAL], -1).sum,
  );
  const eiendeler = section(all, [AccountKind.EIENDEL], 1);
  const gjeld = section(all, [AccountKind.GJELD], -1);
  const egenkapital: ReportSection = {
    lines: [
      {
        konto: Konto.ANNEN_EGENKAPITAL,
        navn: `${accountName(Konto.ANNEN_EGENKAPITAL)} (resultat før ${
          yearStart.slice(0, 4)
        })`,
        belop: fixed(earlier),
      },
      { konto: "", navn: "Årets resultat", belop: fixed(aarets) },
    ],
    sum: fixed(earlier.plus(aarets)),
  };
  const sum = new Decimal(egenkapital.sum).plus(gjeld.sum);
  return {
    bedriftId,
    date,
    eiendeler,
    egenkapital,
    gjeld,
    sumEgenkapitalOgGjeld: fixed(sum),
    balanced: sum.equals(eiendeler.sum),
  };
}

/** The first and last day of MVA term `term` (1–6: Jan–Feb … Nov–Dec) of `year`. */
export function mvaTerm(
  year: number,
  term: number,
): { from: string; to: string } {
  if (!Number.isInteger(term) || term < 1 || term > 6) {
    throw new RangeError("An MVA term is 1 to 6");
  }
  const first = 2 * term - 1;
  const pad = (n: number) => String(n).padStart(2, "0");
  const from = `${year}-${pad(first)}-01`;
  const next = term === 6
    ? `${year + 1}-01-01`
    : `${year}-${pad(first + 2)}-01`;
  return { from, to: addDays(next, -1) };
}

/** The MVA report (mva-melding) of one term. */
export interface MvaReport {
  bedriftId: string;
  year: number;
  term: number;
  from: string;
  to: string;
  /** Output MVA per rate with its base (the sales at that rate). */
  utgaende: { mvaSats: number; grunnlag: string; mva: string }[];
  sumUtgaende: string;
  /** Deductible input MVA per rate. */
  inngaende: { mvaSats: number; mva: string }[];
  sumInngaende: string;
  /** Output − input: to pay when positive, to reclaim when negative. */
  aBetale: string;
  resultat: "BETALE" | "TIL_GODE" | "NULL";
  /** The movements of 2700 (credit − debit) and 2710 (debit − credit) in the term. */
  kontoer: { "2700": string; "2710": string };
}

/** The MVA report of `term` of `year`, from the revenue and MVA accounts' lines. */
export async function mvaReport(
  db: SqlExecutor,
  bedriftId: string,
  year: number,
  term: number,
  options: Options = {},
): Promise<MvaReport> {
  const { from, to } = mvaTerm(year, term);
  const revenue = Object.values(REVENUE_KONTO);
  const rows = await db.query(
    `SELECT konto, sats, sum(kredit) - sum(debet) AS netto
     FROM ledger_days
     WHERE bedrift_id = $1::text AND dato >= $2::date AND dato <= $3::date
       AND konto = ANY($4::text[])
     GROUP BY konto, sats`,
    [bedriftId, from, to, [
      Konto.UTGAENDE_MVA,
      Konto.INNGAENDE_MVA,
      ...revenue,
    ]],
    options,
  );
  const amount = (konto: string, sats: number | null) =>
    rows.filter((r) =>
      r.konto === konto && (sats === null || Number(r.sats) === sats)
    ).reduce((sum, r) => sum.plus(String(r.netto)), ZERO);
  const utgaende = MVA_RATES.map((sats) => ({
    mvaSats: sats,
    grunnlag: amount(REVENUE_KONTO[sats], sats),
    mva: amount(Konto.UTGAENDE_MVA, sats),
  })).filter((u) => !u.grunnlag.isZero() || !u.mva.isZero());
  const inngaende = MVA_RATES.map((sats) => ({
    mvaSats: sats,
    mva: amount(Konto.INNGAENDE_MVA, sats).negated(),
  })).filter((i) => !i.mva.isZero());
  const sumUt = utgaende.reduce((s, u) => s.plus(u.mva), ZERO);
  const sumInn = inngaende.reduce((s, i) => s.plus(i.mva), ZERO);
  const aBetale = sumUt.minus(sumInn);
  return {
    bedriftId,
    year,
    term,
    from,
    to,
    utgaende: utgaende.map((u) => ({
      mvaSats: u.mvaSats,
      grunnlag: fixed(u.grunnlag),
      mva: fixed(u.mva),
    })),
    sumUtgaende: fixed(sumUt),
    inngaende: inngaende.map((i) => ({
      mvaSats: i.mvaSats,
      mva: fixed(i.mva),
    })),
    sumInngaende: fixed(sumInn),
    aBetale: fixed(aBetale),
    resultat: aBetale.isZero()
      ? "NULL"
      : aBetale.greaterThan(0)
      ? "BETALE"
      : "TIL_GODE",
    kontoer: {
      "2700": fixed(amount(Konto.UTGAENDE_MVA, null)),
      "2710": fixed(amount(Konto.INNGAENDE_MVA, null).negated()),
    },
  };
}

/** Ageing buckets of receivables, by days past the due date. */
export const AgeingBucket = {
  IKKE_FORFALT: "IKKE_FORFALT",
  D1_30: "1_30",
  D31_60: "31_60",
  D61_90: "61_90",
  OVER_90: "OVER_90",
} as const;
export type AgeingBucket = typeof AgeingBucket[keyof typeof AgeingBucket];

function bucketOf(days: number): AgeingBucket {
  if (days <= 0) return AgeingBucket.IKKE_FORFALT;
  if (days <= 30) return AgeingBucket.D1_30;
  if (days <= 60) return AgeingBucket.D31_60;
  if (days <= 90) return AgeingBucket.D61_90;
  return AgeingBucket.OVER_90;
}

/** Open claims at a date with their ageing. */
export interface ReceivablesReport {
  bedriftId: string;
  date: string;
  items: {
    invoiceId: string;
    fakturanummer: string | null;
    fakturadato: string | null;
    forfallsdato: string | null;
    /** Days past the due date (0 or less: not due). */
    dagerForfalt: number;
    bucket: AgeingBucket;
    /** What is owed on the invoice (negative: a credit the customer is owed). */
    saldo: string;
  }[];
  buckets: Record<AgeingBucket, string>;
  total: string;
  /** Account 1500's balance at the date: equal to `total`. */
  konto1500: string;
}

/**
 * Open invoices at `date`: each claim's balance on 1500 (invoice, payments,
 * reminders, its credit note), aged by its due date.
 */
export async function receivablesReport(
  db: SqlExecutor,
  bedriftId: string,
  date: string,
  options: Options = {},
): Promise<ReceivablesReport> {
  const rows = await db.query(
    `SELECT c.invoice_id, c.saldo, i.fakturanummer, i.fakturadato,
            i.forfallsdato, $2::date - i.forfallsdato AS dager
     FROM (SELECT invoice_id, sum(debet) - sum(kredit) AS saldo
           FROM ledger_lines
           WHERE bedrift_id = $1::text AND konto = $3::text
             AND dato <= $2::date
           GROUP BY invoice_id) c
     LEFT JOIN ledger_invoices i ON i.id = c.invoice_id
     WHERE c.saldo <> 0
     ORDER BY i.forfallsdato, i.fakturanummer, c.invoice_id`,
    [bedriftId, isoDate(date), Konto.KUNDEFORDRINGER],
    options,
  );
  const buckets = Object.fromEntries(
    Object.values(AgeingBucket).map((b) => [b, ZERO]),
  ) as Record<AgeingBucket, Decimal>;
  let total = ZERO;
  const items = rows.map((row) => {
    const saldo = new Decimal(String(row.saldo));
    const days = row.dager === null ? 0 : Number(row.dager);
    const bucket = bucketOf(days);
    buckets[bucket] = buckets[bucket].plus(saldo);
    total = total.plus(saldo);
    return {
      invoiceId: row.invoice_id as string,
      fakturanummer: (row.fakturanummer as string | null) ?? null,
      fakturadato: (row.fakturadato as string | null) ?? null,
      forfallsdato: (row.forfallsdato as string | null) ?? null,
      dagerForfalt: days,
      bucket,
      saldo: fixed(saldo),
    };
  });
  // The account's balance from the day sums, not from the claims' lines.
  const [account] = await db.query(
    `SELECT coalesce(sum(debet) - sum(kredit), 0) AS saldo FROM ledger_days
     WHERE bedrift_id = $1::text AND konto = $3::text AND dato <= $2::date`,
    [bedriftId, date, Konto.KUNDEFORDRINGER],
    options,
  );
  return {
    bedriftId,
    date,
    items,
    buckets: Object.fromEntries(
      Object.entries(buckets).map(([b, v]) => [b, fixed(v)]),
    ) as Record<AgeingBucket, string>,
    total: fixed(total),
    konto1500: fixed(new Decimal(String(account.saldo))),
  };
}

/** Receipts and payments through the bank account, per month. */
export interface CashflowReport {
  bedriftId: string;
  from: string;
  to: string;
  /** 1920's balance before `from`. */
  inngaendeSaldo: string;
  months: {
    month: string;
    innbetalinger: string;
    utbetalinger: string;
    netto: string;
  }[];
  sum: { innbetalinger: string; utbetalinger: string; netto: string };
  /** 1920's balance at `to`: inngaendeSaldo + netto. */
  utgaendeSaldo: string;
}

/** Every month `YYYY-MM` from the month of `from` through that of `to`. */
function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let [y, m] = from.slice(0, 7).split("-").map(Number);
  const last = to.slice(0, 7);
  for (;;) {
    const month = `${y}-${String(m).padStart(2, "0")}`;
    if (month > last) return months;
    months.push(month);
    m += 1;
    if (m > 12) [y, m] = [y + 1, 1];
  }
}

/** Cash flow of `from`–`to`: the bank account's debits and credits per month. */
export async function cashflowReport(
  db: SqlExecutor,
  bedriftId: string,
  range: { from: string; to: string },
  options: Options = {},
): Promise<CashflowReport> {
  const rows = await db.query(
    `SELECT to_char(dato, 'YYYY-MM') AS month,
            sum(debet) FILTER (WHERE dato >= $3::date) AS inn,
            sum(kredit) FILTER (WHERE dato >= $3::date) AS ut,
            sum(debet - kredit) FILTER (WHERE dato < $3::date) AS before
     FROM ledger_days
     WHERE bedrift_id = $1::text AND konto = $2::text AND dato <= $4::date
     GROUP BY month`,
    [bedriftId, Konto.BANK, isoDate(range.from), isoDate(range.to)],
    options,
  );
  const of = (value: unknown) =>
    value == null ? ZERO : new Decimal(String(value));
  const opening = rows.reduce((s, r) => s.plus(of(r.before)), ZERO);
  const byMonth = new Map(rows.map((r) => [r.month as string, r]));
  let inn = ZERO;
  let ut = ZERO;
  const months = monthsBetween(range.from, range.to).map((month) => {
    const row = byMonth.get(month);
    const i = of(row?.inn);
    const u = of(row?.ut);
    inn = inn.plus(i);
    ut = ut.plus(u);
    return {
      month,
      innbetalinger: fixed(i),
      utbetalinger: fixed(u),
      netto: fixed(i.minus(u)),
    };
  });
  return {
    bedriftId,
    from: range.from,
    to: range.to,
    inngaendeSaldo: fixed(opening),
    months,
    sum: {
      innbetalinger: fixed(inn),
      utbetalinger: fixed(ut),
      netto: fixed(inn.minus(ut)),
    },
    utgaendeSaldo: fixed(opening.plus(inn).minus(ut)),
  };
}
