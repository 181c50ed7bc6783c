/**
 * The `bedrifter` read model: one row per bedrift, with a Norwegian sort key
 * of its navn. Its queries are in `queries.ts`.
 */
import { upsertFromJson } from "../../runtime/sql/mod.ts";
import { foldIntoTable } from "../../runtime/projection/mod.ts";
import { isoTimestamp } from "../../runtime/sql/mod.ts";
import { assertCurrentVersion } from "../../runtime/core/mod.ts";
import type { Commit } from "../../runtime/core/mod.ts";
import type { Projection } from "../../runtime/projection/mod.ts";
import type { SqlExecutor, UpsertColumn } from "../../runtime/sql/mod.ts";
import { BEDRIFT_EVENT_TYPES, BedriftEventVersions } from "./events.ts";
import type { BedriftEvent } from "./events.ts";
import { BEDRIFT_DETAIL_FIELDS, DEFAULT_INVOICE_SETTINGS } from "./types.ts";
import type { BedriftStatus, KidAlgorithm } from "./types.ts";

/** Name of the projection and of its table. */
export const BEDRIFTER_PROJECTION = "bedrifter";

/** A row of `bedrifter`. */
export interface BedriftRow {
  id: string;
  organisasjonsnummer: string;
  navn: string;
  navn_sort: string;
  status: BedriftStatus;
  status_reason: string | null;
  adresse: string | null;
  postnummer: string | null;
  poststed: string | null;
  telefon: string | null;
  epost: string | null;
  naeringskode: string | null;
  organisasjonsform: string | null;
  faktura_prefix: string;
  faktura_start_nummer: number;
  forfallsdager: number;
  kontonummer: string | null;
  purregebyr: string;
  mva_registrert: boolean;
  kid_algoritme: KidAlgorithm;
  created_at: string;
  updated_at: string;
  created_position: number;
  version: number;
  position: number;
}

const COLUMNS: readonly UpsertColumn[] = [
  ["id", "text"],
  ["organisasjonsnummer", "text"],
  ["navn", "text"],
  ["navn_sort", "text"],
  ["status", "text"],
  ["status_reason", "text"],
  ["adresse", "text"],
  ["postnummer", "text"],
  ["poststed", "text"],
  ["telefon", "text"],
  ["epost", "text"],
  ["naeringskode", "text"],
  ["organisasjonsform", "text"],
  ["faktura_prefix", "text"],
  ["faktura_start_nummer", "integer"],
  ["forfallsdager", "integer"],
  ["kontonummer", "text"],
  ["purregebyr", "numeric(12,2)"],
  ["mva_registrert", "boolean"],
  ["kid_algoritme", "text"],
  ["created_at", "timestamptz"],
  ["updated_at", "timestamptz"],
  ["created_position", "bigint"],
  ["version", "integer"],
  ["position", "bigint"],
];
/** The column list of `bedrifter`. */
export const BEDRIFT_SELECT = COLUMNS.map(([name]) => name).join(", ");
const UPSERT = upsertFromJson(BEDRIFTER_PROJECTION, COLUMNS, ["id"]);

const MIGRATIONS = [{
  version: 1,
  name: "create bedrifter",
  sql: `
    CREATE TABLE bedrifter (
      id text COLLATE "C" PRIMARY KEY,
      organisasjonsnummer text NOT NULL,
      navn text NOT NULL,
      navn_sort text COLLATE "C" NOT NULL,
      status text NOT NULL,
      status_reason text,
      adresse text,
      postnummer text,
      poststed text,
      telefon text,
      epost text,
      naeringskode text,
      organisasjonsform text,
      faktura_prefix text NOT NULL,
      faktura_start_nummer integer NOT NULL,
      forfallsdager integer NOT NULL,
      kontonummer text,
      purregebyr numeric(12,2) NOT NULL,
      mva_registrert boolean NOT NULL,
      kid_algoritme text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      created_position bigint NOT NULL,
      version integer NOT NULL,
      position bigint NOT NULL
    );
    CREATE INDEX bedrifter_navn_idx ON bedrifter (navn_sort, id);
    CREATE INDEX bedrifter_status_navn_idx ON bedrifter (status, navn_sort, id);
    CREATE INDEX bedrifter_organisasjonsnummer_idx
      ON bedrifter (organisasjonsnummer text_pattern_ops);
  `,
}];

/**
 * Sort key of a name in Norwegian alphabetical order under the "C" collation
 * (so both backends order alike): case and accents folded, æ ø å after z.
 */
export function norwegianSortKey(text: string): string {
  return text.trim().toLocaleLowerCase("nb")
    .replace(
      /[æäøöå]/g,
      (c) => ({ æ: "{", ä: "{", ø: "|", ö: "|", å: "}" })[c] ?? c,
    )
    .normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}

/** Folds the events of one commit into a row (null: not registered yet). */
function evolve(
  row: BedriftRow | null,
  commit: Commit,
  event: BedriftEvent,
): BedriftRow {
  assertCurrentVersion(BedriftEventVersions, event);
  if (event.type === "bedrift.registered") {
    const { organisasjonsnummer, details, at } = event.data;
    const settings = DEFAULT_INVOICE_SETTINGS;
    return {
      id: commit.id,
      organisasjonsnummer,
      navn: details.navn,
      navn_sort: norwegianSortKey(details.navn),
      status: "AKTIV",
      status_reason: null,
      adresse: details.adresse ?? null,
      postnummer: details.postnummer ?? null,
      poststed: details.poststed ?? null,
      telefon: details.telefon ?? null,
      epost: details.epost ?? null,
      naeringskode: details.naeringskode ?? null,
      organisasjonsform: details.organisasjonsform ?? null,
      faktura_prefix: settings.fakturaPrefix,
      faktura_start_nummer: settings.fakturaStartNummer,
      forfallsdager: settings.forfallsdager,
      kontonummer: settings.kontonummer,
      purregebyr: settings.purregebyr,
      mva_registrert: settings.mvaRegistrert,
      kid_algoritme: settings.kidAlgoritme,
      created_at: at,
      updated_at: at,
      created_position: commit.position,
      version: commit.version,
      position: commit.position,
    };
  }
  if (row === null) {
    throw new Error(
      `Bedrift ${commit.id} has ${event.type} at position ${commit.position} before bedrift.registered`,
    );
  }
  switch (event.type) {
    case "bedrift.updated": {
      const next = { ...row, updated_at: event.data.at };
      for (const key of BEDRIFT_DETAIL_FIELDS) {
        const value = event.data.changes[key];
        if (value !== undefined) (next as Record<string, unknown>)[key] = value;
      }
      next.navn_sort = norwegianSortKey(next.navn);
      return next;
    }
    case "bedrift.status_changed":
      return {
        ...row,
        status: event.data.to,
        status_reason: event.data.reason,
        updated_at: event.data.at,
      };
    case "bedrift.invoice_settings_changed": {
      const c = event.data.changes;
      return {
        ...row,
        faktura_prefix: c.fakturaPrefix ?? row.faktura_prefix,
        faktura_start_nummer: c.fakturaStartNummer ?? row.faktura_start_nummer,
        forfallsdager: c.forfallsdager ?? row.forfallsdager,
        kontonummer: c.kontonummer !== undefined
          ? c.kontonummer
          : row.kontonummer,
        purregebyr: c.purregebyr ?? row.purregebyr,
        mva_registrert: c.mvaRegistrert ?? row.mva_registrert,
        kid_algoritme: c.kidAlgoritme ?? row.kid_algoritme,
        updated_at: event.data.at,
      };
    }
  }
  throw new Error(`Unknown bedrift event ${(event as BedriftEvent).type}`);
}

/** A loaded row as JSON-ready values (timestamps as ISO strings). */
export function bedriftFromDb(row: Record<string, unknown>): BedriftRow {
  return {
    ...row,
    created_at: isoTimestamp(row.created_at),
    updated_at: isoTimestamp(row.updated_at),
  } as BedriftRow;
}

/** Projection of Bedrift events into `bedrifter`; idempotent per row by stream version. */
export const bedrifterProjection: Projection = {
  name: BEDRIFTER_PROJECTION,
  eventTypes: BEDRIFT_EVENT_TYPES,
  tables: [BEDRIFTER_PROJECTION],
  migrations: MIGRATIONS,
  apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    return foldIntoTable(commits, tx, {
      table: "bedrifter",
      select: BEDRIFT_SELECT,
      upsert: UPSERT,
      fromDb: bedriftFromDb,
      evolve,
    });
  },
};
