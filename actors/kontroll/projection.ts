/**
 * The `kontroller` read model: one row per kontroll (vehicle safety check)
 * with its progress counts, through its whole lifecycle, and its check
 * points in `kontroll_points`, one row each. A batch reads the rows of the
 * kontroller it touches and the points it records on, writes those rows and
 * points, and moves the counts by what each event changed — never a pass
 * over all points.
 */
import { upsertFromJson } from "../../runtime/sql/mod.ts";
import { foldRows } from "../../runtime/projection/mod.ts";
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
/** The table of check points, one row per point of a kontroll. */
export const KONTROLL_POINTS_TABLE = "kontroll_points";

/** Progress of one check point: a row of `kontroll_points`. */
export interface KontrollPointProgress {
  kontroll_id: string;
  /** The point id. */
  id: string;
  /** The point's place in the checklist. */
  idx: number;
  required: boolean;
  /** The latest recorded verdict; null until recorded. */
  passed: boolean | null;
  photos: number;
  /** Stream version and feed position of the last change. */
  version: number;
  position: number;
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
  /** Required points whose latest verdict is not passed (kept as they change). */
  pakrevde_ikke_bestatt: number;
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
  ["avvik", "jsonb"],
  ["created_at", "timestamptz"],
  ["started_at", "timestamptz"],
  ["completed_at", "timestamptz"],
  ["completed_by", "text"],
  ["updated_at", "timestamptz"],
  ["created_position", "bigint"],
  ["version", "integer"],
  ["position", "bigint"],
  ["pakrevde_ikke_bestatt", "integer"],
];
const SELECT = KONTROLL_COLUMNS.map(([name]) => name).join(", ");
const UPSERT = upsertFromJson(KONTROLLER_PROJECTION, KONTROLL_COLUMNS, ["id"]);

const POINT_COLUMNS: readonly UpsertColumn[] = [
  ["kontroll_id", "text"],
  ["id", "text"],
  ["idx", "integer"],
  ["required", "boolean"],
  ["passed", "boolean"],
  ["photos", "integer"],
  ["version", "integer"],
  ["position", "bigint"],
];
const UPSERT_POINTS = upsertFromJson(KONTROLL_POINTS_TABLE, POINT_COLUMNS, [
  "kontroll_id",
  "id",
]);
// The keys as two arrays joined with `unnest`, so the planner probes the
// primary key rather than hashing them against every point of every
// kontroll (see invoice_lines).
const SELECT_POINTS = `SELECT ${
  POINT_COLUMNS.map(([name]) => `p.${name}`).join(", ")
} FROM unnest(
    ARRAY(SELECT jsonb_array_elements_text($1::jsonb)),
    ARRAY(SELECT jsonb_array_elements_text($2::jsonb))
  ) AS k(kontroll_id, id)
  JOIN ${KONTROLL_POINTS_TABLE} p ON p.kontroll_id = k.kontroll_id AND p.id = k.id`;

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
}, {
  version: 2,
  name: "points in kontroll_points, counts kept as they change",
  sql: `
    CREATE TABLE kontroll_points (
      kontroll_id text COLLATE "C" NOT NULL,
      id text COLLATE "C" NOT NULL,
      idx integer NOT NULL,
      required boolean NOT NULL,
      passed boolean,
      photos integer NOT NULL,
      version integer NOT NULL,
      position bigint NOT NULL,
      PRIMARY KEY (kontroll_id, id)
    );
    ALTER TABLE kontroller
      ADD COLUMN pakrevde_ikke_bestatt integer NOT NULL DEFAULT 0,
      DROP COLUMN points;
  `,
}];

/** `antall_avvik` by status: the avvik listed, or the required points not passed so far. */
function finish(row: KontrollRow): KontrollRow {
  const open = row.status === KontrollStatus.OPPRETTET ||
    row.status === KontrollStatus.UNDER_ARBEID;
  return {
    ...row,
    antall_avvik: row.status === KontrollStatus.IKKE_BESTATT
      ? row.avvik.length
      : open
      ? row.pakrevde_ikke_bestatt
      : 0,
  };
}

/** The points one batch reads and writes, keyed by kontroll and point id. */
class BatchPoints {
  readonly held = new Map<string, KontrollPointProgress>();
  readonly changed = new Set<string>();

  static key(kontrollId: string, pointId: string): string {
    return JSON.stringify([kontrollId, pointId]);
  }

  /** The points `commits` record on or attach photos to that the table holds. */
  static async load(
    commits: readonly Commit[],
    tx: SqlExecutor,
  ): Promise<BatchPoints> {
    const points = new BatchPoints();
    const touched = new Map<string, { kontroll_id: string; id: string }>();
    for (const commit of commits) {
      for (const event of commit.events as KontrollEvent[]) {
        if (
          event.type !== "kontroll.point_recorded" &&
          event.type !== "kontroll.photo_attached"
        ) continue;
        const key = BatchPoints.key(commit.id, event.data.pointId);
        touched.set(key, { kontroll_id: commit.id, id: event.data.pointId });
      }
    }
    if (touched.size === 0) return points;
    const keys = [...touched.values()];
    const rows = await tx.query(SELECT_POINTS, [
      JSON.stringify(keys.map((k) => k.kontroll_id)),
      JSON.stringify(keys.map((k) => k.id)),
    ]);
    for (const row of rows) {
      const point = row as unknown as KontrollPointProgress;
      points.held.set(BatchPoints.key(point.kontroll_id, point.id), {
        ...point,
        idx: Number(point.idx),
        photos: Number(point.photos),
        version: Number(point.version),
        position: Number(point.position),
      });
    }
    return points;
  }

  /** The point as it stands, changed by `change` at `commit`. */
  update(
    commit: Commit,
    pointId: string,
    change: (point: KontrollPointProgress) => Partial<KontrollPointProgress>,
  ): { before: KontrollPointProgress; after: KontrollPointProgress } {
    const key = BatchPoints.key(commit.id, pointId);
    const before = this.held.get(key);
    if (!before) {
      throw new Error(
        `Kontroll ${commit.id} has no check point ${pointId} (position ${commit.position})`,
      );
    }
    const after = {
      ...before,
      ...change(before),
      version: commit.version,
      position: commit.position,
    };
    this.set(after);
    return { before, after };
  }

  set(point: KontrollPointProgress): void {
    const key = BatchPoints.key(point.kontroll_id, point.id);
    this.held.set(key, point);
    this.changed.add(key);
  }

  async write(tx: SqlExecutor): Promise<void> {
    if (this.changed.size === 0) return;
    await tx.query(UPSERT_POINTS, [
      JSON.stringify([...this.changed].map((key) => this.held.get(key))),
    ]);
  }
}

const count = (yes: boolean) => (yes ? 1 : 0);

function evolve(
  row: KontrollRow | null,
  commit: Commit,
  event: KontrollEvent,
  points: BatchPoints,
): KontrollRow {
  assertCurrentVersion(KontrollEventVersions, event);
  if (event.type === "kontroll.created") {
    const d = event.data;
    for (const [idx, p] of d.sjekkpunkter.entries()) {
      points.set({
        kontroll_id: commit.id,
        id: p.id,
        idx,
        required: p.required,
        passed: null,
        photos: 0,
        version: commit.version,
        position: commit.position,
      });
    }
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
      antall_punkter: d.sjekkpunkter.length,
      antall_pakrevde: d.sjekkpunkter.filter((p) => p.required).length,
      antall_registrert: 0,
      antall_bestatt: 0,
      antall_bilder: 0,
      antall_avvik: 0,
      pakrevde_ikke_bestatt: 0,
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
      const { before } = points.update(commit, pointId, () => ({ passed }));
      const required = before.required;
      return {
        ...row,
        status: KontrollStatus.UNDER_ARBEID,
        started_at: row.started_at ?? recordedAt,
        antall_registrert: row.antall_registrert +
          count(before.passed === null),
        antall_bestatt: row.antall_bestatt + count(passed) -
          count(before.passed === true),
        pakrevde_ikke_bestatt: row.pakrevde_ikke_bestatt +
          count(required && !passed) -
          count(required && before.passed === false),
        updated_at: recordedAt,
      };
    }
    case "kontroll.photo_attached": {
      const { pointId, attachedAt } = event.data;
      points.update(commit, pointId, (p) => ({ photos: p.photos + 1 }));
      return {
        ...row,
        antall_bilder: row.antall_bilder + 1,
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

/**
 * Projection of Kontroll events into `kontroller` and `kontroll_points`;
 * idempotent per row by stream version (points are only written by commits
 * newer than their kontroll's row). Version 2 moves the points into
 * `kontroll_points` and keeps the counts as they change.
 */
export const kontrollerProjection: Projection = {
  name: KONTROLLER_PROJECTION,
  version: 2,
  eventTypes: KONTROLL_EVENT_TYPES,
  tables: [KONTROLLER_PROJECTION, KONTROLL_POINTS_TABLE],
  migrations: MIGRATIONS,
  async apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    const ids = [...new Set(commits.map((c) => c.id))];
    const loaded = await tx.query(
      `SELECT ${SELECT} FROM kontroller
       WHERE id = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))`,
      [JSON.stringify(ids)],
    );
    const rows = new Map(
      loaded.map((r) => [r.id as string, kontrollFromDb(r)]),
    );
    const points = await BatchPoints.load(commits, tx);
    const changed = foldRows<KontrollRow, KontrollEvent>(
      commits,
      rows,
      (row, commit, event) => evolve(row, commit, event, points),
    );
    if (changed.length === 0) return;
    await tx.query(UPSERT, [
      JSON.stringify(changed.map((id) => finish(rows.get(id)!))),
    ]);
    await points.write(tx);
  },
};
