/**
 * Queries of the `bedrifter` read model: searchable by navn and
 * organisasjonsnummer, paged by (navn, id) in Norwegian alphabetical order.
 */
import { Decimal } from "../../deps.ts";
import {
  containsPattern,
  countRows,
  keysetPage,
  pageLimit,
  prefixPattern,
  readCursor,
  SqlParams,
  withTotal,
} from "../../runtime/sql/mod.ts";
import type { ListOptions, Page, SqlExecutor } from "../../runtime/sql/mod.ts";
import { BEDRIFT_SELECT, bedriftFromDb } from "./projection.ts";
import type { BedriftRow } from "./projection.ts";
import type { BedriftStatus, InvoiceSettings } from "./types.ts";

/** A bedrift as the list shows it (the shape of `GET /api/v1/bedrifter/:id`, plus its feed position). */
export interface BedriftListItem {
  id: string;
  version: number;
  position: number;
  organisasjonsnummer: string;
  navn: string;
  adresse: string | null;
  postnummer: string | null;
  poststed: string | null;
  telefon: string | null;
  epost: string | null;
  naeringskode: string | null;
  organisasjonsform: string | null;
  status: BedriftStatus;
  statusReason: string | null;
  invoiceSettings: InvoiceSettings;
  createdAt: string;
  updatedAt: string;
}

/** Filter of `listBedrifter`. */
export interface BedriftFilter {
  /** Only this bedrift (a tenant's own view of the list). */
  id?: string;
  status?: BedriftStatus;
  /** Part of the navn (any case), or the start of the organisasjonsnummer. */
  q?: string;
  /** 1–200, default 50. */
  limit?: number;
  cursor?: string | null;
}

/** Shape of the bedrifter cursor: (navn sort key, id). */
export const BEDRIFT_CURSOR = ["string", "string"] as const;

/**
 * Lists bedrifter in Norwegian alphabetical order of navn, keyset-paged on
 * (navn, id): a page never repeats or skips a row because others were
 * inserted meanwhile. Throws `TypeError` for a malformed cursor.
 *
 * @example
 * ```ts
 * const { items, nextCursor } = await listBedrifter(store, { status: "AKTIV", q: "trafikk" });
 * ```
 */
export async function listBedrifter(
  db: SqlExecutor,
  filter: BedriftFilter = {},
  options: ListOptions = {},
): Promise<Page<BedriftListItem>> {
  const limit = pageLimit(filter.limit);
  const p = new SqlParams();
  if (filter.id) p.where(`id = ${p.add(filter.id)}::text`);
  if (filter.status) p.where(`status = ${p.add(filter.status)}::text`);
  const q = filter.q?.trim();
  if (q) {
    const digits = q.replace(/\s+/g, "");
    p.where(
      /^\d+$/.test(digits)
        ? `(navn ILIKE ${
          p.add(containsPattern(q))
        }::text OR organisasjonsnummer LIKE ${
          p.add(prefixPattern(digits))
        }::text)`
        : `navn ILIKE ${p.add(containsPattern(q))}::text`,
    );
  }
  const total = await countRows(db, "bedrifter", p, options);
  if (filter.cursor) {
    const after = readCursor(filter.cursor, BEDRIFT_CURSOR);
    p.where(
      `(navn_sort, id) > (${p.add(after[0])}::text COLLATE "C", ${
        p.add(after[1])
      }::text COLLATE "C")`,
    );
  }
  const rows = await db.query(
    `SELECT ${BEDRIFT_SELECT} FROM bedrifter ${p.clause()}
     ORDER BY navn_sort, id LIMIT ${p.add(limit + 1)}::int`,
    p.values,
    options,
  );
  return withTotal(
    total,
    keysetPage(
      rows,
      limit,
      bedriftFromDb,
      toItem,
      (row) => [row.navn_sort, row.id],
    ),
  );
}

function toItem(row: BedriftRow): BedriftListItem {
  return {
    id: row.id,
    version: row.version,
    position: row.position,
    organisasjonsnummer: row.organisasjonsnummer,
    navn: row.navn,
    adresse: row.adresse,
    postnummer: row.postnummer,
    poststed: row.poststed,
    telefon: row.telefon,
    epost: row.epost,
    naeringskode: row.naeringskode,
    organisasjonsform: row.organisasjonsform,
    status: row.status,
    statusReason: row.status_reason,
    invoiceSettings: {
      fakturaPrefix: row.faktura_prefix,
      fakturaStartNummer: row.faktura_start_nummer,
      forfallsdager: row.forfallsdager,
      kontonummer: row.kontonummer,
      purregebyr: new Decimal(row.purregebyr).toFixed(2),
      mvaRegistrert: row.mva_registrert,
      kidAlgoritme: row.kid_algoritme,
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
