/** Queries of the `invoices` read model. */
import {
  containsPattern,
  newestFirstPage,
  prefixPattern,
  SqlParams,
} from "../../runtime/sql/mod.ts";
import type { ListOptions, Page, SqlExecutor } from "../../runtime/sql/mod.ts";
import { money } from "./money.ts";
import type { InvoiceTotals } from "./money.ts";
import { INVOICE_COLUMNS, invoiceFromDb } from "./projection.ts";
import type { InvoiceRow } from "./projection.ts";
import type { InvoiceKind, InvoiceStatus, Kunde } from "./types.ts";

/** An invoice as the list shows it; money as strings with two decimals. */
export interface InvoiceListItem {
  id: string;
  version: number;
  position: number;
  bedriftId: string;
  kind: InvoiceKind;
  status: InvoiceStatus;
  /** With the data subject of a `PRIVAT` kunde (`kundeSubject`). */
  kunde: Kunde & { subjectId: string | null };
  /** The invoice date once sent, else the day it was drafted (Norwegian time), `YYYY-MM-DD`. */
  dato: string;
  fakturanummer: string | null;
  kid: string | null;
  forfallsdato: string | null;
  antallLinjer: number;
  totals: InvoiceTotals;
  /** Reminder fees, interest, payments and what is owed now. */
  balance: {
    gebyrer: string;
    renter: string;
    betalt: string;
    utestaende: string;
  };
  antallPurringer: number;
  betaltDato: string | null;
  /** On a credit note: the invoice it credits. */
  kreditnotaFor: string | null;
  /** On a credited invoice: its credit note. */
  kreditertAv: string | null;
  sendtAt: string | null;
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

const LIST_SELECT = INVOICE_COLUMNS.map(([name]) => name)
  .filter((name) => name !== "antall_per_sats")
  .join(", ");

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
  options: ListOptions = {},
): Promise<Page<InvoiceListItem>> {
  const p = new SqlParams();
  if (filter.bedriftId) {
    p.where(`bedrift_id = ${p.add(filter.bedriftId)}::text`);
  }
  if (filter.status) p.where(`status = ${p.add(filter.status)}::text`);
  const kunde = filter.kunde?.trim();
  if (kunde) {
    const digits = kunde.replace(/\s+/g, "");
    const byName = `kunde_navn ILIKE ${p.add(containsPattern(kunde))}::text`;
    p.where(
      /^\d+$/.test(digits)
        ? `(${byName} OR kunde_organisasjonsnummer LIKE ${
          p.add(prefixPattern(digits))
        }::text)`
        : byName,
    );
  }
  if (filter.from) p.where(`dato >= ${p.add(isoDate(filter.from))}::date`);
  if (filter.to) p.where(`dato <= ${p.add(isoDate(filter.to))}::date`);
  return await newestFirstPage(
    db,
    {
      table: "invoices",
      select: LIST_SELECT,
      fromDb: invoiceFromDb,
      toItem: toItem,
    },
    p,
    filter,
    options,
  );
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

function toItem(row: InvoiceRow): InvoiceListItem {
  return {
    id: row.id,
    version: row.version,
    position: row.position,
    bedriftId: row.bedrift_id,
    kind: row.kind,
    status: row.status,
    kunde: {
      kind: row.kunde_kind,
      navn: row.kunde_navn,
      epost: row.kunde_epost,
      organisasjonsnummer: row.kunde_organisasjonsnummer,
      kundenummer: row.kunde_kundenummer,
      subjectId: row.kunde_subject,
    },
    dato: row.dato,
    fakturanummer: row.fakturanummer,
    kid: row.kid,
    forfallsdato: row.forfallsdato,
    antallLinjer: row.antall_linjer,
    totals: {
      netto: money(row.netto),
      mva: money(row.mva),
      brutto: money(row.brutto),
      perSats: row.mva_per_sats,
    },
    balance: {
      gebyrer: money(row.gebyrer),
      renter: money(row.renter),
      betalt: money(row.betalt),
      utestaende: money(row.utestaende),
    },
    antallPurringer: row.antall_purringer,
    betaltDato: row.betalt_dato,
    kreditnotaFor: row.kreditnota_for,
    kreditertAv: row.kreditert_av,
    sendtAt: row.sendt_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
