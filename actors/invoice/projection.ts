/**
 * The `invoices` read model: one row per invoice with exact `numeric` totals,
 * listed newest first, filtered by bedrift, status, customer and date.
 */
import {
  containsPattern,
  decodeCursor,
  encodeCursor,
  prefixPattern,
  SqlParams,
  upsertFromJson,
} from "../../runtime/mod.ts";
import type {
  Commit,
  Page,
  Projection,
  SignalOptions,
  SqlExecutor,
  UpsertColumn,
} from "../../runtime/mod.ts";
import { InvoiceStatus } from "./decider.ts";
import type { InvoiceEvent, InvoiceLine, Kunde } from "./decider.ts";
import { invoiceTotals, money } from "./money.ts";
import type { InvoiceTotals } from "./money.ts";

/** Name of the projection and of its table. */
export const INVOICES_PROJECTION = "invoices";

/** An invoice as the list shows it; money as strings with two decimals. */
export interface InvoiceListItem {
  id: string;
  version: number;
  position: number;
  bedriftId: string;
  status: InvoiceStatus;
  kunde: Kunde;
  /** Invoice date (the day it was drafted, Norwegian time), `YYYY-MM-DD`. */
  dato: string;
  antallLinjer: number;
  totals: InvoiceTotals;
  createdAt: string;
  updatedAt: string;
}

/** Filter of `listInvoices`. */
export interface InvoiceFilter {
  bedriftId?: string;
  status?: InvoiceStatus;
  /** Part of the customer's navn (any case), or the start of their organisasjonsnummer. */
  kunde?: string;
  /** First invoice date included, `YYYY-MM-DD`. */
  from?: string;
  /** Last invoice date included, `YYYY-MM-DD`. */
  to?: string;
  /** 1–200, default 50. */
  limit?: number;
  cursor?: string | null;
}

/** Shape of the invoices cursor: (created position, id). */
export const INVOICE_CURSOR = ["number", "string"] as const;

interface Row {
  id: string;
  bedrift_id: string;
  status: InvoiceStatus;
  kunde_navn: string;
  kunde_epost: string | null;
  kunde_organisasjonsnummer: string | null;
  dato: string;
  netto: string;
  mva: string;
  brutto: string;
  mva_per_sats: InvoiceTotals["perSats"];
  antall_linjer: number;
  lines: InvoiceLine[];
  created_at: string;
  updated_at: string;
  created_position: number;
  version: number;
  position: number;
}

const COLUMNS: readonly UpsertColumn[] = [
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
  ["lines", "jsonb"],
  ["created_at", "timestamptz"],
  ["updated_at", "timestamptz"],
  ["created_position", "bigint"],
  ["version", "integer"],
  ["position", "bigint"],
];
const SELECT = COLUMNS.map(([name]) => name).join(", ");
const LIST_SELECT = COLUMNS.map(([name]) => name).filter((n) => n !== "lines")
  .join(", ");
const UPSERT = upsertFromJson(INVOICES_PROJECTION, COLUMNS, ["id"]);

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

/** Sets lines and the totals computed from them (once per row and batch). */
function withTotals(row: Row): Row {
  const totals = invoiceTotals(row.lines);
  return {
    ...row,
    antall_linjer: row.lines.length,
    netto: totals.netto,
    mva: totals.mva,
    brutto: totals.brutto,
    mva_per_sats: totals.perSats,
  };
}

function evolve(row: Row | null, commit: Commit, event: InvoiceEvent): Row {
  if (event.v !== 1) {
    throw new Error(`Unsupported ${event.type} schema version ${event.v}`);
  }
  if (event.type === "invoice.drafted") {
    const { bedriftId, kunde, at } = event.data;
    return {
      id: commit.id,
      bedrift_id: bedriftId,
      status: InvoiceStatus.UTKAST,
      kunde_navn: kunde.navn,
      kunde_epost: kunde.epost ?? null,
      kunde_organisasjonsnummer: kunde.organisasjonsnummer ?? null,
      dato: osloDate(at),
      netto: "0.00",
      mva: "0.00",
      brutto: "0.00",
      mva_per_sats: [],
      antall_linjer: 0,
      lines: [],
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
  switch (event.type) {
    case "invoice.line_added": {
      const line = event.data.line;
      const lines = row.lines.filter((l) => l.lineId !== line.lineId);
      return { ...row, lines: [...lines, line], updated_at: event.data.at };
    }
    case "invoice.line_removed":
      return {
        ...row,
        lines: row.lines.filter((l) => l.lineId !== event.data.lineId),
        updated_at: event.data.at,
      };
  }
  throw new Error(`Unknown invoice event ${(event as InvoiceEvent).type}`);
}

function fromDb(row: Record<string, unknown>): Row {
  return {
    ...row,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  } as Row;
}

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

/** Projection of Invoice events into `invoices`; idempotent per row by stream version. */
export const invoicesProjection: Projection = {
  name: INVOICES_PROJECTION,
  eventTypes: ["invoice.drafted", "invoice.line_added", "invoice.line_removed"],
  tables: [INVOICES_PROJECTION],
  migrations: MIGRATIONS,
  async apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    const ids = [...new Set(commits.map((c) => c.id))];
    const loaded = await tx.query(
      `SELECT ${SELECT} FROM invoices
       WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))`,
      [JSON.stringify(ids)],
    );
    const rows = new Map(loaded.map((r) => [r.id as string, fromDb(r)]));
    const changed = new Set<string>();
    for (const commit of commits) {
      let row = rows.get(commit.id) ?? null;
      if (row && commit.version <= row.version) continue;
      for (const event of commit.events as InvoiceEvent[]) {
        row = evolve(row, commit, event);
      }
      if (row === null) continue;
      row.version = commit.version;
      row.position = commit.position;
      rows.set(commit.id, row);
      changed.add(commit.id);
    }
    if (changed.size === 0) return;
    await tx.query(UPSERT, [
      JSON.stringify([...changed].map((id) => withTotals(rows.get(id)!))),
    ]);
  },
};

/**
 * Lists invoices newest first, keyset-paged on (created position, id): new
 * invoices never shift later pages. Throws `TypeError` for a malformed cursor
 * and `RangeError` for a bad limit or date.
 *
 * @example
 * ```ts
 * const { items } = await listInvoices(store, { bedriftId, from: "2025-01-01", to: "2025-01-31" });
 * ```
 */
export async function listInvoices(
  db: SqlExecutor,
  filter: InvoiceFilter = {},
  options: SignalOptions = {},
): Promise<Page<InvoiceListItem>> {
  const limit = filter.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw new RangeError("Limit must be a whole number from 1 to 200");
  }
  const p = new SqlParams();
  if (filter.bedriftId) {
    p.where(`bedrift_id = ${p.add(filter.bedriftId)}::text`);
  }
  if (filter.status) p.where(`status = ${p.add(filter.status)}::text`);
  const kunde = filter.kunde?.trim();
  if (kunde) {
    const digits = kunde.replace(/\s+/g, "");
    p.where(
      /^\d+$/.test(digits)
        ? `(kunde_navn ILIKE ${
          p.add(containsPattern(kunde))
        }::text OR kunde_organisasjonsnummer LIKE ${
          p.add(prefixPattern(digits))
        }::text)`
        : `kunde_navn ILIKE ${p.add(containsPattern(kunde))}::text`,
    );
  }
  if (filter.from) p.where(`dato >= ${p.add(isoDate(filter.from))}::date`);
  if (filter.to) p.where(`dato <= ${p.add(isoDate(filter.to))}::date`);
  if (filter.cursor) {
    const after = decodeCursor(filter.cursor, INVOICE_CURSOR);
    if (!after) throw new TypeError("The cursor is not one this list gave out");
    p.where(
      `(created_position, id) < (${p.add(after[0])}::bigint, ${
        p.add(after[1])
      }::text COLLATE "C")`,
    );
  }
  const rows = await db.query(
    `SELECT ${LIST_SELECT} FROM invoices ${p.clause()}
     ORDER BY created_position DESC, id DESC LIMIT ${p.add(limit + 1)}::int`,
    p.values,
    options,
  );
  const page = rows.slice(0, limit).map(fromDb);
  const last = page[page.length - 1];
  return {
    items: page.map(toItem),
    nextCursor: rows.length > limit && last
      ? encodeCursor([last.created_position, last.id])
      : null,
  };
}

function isoDate(text: string): string {
  const time = new Date(`${text}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(time.getTime()) ||
    time.toISOString().slice(0, 10) !== text
  ) {
    throw new RangeError(`Not a date (YYYY-MM-DD): ${text}`);
  }
  return text;
}

function toItem(row: Row): InvoiceListItem {
  return {
    id: row.id,
    version: row.version,
    position: row.position,
    bedriftId: row.bedrift_id,
    status: row.status,
    kunde: {
      navn: row.kunde_navn,
      epost: row.kunde_epost,
      organisasjonsnummer: row.kunde_organisasjonsnummer,
    },
    dato: row.dato,
    antallLinjer: row.antall_linjer,
    totals: {
      netto: money(row.netto),
      mva: money(row.mva),
      brutto: money(row.brutto),
      perSats: row.mva_per_sats,
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
