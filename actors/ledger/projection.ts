/**
 * The general ledger (hovedbok) as a projection of the feed: every economic
 * event becomes a balanced journal entry (`ledger_entries`) with its lines
 * (`ledger_lines`, one account each, exact `numeric`), referencing its
 * source commit (feed position, stream, version). `ledger_invoices` and
 * `ledger_expenses` keep what the postings of later events need (an
 * invoice's bedrift, number, due date and open fees; an expense's bedrift
 * and supplier). `ledger_days` sums the lines per bedrift, account, day and
 * MVA rate, so balances and reports read a row per account and day instead
 * of every line (a year of a school with 5,000 invoices: 40,000 lines, a few
 * thousand days' rows). Rebuildable like every read model; no personal data.
 */
import { Decimal } from "../../deps.ts";
import { assertCurrentVersion } from "../../runtime/core/mod.ts";
import type { Commit } from "../../runtime/core/mod.ts";
import type { Projection } from "../../runtime/projection/mod.ts";
import { upsertFromJson } from "../../runtime/sql/mod.ts";
import type { SqlExecutor, UpsertColumn } from "../../runtime/sql/mod.ts";
import { EXPENSE, ExpenseEventVersions } from "../expense/mod.ts";
import type { ExpenseEvent } from "../expense/mod.ts";
import { INVOICE, InvoiceEventVersions, osloDate } from "../invoice/mod.ts";
import type { InvoiceEvent } from "../invoice/mod.ts";
import {
  approvalPosting,
  creditedPosting,
  expensePaidPosting,
  paymentPosting,
  reminderPosting,
  sentPosting,
} from "./postings.ts";
import type { LedgerInvoice, Posting } from "./postings.ts";

/** Name of the projection. */
export const LEDGER_PROJECTION = "ledger";

/** The event types the ledger reads. */
export const LEDGER_EVENT_TYPES = [
  "invoice.drafted",
  "invoice.sent",
  "invoice.payment_registered",
  "invoice.reminded",
  "invoice.credited",
  "expense.registered",
  "expense.approved",
  "expense.rejected",
  "expense.paid",
] as const;

interface InvoiceRow {
  id: string;
  bedrift_id: string;
  kreditnota_for: string | null;
  fakturanummer: string | null;
  fakturadato: string | null;
  forfallsdato: string | null;
  gebyrer: string;
  renter: string;
  version: number;
  position: number;
}

interface ExpenseRow {
  id: string;
  bedrift_id: string;
  leverandor: string;
  version: number;
  position: number;
}

const INVOICE_COLUMNS: readonly UpsertColumn[] = [
  ["id", "text"],
  ["bedrift_id", "text"],
  ["kreditnota_for", "text"],
  ["fakturanummer", "text"],
  ["fakturadato", "date"],
  ["forfallsdato", "date"],
  ["gebyrer", "numeric(14,2)"],
  ["renter", "numeric(14,2)"],
  ["version", "integer"],
  ["position", "bigint"],
];
const EXPENSE_COLUMNS: readonly UpsertColumn[] = [
  ["id", "text"],
  ["bedrift_id", "text"],
  ["leverandor", "text"],
  ["version", "integer"],
  ["position", "bigint"],
];
const UPSERT_INVOICES = upsertFromJson("ledger_invoices", INVOICE_COLUMNS, [
  "id",
]);
const UPSERT_EXPENSES = upsertFromJson("ledger_expenses", EXPENSE_COLUMNS, [
  "id",
]);

const MIGRATIONS = [{
  version: 1,
  name: "create the general ledger",
  sql: `
    CREATE TABLE ledger_entries (
      position bigint NOT NULL,
      idx integer NOT NULL,
      bedrift_id text NOT NULL,
      dato date NOT NULL,
      kind text NOT NULL,
      tekst text NOT NULL,
      belop numeric(14,2) NOT NULL,
      stream_type text NOT NULL,
      stream_id text NOT NULL,
      version integer NOT NULL,
      event_type text NOT NULL,
      PRIMARY KEY (position, idx)
    );
    CREATE INDEX ledger_entries_bedrift_idx
      ON ledger_entries (bedrift_id, position, idx);
    CREATE TABLE ledger_lines (
      position bigint NOT NULL,
      idx integer NOT NULL,
      line integer NOT NULL,
      bedrift_id text NOT NULL,
      dato date NOT NULL,
      konto text COLLATE "C" NOT NULL,
      debet numeric(14,2) NOT NULL,
      kredit numeric(14,2) NOT NULL,
      mva_sats integer,
      invoice_id text,
      expense_id text,
      PRIMARY KEY (position, idx, line),
      CHECK (debet >= 0 AND kredit >= 0 AND (debet = 0 OR kredit = 0))
    );
    CREATE INDEX ledger_lines_konto_idx
      ON ledger_lines (bedrift_id, konto, dato)
      INCLUDE (debet, kredit, invoice_id);
    CREATE INDEX ledger_lines_dato_idx ON ledger_lines (bedrift_id, dato);
    CREATE INDEX ledger_lines_invoice_idx
      ON ledger_lines (bedrift_id, invoice_id) WHERE invoice_id IS NOT NULL;
    CREATE TABLE ledger_days (
      bedrift_id text NOT NULL,
      konto text COLLATE "C" NOT NULL,
      dato date NOT NULL,
      sats smallint NOT NULL,
      debet numeric(16,2) NOT NULL,
      kredit numeric(16,2) NOT NULL,
      PRIMARY KEY (bedrift_id, konto, dato, sats)
    );
    CREATE INDEX ledger_days_dato_idx ON ledger_days (bedrift_id, dato);
    CREATE TABLE ledger_invoices (
      id text COLLATE "C" PRIMARY KEY,
      bedrift_id text NOT NULL,
      kreditnota_for text,
      fakturanummer text,
      fakturadato date,
      forfallsdato date,
      gebyrer numeric(14,2) NOT NULL,
      renter numeric(14,2) NOT NULL,
      version integer NOT NULL,
      position bigint NOT NULL
    );
    CREATE TABLE ledger_expenses (
      id text COLLATE "C" PRIMARY KEY,
      bedrift_id text NOT NULL,
      leverandor text NOT NULL,
      version integer NOT NULL,
      position bigint NOT NULL
    );
  `,
}];

/** A row of `ledger_days` as the batch sums it. */
interface DayRow {
  bedrift_id: string;
  konto: string;
  dato: string;
  sats: number;
  debet: Decimal;
  kredit: Decimal;
}

/** An entry with its source, as it is written. */
interface EntryRow {
  position: number;
  idx: number;
  bedrift_id: string;
  dato: string;
  kind: string;
  tekst: string;
  belop: string;
  stream_type: string;
  stream_id: string;
  version: number;
  event_type: string;
}

/** The batch's rows: what the commits change and the entries they post. */
class LedgerBatch {
  readonly entries: EntryRow[] = [];
  readonly lines: Record<string, unknown>[] = [];
  /** The batch's lines summed per bedrift, account, day and rate (−1: none). */
  readonly days = new Map<string, DayRow>();
  readonly invoices = new Map<string, InvoiceRow>();
  readonly expenses = new Map<string, ExpenseRow>();
  readonly changedInvoices = new Set<string>();
  readonly changedExpenses = new Set<string>();

  post(commit: Commit, idx: number, type: string, p: Posting | null): void {
    if (p === null) return;
    let belop = new Decimal(0);
    p.lines.forEach((line, n) => {
      belop = belop.plus(line.debet);
      const sats = line.mvaSats ?? -1;
      const key =
        `${p.bedriftId}\u0000${line.konto}\u0000${p.dato}\u0000${sats}`;
      const day = this.days.get(key) ?? {
        bedrift_id: p.bedriftId,
        konto: line.konto,
        dato: p.dato,
        sats,
        debet: new Decimal(0),
        kredit: new Decimal(0),
      };
      day.debet = day.debet.plus(line.debet);
      day.kredit = day.kredit.plus(line.kredit);
      this.days.set(key, day);
      this.lines.push({
        position: commit.position,
        idx,
        line: n,
        bedrift_id: p.bedriftId,
        dato: p.dato,
        konto: line.konto,
        debet: line.debet,
        kredit: line.kredit,
        mva_sats: line.mvaSats,
        invoice_id: line.invoiceId,
        expense_id: line.expenseId,
      });
    });
    this.entries.push({
      position: commit.position,
      idx,
      bedrift_id: p.bedriftId,
      dato: p.dato,
      kind: p.kind,
      tekst: p.tekst,
      belop: belop.toFixed(2),
      stream_type: commit.type,
      stream_id: commit.id,
      version: commit.version,
      event_type: type,
    });
  }
}

function ledgerInvoice(row: InvoiceRow): LedgerInvoice {
  return {
    id: row.id,
    bedriftId: row.bedrift_id,
    kreditnotaFor: row.kreditnota_for,
    fakturanummer: row.fakturanummer,
    gebyrer: row.gebyrer,
    renter: row.renter,
  };
}

function missing(commit: Commit, type: string, first: string): Error {
  return new Error(
    `${commit.type} ${commit.id} has ${type} at position ${commit.position} before ${first}`,
  );
}

function applyInvoice(batch: LedgerBatch, commit: Commit): void {
  let row = batch.invoices.get(commit.id) ?? null;
  if (row && commit.version <= row.version) return;
  (commit.events as InvoiceEvent[]).forEach((event, idx) => {
    assertCurrentVersion(InvoiceEventVersions, event);
    if (event.type === "invoice.drafted") {
      row = {
        id: commit.id,
        bedrift_id: event.data.bedriftId,
        kreditnota_for: event.data.kreditnotaFor?.invoiceId ?? null,
        fakturanummer: null,
        fakturadato: null,
        forfallsdato: null,
        gebyrer: "0.00",
        renter: "0.00",
        version: commit.version,
        position: commit.position,
      };
      return;
    }
    if (row === null) throw missing(commit, event.type, "invoice.drafted");
    const post = (p: Posting | null) => batch.post(commit, idx, event.type, p);
    switch (event.type) {
      case "invoice.sent":
        row.fakturanummer = event.data.fakturanummer;
        row.fakturadato = event.data.fakturadato;
        row.forfallsdato = event.data.forfallsdato;
        post(sentPosting(ledgerInvoice(row), event.data));
        break;
      case "invoice.payment_registered":
        post(paymentPosting(ledgerInvoice(row), event.data));
        break;
      case "invoice.reminded":
        post(reminderPosting(ledgerInvoice(row), event.data));
        row.gebyrer = new Decimal(row.gebyrer).plus(event.data.gebyr).toFixed(
          2,
        );
        row.renter = new Decimal(row.renter).plus(event.data.rente).toFixed(2);
        break;
      case "invoice.credited":
        post(
          creditedPosting(
            ledgerInvoice(row),
            event.data,
            osloDate(event.data.at),
          ),
        );
        row.gebyrer = "0.00";
        row.renter = "0.00";
        break;
    }
  });
  if (row === null) return;
  const done: InvoiceRow = row;
  done.version = commit.version;
  done.position = commit.position;
  batch.invoices.set(commit.id, done);
  batch.changedInvoices.add(commit.id);
}

function applyExpense(batch: LedgerBatch, commit: Commit): void {
  let row = batch.expenses.get(commit.id) ?? null;
  if (row && commit.version <= row.version) return;
  (commit.events as ExpenseEvent[]).forEach((event, idx) => {
    assertCurrentVersion(ExpenseEventVersions, event);
    if (event.type === "expense.registered") {
      row = {
        id: commit.id,
        bedrift_id: event.data.bedriftId,
        leverandor: event.data.leverandor.navn,
        version: commit.version,
        position: commit.position,
      };
      return;
    }
    if (row === null) throw missing(commit, event.type, "expense.registered");
    const post = (p: Posting | null) => batch.post(commit, idx, event.type, p);
    switch (event.type) {
      case "expense.approved":
        post(approvalPosting(commit.id, row.leverandor, event.data));
        break;
      case "expense.rejected":
        if (event.data.withdrawn) {
          post(
            approvalPosting(
              commit.id,
              row.leverandor,
              event.data.withdrawn,
              -1,
              osloDate(event.data.at),
            ),
          );
        }
        break;
      case "expense.paid":
        post(
          expensePaidPosting(
            row.bedrift_id,
            commit.id,
            row.leverandor,
            event.data,
          ),
        );
        break;
    }
  });
  if (row === null) return;
  const done: ExpenseRow = row;
  done.version = commit.version;
  done.position = commit.position;
  batch.expenses.set(commit.id, done);
  batch.changedExpenses.add(commit.id);
}

async function load(
  tx: SqlExecutor,
  table: string,
  ids: string[],
): Promise<Record<string, unknown>[]> {
  if (ids.length === 0) return [];
  return await tx.query(
    `SELECT * FROM ${table}
     WHERE id = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))`,
    [JSON.stringify(ids)],
  );
}

const INSERT_ENTRIES = `INSERT INTO ledger_entries
  (position, idx, bedrift_id, dato, kind, tekst, belop, stream_type,
   stream_id, version, event_type)
  SELECT position, idx, bedrift_id, dato, kind, tekst, belop, stream_type,
         stream_id, version, event_type
  FROM jsonb_to_recordset($1::jsonb) AS x(position bigint, idx integer,
    bedrift_id text, dato date, kind text, tekst text, belop numeric(14,2),
    stream_type text, stream_id text, version integer, event_type text)
  ON CONFLICT (position, idx) DO NOTHING`;

const INSERT_LINES = `INSERT INTO ledger_lines
  (position, idx, line, bedrift_id, dato, konto, debet, kredit, mva_sats,
   invoice_id, expense_id)
  SELECT position, idx, line, bedrift_id, dato, konto, debet, kredit,
         mva_sats, invoice_id, expense_id
  FROM jsonb_to_recordset($1::jsonb) AS x(position bigint, idx integer,
    line integer, bedrift_id text, dato date, konto text,
    debet numeric(14,2), kredit numeric(14,2), mva_sats integer,
    invoice_id text, expense_id text)
  ON CONFLICT (position, idx, line) DO NOTHING`;

// Adds to the day's sums: safe because each commit is posted once (the
// engine applies a batch once, and a commit the ledger's row of its invoice
// or expense already reflects is skipped).
const ADD_DAYS = `INSERT INTO ledger_days
  (bedrift_id, konto, dato, sats, debet, kredit)
  SELECT bedrift_id, konto, dato, sats, debet, kredit
  FROM jsonb_to_recordset($1::jsonb) AS x(bedrift_id text, konto text,
    dato date, sats smallint, debet numeric(16,2), kredit numeric(16,2))
  ON CONFLICT (bedrift_id, konto, dato, sats) DO UPDATE
  SET debet = ledger_days.debet + excluded.debet,
      kredit = ledger_days.kredit + excluded.kredit`;

/**
 * Projection of invoice and expense events into the general ledger. Each
 * commit is posted once: a commit whose stream version the ledger's row of
 * that invoice or expense already has is skipped, and entries are keyed by
 * their source (feed position, event index).
 */
export const ledgerProjection: Projection = {
  name: LEDGER_PROJECTION,
  eventTypes: LEDGER_EVENT_TYPES,
  tables: [
    "ledger_entries",
    "ledger_lines",
    "ledger_days",
    "ledger_invoices",
    "ledger_expenses",
  ],
  migrations: MIGRATIONS,
  async apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    const batch = new LedgerBatch();
    const ids = (type: string) => [
      ...new Set(commits.filter((c) => c.type === type).map((c) => c.id)),
    ];
    for (const row of await load(tx, "ledger_invoices", ids(INVOICE))) {
      batch.invoices.set(row.id as string, row as unknown as InvoiceRow);
    }
    for (const row of await load(tx, "ledger_expenses", ids(EXPENSE))) {
      batch.expenses.set(row.id as string, row as unknown as ExpenseRow);
    }
    for (const commit of commits) {
      if (commit.type === INVOICE) applyInvoice(batch, commit);
      else if (commit.type === EXPENSE) applyExpense(batch, commit);
    }
    const rows = <R>(map: Map<string, R>, ids: Set<string>) =>
      JSON.stringify([...ids].map((id) => map.get(id)));
    if (batch.changedInvoices.size > 0) {
      await tx.query(UPSERT_INVOICES, [
        rows(batch.invoices, batch.changedInvoices),
      ]);
    }
    if (batch.changedExpenses.size > 0) {
      await tx.query(UPSERT_EXPENSES, [
        rows(batch.expenses, batch.changedExpenses),
      ]);
    }
    if (batch.entries.length > 0) {
      await tx.query(INSERT_ENTRIES, [JSON.stringify(batch.entries)]);
      await tx.query(INSERT_LINES, [JSON.stringify(batch.lines)]);
      await tx.query(ADD_DAYS, [
        JSON.stringify(
          [...batch.days.values()].map((d) => ({
            ...d,
            debet: d.debet.toFixed(2),
            kredit: d.kredit.toFixed(2),
          })),
        ),
      ]);
    }
  },
};
