/**
 * The `kontroller` read model: one row per kontroll (vehicle safety check)
 * with its progress counts, through its whole lifecycle.
 */
import { upsertFromJson } from "../../runtime/sql/mod.ts";
import { foldIntoTable } from "../../runtime/projection/mod.ts";
import { isoTimestamp, isoTimestampOrNull } from "../../runtime/sql/mod.ts";
import { assertCurrentVersion } from "../../runtime/core/mod.ts";
import type { Commit } from "../../runtime/core/mod.ts";
import type { Projection } from "../../runtime/projection/mod.ts";
import type { SqlExecutor, UpsertColumn } from "../../runtime/sql/mod.ts";
import { KONTROLL_EVENT_TYPES, KontrollEventVersions } from "./events.ts";
import type { KontrollEvent } from "./events.ts";
import { KontrollStatus } from "./types.ts";
import type { Avvik } from "./types.ts";

/** Name of the projection and of its table. */
export const KONTROLLER_PROJECTION = "kontroller";

/** Progress of one check point as the read model keeps it. */
export interface KontrollPointProgress {
  id: string;
  required: boolean;
  /** The latest recorded verdict; null until recorded. */
  passed: boolean | null;
  photos: number;
}

/** A row of `kontroller`. */
export interface KontrollRow {
  id: string;
  bedrift_id: string;
  mal_id: string;
  mal_revision: number;
  mal_navn: string;
  registreringsnummer: string;
  instructor_id: string;
  learner_id: string | null;
  status: KontrollStatus;
  antall_punkter: number;
  antall_pakrevde: number;
  antall_registrert: number;
  antall_bestatt: number;
  antall_bilder: number;
  /**
   * Failed: the avvik listed at completion. Otherwise the required points
   * recorded as not passed so far (0 once passed).
   */
  antall_avvik: number;
  points: KontrollPointProgress[];
  avvik: Avvik[];
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  completed_by: string | null;
  updated_at: string;
  created_position: number;
  version: number;
  position: number;
}

/** Columns of `kontroller` with their SQL types, in table order. */
export const KONTROLL_COLUMNS: readonly UpsertColumn[] = [
  ["id", "text"],
  ["bedrift_id", "text"],
  ["mal_id", "text"],
  ["mal_revision", "integer"],
  ["mal_navn", "text"],
  ["registreringsnummer", "text"],
  ["instructor_id", "text"],
  ["learner_id", "text"],
  ["status", "text"],
  ["antall_punkter", "integer"],
  ["antall_pakrevde", "integer"],
  ["antall_registrert", "integer"],
  ["antall_bestatt", "integer"],
  ["antall_bilder", "integer"],
  ["antall_avvik", "integer"],
  ["points", "jsonb"],
  ["avvik", "jsonb"],
  ["created_at", "timestamptz"],
  ["started_at", "timestamptz"],
  ["completed_at", "timestamptz"],
  ["completed_by", "text"],
  ["updated_at", "timestamptz"],
  ["created_position", "bigint"],
  ["version", "integer"],
  ["position", "bigint"],
];
const SELECT = KONTROLL_COLUMNS.map(([name]) => name).join(", ");
const UPSERT = upsertFromJson(KONTROLLER_PROJECTION, KONTROLL_COLUMNS, ["id"]);

const MIGRATIONS = [{
  version: 1,
  name: "create kontroller",
  sql: `
    CREATE TABLE kontroller (
      id text COLLATE "C" PRIMARY KEY,
      bedrift_id text NOT NULL,
      mal_id text NOT NULL,
      mal_revision integer NOT NULL,
      mal_navn text NOT NULL,
      registreringsnummer text COLLATE "C" NOT NULL,
      instructor_id text NOT NULL,
      learner_id text,
      status text NOT NULL,
      antall_punkter integer NOT NULL,
      antall_pakrevde integer NOT NULL,
      antall_registrert integer NOT NULL,
      antall_bestatt integer NOT NULL,
      antall_bilder integer NOT NULL,
      antall_avvik integer NOT NULL,
      points jsonb NOT NULL,
      avvik jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      started_at timestamptz,
      completed_at timestamptz,
      completed_by text,
      updated_at timestamptz NOT NULL,
      created_position bigint NOT NULL,
      version integer NOT NULL,
      position bigint NOT NULL
    );
    CREATE INDEX kontroller_created_idx
      ON kontroller (created_position DESC, id DESC);
    CREATE INDEX kontroller_bedrift_idx
      ON kontroller (bedrift_id, created_position DESC, id DESC);
    CREATE INDEX kontroller_status_idx
      ON kontroller (status, created_position DESC, id DESC);
    CREATE INDEX kontroller_instructor_idx
      ON kontroller (instructor_id, created_position DESC, id DESC);
    CREATE INDEX kontroller_registreringsnummer_idx
      ON kontroller (registreringsnummer text_pattern_ops);
  `,
}];

/** Counts from the points (once per row and batch). */
function finish(row: KontrollRow): KontrollRow {
  const recorded = row.points.filter((p) => p.passed !== null);
  const open = row.status === KontrollStatus.OPPRETTET ||
    row.status === KontrollStatus.UNDER_ARBEID;
  return {
    ...row,
    antall_punkter: row.points.length,
    antall_pakrevde: row.points.filter((p) => p.required).length,
    antall_registrert: recorded.length,
    antall_bestatt: recorded.filter((p) => p.passed).length,
    antall_bilder: row.points.reduce((n, p) => n + p.photos, 0),
    antall_avvik: row.status === KontrollStatus.IKKE_BESTATT
      ? row.avvik.length
      : open
      ? recorded.filter((p) => p.required && !p.passed).length
      : 0,
  };
}

function evolve(
  row: KontrollRow | null,
  commit: Commit,
  event: KontrollEvent,
): KontrollRow {
  assertCurrentVersion(KontrollEventVersions, event);
  if (event.type === "kontroll.created") {
    const d = event.data;
    return {
      id: commit.id,
      bedrift_id: d.bedriftId,
      mal_id: d.mal.id,
      mal_revision: d.mal.revision,
      mal_navn: d.mal.navn,
      registreringsnummer: d.registreringsnummer,
      instructor_id: d.instructorId,
      learner_id: d.learnerId,
      status: KontrollStatus.OPPRETTET,
      antall_punkter: 0,
      antall_pakrevde: 0,
      antall_registrert: 0,
      antall_bestatt: 0,
      antall_bilder: 0,
      antall_avvik: 0,
      points: d.sjekkpunkter.map((p) => ({
        id: p.id,
        required: p.required,
        passed: null,
        photos: 0,
      })),
      avvik: [],
      created_at: d.createdAt,
      started_at: null,
      completed_at: null,
      completed_by: null,
      updated_at: d.createdAt,
      created_position: commit.position,
      version: commit.version,
      position: commit.position,
    };
  }
  if (row === null) {
    throw new Error(
      `Kontroll ${commit.id} has ${event.type} at position ${commit.position} before kontroll.created`,
    );
  }
  switch (event.type) {
    case "kontroll.point_recorded": {
      const { pointId, passed, recordedAt } = event.data;
      return {
        ...row,
        status: KontrollStatus.UNDER_ARBEID,
        started_at: row.started_at ?? recordedAt,
        points: row.points.map((p) => p.id === pointId ? { ...p, passed } : p),
        updated_at: recordedAt,
      };
    }
    case "kontroll.photo_attached": {
      const { pointId, attachedAt } = event.data;
      return {
        ...row,
        points: row.points.map((p) =>
          p.id === pointId ? { ...p, photos: p.photos + 1 } : p
        ),
        updated_at: attachedAt,
      };
    }
    case "kontroll.completed":
      return {
        ...row,
        status: KontrollStatus.BESTATT,
        completed_at: event.data.completedAt,
        completed_by: event.data.completedBy,
        updated_at: event.data.completedAt,
      };
    case "kontroll.failed":
      return {
        ...row,
        status: KontrollStatus.IKKE_BESTATT,
        avvik: event.data.avvik,
        completed_at: event.data.completedAt,
        completed_by: event.data.completedBy,
        updated_at: event.data.completedAt,
      };
  }
  throw new Error(`Unknown kontroll event ${(event as KontrollEvent).type}`);
}

/** A loaded row with timestamps as ISO strings (ready to be written back as JSON). */
export function kontrollFromDb(row: Record<string, unknown>): KontrollRow {
  return {
    ...row,
    created_at: isoTimestamp(row.created_at),
    updated_at: isoTimestamp(row.updated_at),
    started_at: isoTimestampOrNull(row.started_at),
    completed_at: isoTimestampOrNull(row.completed_at),
  } as KontrollRow;
}

/** Projection of Kontroll events into `kontroller`; idempotent per row by stream version. */
export const kontrollerProjection: Projection = {
  name: KONTROLLER_PROJECTION,
  eventTypes: KONTROLL_EVENT_TYPES,
  tables: [KONTROLLER_PROJECTION],
  migrations: MIGRATIONS,
  apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    return foldIntoTable(commits, tx, {
      table: "kontroller",
      select: SELECT,
      upsert: UPSERT,
      fromDb: kontrollFromDb,
      evolve,
      toDb: finish,
    });
  },
};
