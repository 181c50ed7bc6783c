/**
 * The `invoices` read model: one row per invoice (and credit note) with exact
 * `numeric` totals and balance, through its whole lifecycle, and its lines in
 * `invoice_lines`, one row each. A batch writes what changed: the rows of the
 * invoices it touches (running totals, never summed over the lines), the
 * lines it adds and deletes; it reads only those rows and the lines it
 * removes.
 */
import { Decimal } from "../../deps.ts";
import { upsertFromJson } from "../../runtime/sql/mod.ts";
import { foldRows } from "../../runtime/projection/mod.ts";
import { isoTimestamp, isoTimestampOrNull } from "../../runtime/sql/mod.ts";
import { assertCurrentVersion } from "../../runtime/core/mod.ts";
import type { Commit } from "../../runtime/core/mod.ts";
import type { Projection } from "../../runtime/projection/mod.ts";
import type { SqlExecutor, UpsertColumn } from "../../runtime/sql/mod.ts";
import { withLine } from "./money.ts";
import type { InvoiceTotals, LinesPerRate } from "./money.ts";
import {
  BatchLines,
  INVOICE_LINES_TABLE,
  lineRow,
} from "./projection_lines.ts";
import type { InvoiceLineRow } from "./projection_lines.ts";
import { kundeSubject } from "./kunde.ts";
import { InvoiceKind, InvoiceStatus } from "./types.ts";
import type { KundeKind } from "./types.ts";
import { INVOICE_EVENT_TYPES, InvoiceEventVersions } from "./events.ts";
import type { InvoiceEvent } from "./events.ts";

/** Name of the projection and of its table. */
export const INVOICES_PROJECTION = "invoices";

/** A row of `invoices`; money as decimal strings, dates as `YYYY-MM-DD`. */
export interface InvoiceRow {
  id: string;
  bedrift_id: string;
  kind: InvoiceKind;
  status: InvoiceStatus;
  kunde_kind: KundeKind;
  /** A person's name and e-mail are `null` once erased. */
  kunde_navn: string | null;
  kunde_epost: string | null;
  kunde_organisasjonsnummer: string | null;
  kunde_kundenummer: string | null;
  /** A `PRIVAT` customer's data subject (`kundeSubject`), else `null`. */
  kunde_subject: string | null;
  /** The invoice date once sent, else the day it was drafted (Norwegian time). */
  dato: string;
  nummer: number | null;
  fakturanummer: string | null;
  kid: string | null;
  forfallsdato: string | null;
  netto: string;
  mva: string;
  brutto: string;
  mva_per_sats: InvoiceTotals["perSats"];
  /** Lines per rate: which rates `mva_per_sats` lists (kept with the totals). */
  antall_per_sats: LinesPerRate;
  gebyrer: string;
  renter: string;
  betalt: string;
  /** What the customer owes now: 0 for drafts, cancelled, credited and credit notes. */
  utestaende: string;
  antall_purringer: number;
  betalt_dato: string | null;
  kreditnota_for: string | null;
  kreditert_av: string | null;
  antall_linjer: number;
  sendt_at: string | null;
  created_at: string;
  updated_at: string;
  created_position: number;
  version: number;
  position: number;
}

/** Columns of `invoices` with their SQL types, in table order. */
export const INVOICE_COLUMNS: readonly UpsertColumn[] = [
  ["id", "text"],
  ["bedrift_id", "text"],
  ["status", "text"],
  ["kunde_navn", "text"],
  ["kunde_epost", "text"],
  ["kunde_organisasjonsnummer", "text"],
  ["dato", "date"],
  ["netto", "numeric(14,2)"],
  ["mva", "numeric(14,2)"],
  ["brutto", "numeric(14,2)"],
  ["mva_per_sats", "jsonb"],
  ["antall_linjer", "integer"],
  ["created_at", "timestamptz"],
  ["updated_at", "timestamptz"],
  ["created_position", "bigint"],
  ["version", "integer"],
  ["position", "bigint"],
  ["kind", "text"],
  ["nummer", "integer"],
  ["fakturanummer", "text"],
  ["kid", "text"],
  ["forfallsdato", "date"],
  ["gebyrer", "numeric(14,2)"],
  ["renter", "numeric(14,2)"],
  ["betalt", "numeric(14,2)"],
  ["utestaende", "numeric(14,2)"],
  ["antall_purringer", "integer"],
  ["betalt_dato", "date"],
  ["kreditnota_for", "text"],
  ["kreditert_av", "text"],
  ["sendt_at", "timestamptz"],
  ["kunde_kind", "text"],
  ["kunde_kundenummer", "text"],
  ["antall_per_sats", "jsonb"],
  ["kunde_subject", "text"],
];
const SELECT = INVOICE_COLUMNS.map(([name]) => name).join(", ");
const UPSERT = upsertFromJson(INVOICES_PROJECTION, INVOICE_COLUMNS, ["id"]);

const MIGRATIONS = [{
  version: 1,
  name: "create invoices",
  sql: `
    CREATE TABLE invoices (
      id text COLLATE "C" PRIMARY KEY,
      bedrift_id text NOT NULL,
      status text NOT NULL,
      kunde_navn text NOT NULL,
      kunde_epost text,
      kunde_organisasjonsnummer text,
      dato date NOT NULL,
      netto numeric(14,2) NOT NULL,
      mva numeric(14,2) NOT NULL,
      brutto numeric(14,2) NOT NULL,
      mva_per_sats jsonb NOT NULL,
      antall_linjer integer NOT NULL,
      lines jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      created_position bigint NOT NULL,
      version integer NOT NULL,
      position bigint NOT NULL
    );
    CREATE INDEX invoices_created_idx ON invoices (created_position DESC, id DESC);
    CREATE INDEX invoices_bedrift_idx
      ON invoices (bedrift_id, created_position DESC, id DESC);
    CREATE INDEX invoices_status_idx
      ON invoices (status, created_position DESC, id DESC);
    CREATE INDEX invoices_dato_idx ON invoices (dato);
  `,
}, {
  version: 2,
  name: "invoice lifecycle: number, KID, due date, balance, credit notes",
  sql: `
    ALTER TABLE invoices
      ADD COLUMN kind text NOT NULL DEFAULT 'FAKTURA',
      ADD COLUMN nummer integer,
      ADD COLUMN fakturanummer text,
      ADD COLUMN kid text,
      ADD COLUMN forfallsdato date,
      ADD COLUMN gebyrer numeric(14,2) NOT NULL DEFAULT 0,
      ADD COLUMN renter numeric(14,2) NOT NULL DEFAULT 0,
      ADD COLUMN betalt numeric(14,2) NOT NULL DEFAULT 0,
      ADD COLUMN utestaende numeric(14,2) NOT NULL DEFAULT 0,
      ADD COLUMN antall_purringer integer NOT NULL DEFAULT 0,
      ADD COLUMN betalt_dato date,
      ADD COLUMN kreditnota_for text,
      ADD COLUMN kreditert_av text,
      ADD COLUMN sendt_at timestamptz;
    CREATE INDEX invoices_fakturanummer_idx ON invoices (bedrift_id, nummer);
  `,
}, {
  version: 3,
  name: "lines in invoice_lines; explicit kunde kind and kundenummer",
  // The kind follows the rule of the invoice.drafted v1 upcaster, so rows
  // read right until the rebuild this version starts has swapped new ones in.
  sql: `
    CREATE TABLE invoice_lines (
      invoice_id text COLLATE "C" NOT NULL,
      id text COLLATE "C" NOT NULL,
      beskrivelse text NOT NULL,
      antall numeric(14,3) NOT NULL,
      enhetspris numeric(14,2) NOT NULL,
      mva_sats integer NOT NULL,
      netto numeric(14,2) NOT NULL,
      mva numeric(14,2) NOT NULL,
      brutto numeric(14,2) NOT NULL,
      version integer NOT NULL,
      idx integer NOT NULL,
      position bigint NOT NULL,
      PRIMARY KEY (invoice_id, id)
    );
    ALTER TABLE invoices
      ADD COLUMN kunde_kind text NOT NULL DEFAULT 'PRIVAT',
      ADD COLUMN kunde_kundenummer text,
      ADD COLUMN antall_per_sats jsonb NOT NULL DEFAULT '{}',
      DROP COLUMN lines;
    UPDATE invoices SET kunde_kind = 'BEDRIFT'
      WHERE coalesce(kunde_organisasjonsnummer, '') <> '';
  `,
}, {
  version: 4,
  name: "a person's data subject; name null once erased",
  sql: `
    ALTER TABLE invoices
      ADD COLUMN kunde_subject text,
      ALTER COLUMN kunde_navn DROP NOT NULL;
    CREATE INDEX invoices_kunde_subject_idx ON invoices (kunde_subject)
      WHERE kunde_subject IS NOT NULL;
  `,
}];

const OSLO_DATE = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/Oslo",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/** The calendar date in Norway of an ISO time, `YYYY-MM-DD`. */
export function osloDate(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) {
    throw new RangeError(`Not an ISO time: ${iso}`);
  }
  return OSLO_DATE.format(time);
}

const OWES_NOTHING: ReadonlySet<InvoiceStatus> = new Set([
  InvoiceStatus.UTKAST,
  InvoiceStatus.KANSELLERT,
  InvoiceStatus.KREDITERT,
]);

/** The balance from the totals, fees, interest and payments (once per row and batch). */
function finish(row: InvoiceRow): InvoiceRow {
  const owes = row.kind === InvoiceKind.FAKTURA &&
    !OWES_NOTHING.has(row.status);
  const utestaende = owes
    ? new Decimal(row.brutto).plus(row.gebyrer).plus(row.renter).minus(
      row.betalt,
    )
    : new Decimal(0);
  return { ...row, utestaende: utestaende.toFixed(2) };
}

const add = (a: string, b: string) => new Decimal(a).plus(b).toFixed(2);

function totalsOf(row: InvoiceRow): InvoiceTotals {
  return {
    netto: row.netto,
    mva: row.mva,
    brutto: row.brutto,
    perSats: row.mva_per_sats,
  };
}

/** The row with one line's amounts added to (1) or taken from (-1) its running totals. */
function withRowLine(
  row: InvoiceRow,
  line: InvoiceLineRow,
  sign: 1 | -1,
  at: string,
): InvoiceRow {
  const { totals, linesPerRate } = withLine(
    totalsOf(row),
    row.antall_per_sats,
    line,
    line.mva_sats,
    sign,
  );
  return {
    ...row,
    netto: totals.netto,
    mva: totals.mva,
    brutto: totals.brutto,
    mva_per_sats: totals.perSats,
    antall_per_sats: linesPerRate,
    antall_linjer: row.antall_linjer + sign,
    updated_at: at,
  };
}

function evolve(
  row: InvoiceRow | null,
  commit: Commit,
  event: InvoiceEvent,
  lines: BatchLines,
): InvoiceRow {
  assertCurrentVersion(InvoiceEventVersions, event);
  const idx = lines.eventIndex(commit);
  if (event.type === "invoice.drafted") {
    const { bedriftId, kunde, at, kreditnotaFor } = event.data;
    return {
      id: commit.id,
      bedrift_id: bedriftId,
      kind: kreditnotaFor ? InvoiceKind.KREDITNOTA : InvoiceKind.FAKTURA,
      status: InvoiceStatus.UTKAST,
      kunde_kind: kunde.kind,
      kunde_navn: kunde.navn,
      kunde_epost: kunde.epost,
      kunde_organisasjonsnummer: kunde.organisasjonsnummer,
      kunde_kundenummer: kunde.kundenummer,
      kunde_subject: kundeSubject(commit.id, event.data),
      dato: osloDate(at),
      nummer: null,
      fakturanummer: null,
      kid: null,
      forfallsdato: null,
      netto: "0.00",
      mva: "0.00",
      brutto: "0.00",
      mva_per_sats: [],
      antall_per_sats: {},
      gebyrer: "0.00",
      renter: "0.00",
      betalt: "0.00",
      utestaende: "0.00",
      antall_purringer: 0,
      betalt_dato: null,
      kreditnota_for: kreditnotaFor?.invoiceId ?? null,
      kreditert_av: null,
      antall_linjer: 0,
      sendt_at: null,
      created_at: at,
      updated_at: at,
      created_position: commit.position,
      version: commit.version,
      position: commit.position,
    };
  }
  if (row === null) {
    throw new Error(
      `Invoice ${commit.id} has ${event.type} at position ${commit.position} before invoice.drafted`,
    );
  }
  const at = event.data.at;
  switch (event.type) {
    case "invoice.line_added": {
      const line = lineRow(commit.id, event.data.line, commit, idx);
      lines.add(line);
      return withRowLine(row, line, 1, at);
    }
    case "invoice.line_removed": {
      const line = lines.remove(commit.id, event.data.lineId, commit);
      return withRowLine(row, line, -1, at);
    }
    case "invoice.sent": {
      const d = event.data;
      return {
        ...row,
        status: InvoiceStatus.SENDT,
        nummer: d.number,
        fakturanummer: d.fakturanummer,
        kid: d.kid,
        dato: d.fakturadato,
        forfallsdato: d.forfallsdato,
        sendt_at: at,
        updated_at: at,
      };
    }
    case "invoice.payment_registered":
      return {
        ...row,
        status: InvoiceStatus.DELVIS_BETALT,
        betalt: add(row.betalt, event.data.amount),
        updated_at: at,
      };
    case "invoice.paid":
      return {
        ...row,
        status: InvoiceStatus.BETALT,
        betalt_dato: event.data.paidOn,
        updated_at: at,
      };
    case "invoice.reminded":
      return {
        ...row,
        status: new Decimal(row.betalt).greaterThan(0)
          ? InvoiceStatus.DELVIS_BETALT
          : InvoiceStatus.PURRET,
        gebyrer: add(row.gebyrer, event.data.gebyr),
        renter: add(row.renter, event.data.rente),
        antall_purringer: row.antall_purringer + 1,
        updated_at: at,
      };
    case "invoice.cancelled":
      return { ...row, status: InvoiceStatus.KANSELLERT, updated_at: at };
    case "invoice.kunde_erased":
      return { ...row, kunde_navn: null, kunde_epost: null, updated_at: at };
    case "invoice.credited":
      return {
        ...row,
        status: InvoiceStatus.KREDITERT,
        kreditert_av: event.data.creditNote.invoiceId,
        updated_at: at,
      };
  }
  throw new Error(`Unknown invoice event ${(event as InvoiceEvent).type}`);
}

/** A loaded row with timestamps as ISO strings (ready to be written back as JSON). */
export function invoiceFromDb(row: Record<string, unknown>): InvoiceRow {
  return {
    ...row,
    created_at: isoTimestamp(row.created_at),
    updated_at: isoTimestamp(row.updated_at),
    sendt_at: isoTimestampOrNull(row.sendt_at),
  } as InvoiceRow;
}

/**
 * Projection of Invoice events into `invoices` and `invoice_lines`;
 * idempotent per row by stream version (a line is only written by a commit
 * newer than its invoice's row). Version 2 follows the lifecycle (sent,
 * paid, reminded, cancelled, credited); version 3 moves the lines into
 * `invoice_lines`, keeps the totals running and adds the kunde's kind;
 * version 4 keeps a person's data subject and erases their name and e-mail
 * (`invoice.kunde_erased`: numbers and amounts stay).
 */
export const invoicesProjection: Projection = {
  name: INVOICES_PROJECTION,
  version: 4,
  eventTypes: INVOICE_EVENT_TYPES,
  tables: [INVOICES_PROJECTION, INVOICE_LINES_TABLE],
  migrations: MIGRATIONS,
  async apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    const ids = [...new Set(commits.map((c) => c.id))];
    const loaded = await tx.query(
      `SELECT ${SELECT} FROM invoices
       WHERE id = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))`,
      [JSON.stringify(ids)],
    );
    const rows = new Map(loaded.map((r) => [r.id as string, invoiceFromDb(r)]));
    const lines = await BatchLines.load(commits, tx);
    const changed = foldRows<InvoiceRow, InvoiceEvent>(
      commits,
      rows,
      (row, commit, event) => evolve(row, commit, event, lines),
    );
    if (changed.length === 0) return;
    await tx.query(UPSERT, [
      JSON.stringify(changed.map((id) => finish(rows.get(id)!))),
    ]);
    await lines.write(tx);
  },
};
