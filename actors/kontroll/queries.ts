/** Queries of the `kontroller` read model. */
import {
  newestFirstPage,
  prefixPattern,
  SqlParams,
} from "../../runtime/sql/mod.ts";
import type { ListOptions, Page, SqlExecutor } from "../../runtime/sql/mod.ts";
import { KONTROLL_COLUMNS, kontrollFromDb } from "./projection.ts";
import type { KontrollRow } from "./projection.ts";
import type { Avvik, KontrollStatus } from "./types.ts";
import type { MalReference } from "../kontroll_mal/mod.ts";

/** A kontroll as the list shows it. */
export interface KontrollListItem {
  id: string;
  version: number;
  position: number;
  bedriftId: string;
  mal: MalReference;
  registreringsnummer: string;
  instructorId: string;
  learnerId: string | null;
  status: KontrollStatus;
  /** Check points in all, required, recorded, recorded as passed; photos attached. */
  counts: {
    punkter: number;
    pakrevde: number;
    registrert: number;
    bestatt: number;
    bilder: number;
    avvik: number;
  };
  /** The deviations of an `IKKE_BESTATT` kontroll (empty otherwise). */
  avvik: Avvik[];
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  completedBy: string | null;
  updatedAt: string;
}

/** Filter of `listKontroller`. */
export interface KontrollFilter {
  bedriftId?: string;
  status?: KontrollStatus;
  /** The start of the registreringsnummer (any case, spaces ignored). */
  registreringsnummer?: string;
  instructorId?: string;
  /** 1–200, default 50. */
  limit?: number;
  cursor?: string | null;
}

const LIST_SELECT = KONTROLL_COLUMNS.map(([name]) => name)
  .filter((name) => name !== "pakrevde_ikke_bestatt")
  .join(", ");

/**
 * Lists kontroller newest first, keyset-paged on (created position, id): new
 * kontroller never shift later pages. Throws `TypeError` for a malformed
 * cursor and `RangeError` for a bad limit.
 *
 * @example
 * ```ts
 * const { items } = await listKontroller(store, { bedriftId, status: "IKKE_BESTATT" });
 * ```
 */
export async function listKontroller(
  db: SqlExecutor,
  filter: KontrollFilter = {},
  options: ListOptions = {},
): Promise<Page<KontrollListItem>> {
  const p = new SqlParams();
  if (filter.bedriftId) {
    p.where(`bedrift_id = ${p.add(filter.bedriftId)}::text`);
  }
  if (filter.status) p.where(`status = ${p.add(filter.status)}::text`);
  if (filter.instructorId) {
    p.where(`instructor_id = ${p.add(filter.instructorId)}::text`);
  }
  const regnr = filter.registreringsnummer?.replace(/\s+/g, "").toUpperCase();
  if (regnr) {
    p.where(
      `registreringsnummer LIKE ${p.add(prefixPattern(regnr))}::text`,
    );
  }
  return await newestFirstPage(
    db,
    {
      table: "kontroller",
      select: LIST_SELECT,
      fromDb: kontrollFromDb,
      toItem: toItem,
    },
    p,
    filter,
    options,
  );
}

function toItem(row: KontrollRow): KontrollListItem {
  return {
    id: row.id,
    version: row.version,
    position: row.position,
    bedriftId: row.bedrift_id,
    mal: { id: row.mal_id, revision: row.mal_revision, navn: row.mal_navn },
    registreringsnummer: row.registreringsnummer,
    instructorId: row.instructor_id,
    learnerId: row.learner_id,
    status: row.status,
    counts: {
      punkter: row.antall_punkter,
      pakrevde: row.antall_pakrevde,
      registrert: row.antall_registrert,
      bestatt: row.antall_bestatt,
      bilder: row.antall_bilder,
      avvik: row.antall_avvik,
    },
    avvik: row.avvik,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    completedBy: row.completed_by,
    updatedAt: row.updated_at,
  };
}
