/**
 * `/api/v<n>/reports`: what a driving school files, from the general ledger
 * — income statement, balance, MVA per term, receivables with ageing, cash
 * flow — per bedrift (a bedrift's user: its own; an ADMIN names one), as
 * JSON or, with `Accept: text/csv`, as CSV. Each report reconciles with the
 * ledger's accounts to the øre.
 */
import type { Context, z } from "../deps.ts";
import {
  balanceSheet,
  cashflowReport,
  incomeStatement,
  LEDGER_PROJECTION,
  mvaReport,
  receivablesReport,
} from "../actors/ledger/mod.ts";
import type {
  BalanceSheet,
  CashflowReport,
  IncomeStatement,
  MvaReport,
  ReceivablesReport,
  ReportSection,
} from "../actors/ledger/mod.ts";
import type { SqlExecutor } from "../runtime/sql/mod.ts";
import {
  AtDateQuery,
  BalanceSheetView,
  CashflowView,
  IncomeStatementView,
  MvaQuery,
  MvaReportView,
  PeriodQuery,
  ReceivablesView,
} from "../schemas/mod.ts";
import type { EdgeDeps } from "./context.ts";
import { csvResponse, wantsCsv } from "./csv.ts";
import { reportBedrift, today } from "./ledger.ts";
import { fromReadModel } from "./queries.ts";
import { reply, resource } from "./representation.ts";
import type { Representation } from "./representation.ts";
import { READ_PROBLEMS, RouteGroup } from "./route.ts";

type Row = readonly unknown[];

/** A report's CSV: its file name, header and rows. */
interface Csv {
  name: string;
  header: readonly string[];
  rows: Row[];
}

/** The rows of a report section: its lines, then its sum. */
function sectionRows(name: string, s: ReportSection, sumLabel: string): Row[] {
  return [
    ...s.lines.map((l) => [name, l.konto, l.navn, l.belop]),
    [name, "", sumLabel, s.sum],
  ];
}

const SECTION_HEADER = ["seksjon", "konto", "navn", "belop"] as const;

function incomeCsv(r: IncomeStatement): Csv {
  return {
    name: `resultat-${r.from}-${r.to}`,
    header: SECTION_HEADER,
    rows: [
      ...sectionRows(
        "driftsinntekter",
        r.driftsinntekter,
        "Sum driftsinntekter",
      ),
      ...sectionRows(
        "driftskostnader",
        r.driftskostnader,
        "Sum driftskostnader",
      ),
      ["driftsresultat", "", "Driftsresultat", r.driftsresultat],
      ...sectionRows(
        "finansinntekter",
        r.finansinntekter,
        "Sum finansinntekter",
      ),
      ...sectionRows(
        "finanskostnader",
        r.finanskostnader,
        "Sum finanskostnader",
      ),
      ["resultat", "", "Resultat", r.resultat],
    ],
  };
}

function balanceCsv(r: BalanceSheet): Csv {
  return {
    name: `balanse-${r.date}`,
    header: SECTION_HEADER,
    rows: [
      ...sectionRows("eiendeler", r.eiendeler, "Sum eiendeler"),
      ...sectionRows("egenkapital", r.egenkapital, "Sum egenkapital"),
      ...sectionRows("gjeld", r.gjeld, "Sum gjeld"),
      [
        "egenkapital_og_gjeld",
        "",
        "Sum egenkapital og gjeld",
        r.sumEgenkapitalOgGjeld,
      ],
    ],
  };
}

function mvaCsv(r: MvaReport): Csv {
  return {
    name: `mva-${r.year}-termin-${r.term}`,
    header: ["seksjon", "mvaSats", "grunnlag", "mva"],
    rows: [
      ...r.utgaende.map((u) => ["utgaende", u.mvaSats, u.grunnlag, u.mva]),
      ["sum_utgaende", "", "", r.sumUtgaende],
      ...r.inngaende.map((i) => ["inngaende", i.mvaSats, "", i.mva]),
      ["sum_inngaende", "", "", r.sumInngaende],
      [r.resultat === "TIL_GODE" ? "til_gode" : "a_betale", "", "", r.aBetale],
    ],
  };
}

function receivablesCsv(r: ReceivablesReport): Csv {
  return {
    name: `kundefordringer-${r.date}`,
    header: [
      "invoiceId",
      "fakturanummer",
      "fakturadato",
      "forfallsdato",
      "dagerForfalt",
      "bucket",
      "saldo",
    ],
    rows: [
      ...r.items.map((i) => [
        i.invoiceId,
        i.fakturanummer,
        i.fakturadato,
        i.forfallsdato,
        i.dagerForfalt,
        i.bucket,
        i.saldo,
      ]),
      ["SUM", "", "", "", "", "", r.total],
    ],
  };
}

function cashflowCsv(r: CashflowReport): Csv {
  return {
    name: `kontantstrom-${r.from}-${r.to}`,
    header: ["maned", "innbetalinger", "utbetalinger", "netto"],
    rows: [
      ["INNGAENDE_SALDO", "", "", r.inngaendeSaldo],
      ...r.months.map((m) => [
        m.month,
        m.innbetalinger,
        m.utbetalinger,
        m.netto,
      ]),
      ["SUM", r.sum.innbetalinger, r.sum.utbetalinger, r.sum.netto],
      ["UTGAENDE_SALDO", "", "", r.utgaendeSaldo],
    ],
  };
}

/** Routes of `/api/v<n>/reports`. */
export function reportRoutes(deps: EdgeDeps): RouteGroup {
  const group = new RouteGroup({
    tag: "Reports",
    description:
      "Reports from the general ledger, per bedrift: income statement, balance, MVA per two-month term, receivables with ageing, cash flow — JSON, or CSV with Accept: text/csv",
    base: "/reports",
    versioned: true,
  });

  /** Declares one report: JSON in its representation, or CSV. */
  const report = <Q extends z.ZodType, T>(spec: {
    path: string;
    operationId: string;
    summary: string;
    description: string;
    query: Q;
    rep: Representation<T>;
    run: (
      db: SqlExecutor,
      bedriftId: string,
      query: z.output<Q>,
      signal: AbortSignal,
    ) => Promise<T>;
    csv: (value: T) => Csv;
  }) =>
    group.route({
      method: "get",
      path: spec.path,
      operationId: spec.operationId,
      summary: spec.summary,
      description:
        `${spec.description} Answered from the ledger read model; send a write's \`X-TMS-Position\` as \`X-TMS-Min-Position\` to include it. \`Accept: text/csv\` answers CSV (RFC 4180).`,
      request: { query: spec.query, headers: ["X-TMS-Min-Position"] },
      responses: {
        200: {
          description: "The report",
          body: spec.rep,
          content: { "text/csv": { schema: { type: "string" } } },
          headers: ["X-TMS-Position"],
        },
      },
      problems: READ_PROBLEMS,
    }, async (c: Context, { query }) => {
      const bedriftId = reportBedrift(
        c,
        (query as { bedriftId?: string }).bedriftId,
      );
      const value = await fromReadModel(
        c,
        deps.readSide,
        LEDGER_PROJECTION,
        (db, signal) => spec.run(db, bedriftId, query, signal),
      );
      if (!wantsCsv(c)) return reply(c, spec.rep, value);
      const csv = spec.csv(value);
      return csvResponse(c, `${csv.name}.csv`, csv.header, csv.rows);
    });

  const period = (q: z.output<typeof PeriodQuery>) => {
    const to = q.to ?? today();
    return { from: q.from ?? `${to.slice(0, 4)}-01-01`, to };
  };

  report({
    path: "/income",
    operationId: "getIncomeStatement",
    summary: "Income statement (resultatregnskap) of a period",
    description:
      "Operating revenue (class 3) and costs (4–7), financial income and costs (8), and the result, for booking dates `from`–`to` (default: this year to today).",
    query: PeriodQuery,
    rep: resource<IncomeStatement>("IncomeStatement", IncomeStatementView),
    run: (db, bedriftId, q, signal) =>
      incomeStatement(db, bedriftId, period(q), { signal }),
    csv: incomeCsv,
  });

  report({
    path: "/balance",
    operationId: "getBalanceSheet",
    summary: "Balance (balanse) at a date",
    description:
      "Assets (class 1) = equity + liabilities (classes 20–29) at `date` (default today); this year's result to the date is in equity, earlier years' on 2050.",
    query: AtDateQuery,
    rep: resource<BalanceSheet>("BalanceSheet", BalanceSheetView),
    run: (db, bedriftId, q, signal) =>
      balanceSheet(db, bedriftId, q.date ?? today(), { signal }),
    csv: balanceCsv,
  });

  report({
    path: "/mva",
    operationId: "getMvaReport",
    summary: "MVA report of a two-month term",
    description:
      "Output MVA per rate with its base, deductible input MVA, and the amount to pay (positive) or reclaim (negative) for `term` 1–6 (January–February … November–December) of `year`; equal to the movements of 2700 and 2710.",
    query: MvaQuery,
    rep: resource<MvaReport>("MvaReport", MvaReportView),
    run: (db, bedriftId, q, signal) =>
      mvaReport(db, bedriftId, q.year, q.term, { signal }),
    csv: mvaCsv,
  });

  report({
    path: "/receivables",
    operationId: "getReceivables",
    summary: "Receivables (kundefordringer) with ageing at a date",
    description:
      "Every invoice with a balance on 1500 at `date` (default today) — its payments, reminders and credit note included — aged by its due date: not due, 1–30, 31–60, 61–90, over 90 days; the total equals account 1500.",
    query: AtDateQuery,
    rep: resource<ReceivablesReport>("Receivables", ReceivablesView),
    run: (db, bedriftId, q, signal) =>
      receivablesReport(db, bedriftId, q.date ?? today(), { signal }),
    csv: receivablesCsv,
  });

  report({
    path: "/cashflow",
    operationId: "getCashflow",
    summary: "Cash flow: receipts and payments per month",
    description:
      "The bank account's (1920) receipts and payments per month of `from`–`to` (default: this year to today), with its balance before and after.",
    query: PeriodQuery,
    rep: resource<CashflowReport>("Cashflow", CashflowView),
    run: (db, bedriftId, q, signal) =>
      cashflowReport(db, bedriftId, period(q), { signal }),
    csv: cashflowCsv,
  });

  return group;
}
