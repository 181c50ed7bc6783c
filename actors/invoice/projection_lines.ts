/**
 * The `invoice_lines` table of the `invoices` projection: one row per line
 * an invoice holds, inserted when a line is added and deleted when it is
 * removed. A batch reads only the lines it removes.
 */
import type { Commit } from "../../runtime/core/mod.ts";
import type { SqlExecutor, UpsertColumn } from "../../runtime/sql/mod.ts";
import type { MvaRate } from "./money.ts";
import type { InvoiceEvent } from "./events.ts";
import type { InvoiceLine } from "./types.ts";

/** The table of invoice lines, one row per line an invoice holds. */
export const INVOICE_LINES_TABLE = "invoice_lines";

/**
 * A row of `invoice_lines`: one line an invoice holds, with its rounded
 * amounts; ordered on the invoice by (`version`, `idx`), the commit that
 * added it and the event's place in it.
 */
export interface InvoiceLineRow {
  invoice_id: string;
  /** The line id. */
  id: string;
  beskrivelse: string;
  antall: string;
  enhetspris: string;
  mva_sats: MvaRate;
  netto: string;
  mva: string;
  brutto: string;
  version: number;
  idx: number;
  position: number;
}

const LINE_COLUMNS: readonly UpsertColumn[] = [
  ["invoice_id", "text"],
  ["id", "text"],
  ["beskrivelse", "text"],
  ["antall", "numeric(14,3)"],
  ["enhetspris", "numeric(14,2)"],
  ["mva_sats", "integer"],
  ["netto", "numeric(14,2)"],
  ["mva", "numeric(14,2)"],
  ["brutto", "numeric(14,2)"],
  ["version", "integer"],
  ["idx", "integer"],
  ["position", "bigint"],
];
const LINE_NAMES = LINE_COLUMNS.map(([name]) => name).join(", ");
const LINE_RECORD = LINE_COLUMNS.map(([name, type]) => `${name} ${type}`).join(
  ", ",
);
// A line is written once and deleted once; a conflict means the log and the
// table disagree, and the batch must fail rather than double a total.
const INSERT_LINES = `INSERT INTO ${INVOICE_LINES_TABLE} (${LINE_NAMES})
  SELECT ${LINE_NAMES} FROM jsonb_to_recordset($1::jsonb) AS x(${LINE_RECORD})`;
// The keys as two arrays joined with `unnest`: the planner expects few
// and probes the primary key, where `(invoice_id, id) IN (SELECT … FROM
// jsonb_to_recordset(…))` hashed them against a sequential scan of every
// line of every invoice (measured: 0.74× at 150 lines a draft).
const KEYS = `unnest(
    ARRAY(SELECT jsonb_array_elements_text($1::jsonb)),
    ARRAY(SELECT jsonb_array_elements_text($2::jsonb))
  ) AS k(invoice_id, id)`;
const SELECT_LINES = `SELECT ${
  LINE_COLUMNS.map(([name]) => `l.${name}`).join(", ")
} FROM ${KEYS}
  JOIN ${INVOICE_LINES_TABLE} l ON l.invoice_id = k.invoice_id AND l.id = k.id`;
const DELETE_LINES = `DELETE FROM ${INVOICE_LINES_TABLE} l USING ${KEYS}
  WHERE l.invoice_id = k.invoice_id AND l.id = k.id`;

/** Keys as the `$1`, `$2` of `KEYS`: invoice ids and line ids, in step. */
function keyParams(
  keys: Iterable<{ invoice_id: string; id: string }>,
): [string, string] {
  const invoices: string[] = [];
  const lines: string[] = [];
  for (const key of keys) {
    invoices.push(key.invoice_id);
    lines.push(key.id);
  }
  return [JSON.stringify(invoices), JSON.stringify(lines)];
}

/** A loaded line with its numbers as the fold writes them back. */
function lineFromDb(row: Record<string, unknown>): InvoiceLineRow {
  return {
    ...row,
    mva_sats: Number(row.mva_sats) as MvaRate,
    version: Number(row.version),
    idx: Number(row.idx),
    position: Number(row.position),
  } as InvoiceLineRow;
}

/** The lines one batch reads, adds and deletes, keyed by invoice and line id. */
export class BatchLines {
  /** Lines held before the batch that it removes (loaded), and lines it added. */
  readonly held = new Map<string, InvoiceLineRow>();
  readonly inserts = new Map<string, InvoiceLineRow>();
  readonly deletes = new Map<string, { invoice_id: string; id: string }>();
  #commit: Commit | null = null;
  #index = 0;

  static key(invoiceId: string, lineId: string): string {
    return JSON.stringify([invoiceId, lineId]);
  }

  /** The lines `commits` remove that the table holds: the only ones read. */
  static async load(
    commits: readonly Commit[],
    tx: SqlExecutor,
  ): Promise<BatchLines> {
    const lines = new BatchLines();
    const removed = new Map<string, { invoice_id: string; id: string }>();
    for (const commit of commits) {
      for (const event of commit.events as InvoiceEvent[]) {
        if (event.type !== "invoice.line_removed") continue;
        const key = BatchLines.key(commit.id, event.data.lineId);
        removed.set(key, { invoice_id: commit.id, id: event.data.lineId });
      }
    }
    if (removed.size === 0) return lines;
    const held = await tx.query(SELECT_LINES, keyParams(removed.values()));
    for (const line of held.map(lineFromDb)) {
      lines.held.set(BatchLines.key(line.invoice_id, line.id), line);
    }
    return lines;
  }

  /** Deletes the lines removed and inserts those added (in that order). */
  async write(tx: SqlExecutor): Promise<void> {
    if (this.deletes.size > 0) {
      await tx.query(DELETE_LINES, keyParams(this.deletes.values()));
    }
    if (this.inserts.size > 0) {
      await tx.query(INSERT_LINES, [
        JSON.stringify([...this.inserts.values()]),
      ]);
    }
  }

  /** The place of the current event in its commit (the fold calls in order). */
  eventIndex(commit: Commit): number {
    if (this.#commit !== commit) {
      this.#commit = commit;
      this.#index = 0;
    }
    return this.#index++;
  }

  add(line: InvoiceLineRow): void {
    const key = BatchLines.key(line.invoice_id, line.id);
    this.held.set(key, line);
    this.inserts.set(key, line);
  }

  remove(invoiceId: string, lineId: string, commit: Commit): InvoiceLineRow {
    const key = BatchLines.key(invoiceId, lineId);
    const line = this.held.get(key);
    if (!line) {
      throw new Error(
        `Invoice ${invoiceId} removes line ${lineId} at position ${commit.position}, which it does not hold`,
      );
    }
    this.held.delete(key);
    // Added in this batch: never written, unless it replaced a stored one.
    if (!this.inserts.delete(key)) {
      this.deletes.set(key, { invoice_id: invoiceId, id: lineId });
    }
    return line;
  }
}

/** The row of a line an event adds, at its place in the commit. */
export function lineRow(
  invoiceId: string,
  line: InvoiceLine,
  commit: Commit,
  idx: number,
): InvoiceLineRow {
  return {
    invoice_id: invoiceId,
    id: line.lineId,
    beskrivelse: line.beskrivelse,
    antall: line.antall,
    enhetspris: line.enhetspris,
    mva_sats: line.mvaSats,
    netto: line.netto,
    mva: line.mva,
    brutto: line.brutto,
    version: commit.version,
    idx,
    position: commit.position,
  };
}
