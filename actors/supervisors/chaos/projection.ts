/**
 * The `chaos_experiments` read model: one row per experiment with its
 * status, outcome and counts, for `GET /api/v<n>/chaos/experiments`.
 */
import {
  isoTimestamp,
  isoTimestampOrNull,
  upsertFromJson,
} from "../../../runtime/sql/mod.ts";
import { foldIntoTable } from "../../../runtime/projection/mod.ts";
import { assertCurrentVersion } from "../../../runtime/core/mod.ts";
import type { Commit } from "../../../runtime/core/mod.ts";
import type { Projection } from "../../../runtime/projection/mod.ts";
import type { SqlExecutor, UpsertColumn } from "../../../runtime/sql/mod.ts";
import { EXPERIMENT_EVENT_TYPES, ExperimentEventVersions } from "./events.ts";
import type { ExperimentEvent } from "./events.ts";
import { ExperimentStatus } from "./types.ts";
import type { AbortReason, Outcome } from "./types.ts";

/** Name of the projection and of its table. */
export const CHAOS_EXPERIMENTS_PROJECTION = "chaos_experiments";

/** A row of `chaos_experiments`. */
export interface ExperimentRow {
  id: string;
  title: string;
  status: ExperimentStatus;
  outcome: Outcome | null;
  abort_reason: AbortReason | null;
  blast_radius: number;
  forced: boolean;
  faults: number;
  deviations: number;
  created_by: string;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  created_position: number;
  version: number;
  position: number;
}

const COLUMNS: readonly UpsertColumn[] = [
  ["id", "text"],
  ["title", "text"],
  ["status", "text"],
  ["outcome", "text"],
  ["abort_reason", "text"],
  ["blast_radius", "double precision"],
  ["forced", "boolean"],
  ["faults", "integer"],
  ["deviations", "integer"],
  ["created_by", "text"],
  ["created_at", "timestamptz"],
  ["started_at", "timestamptz"],
  ["ended_at", "timestamptz"],
  ["created_position", "bigint"],
  ["version", "integer"],
  ["position", "bigint"],
];
/** The columns of a row, for queries. */
export const EXPERIMENT_SELECT = COLUMNS.map(([name]) => name).join(", ");
const UPSERT = upsertFromJson(CHAOS_EXPERIMENTS_PROJECTION, COLUMNS, ["id"]);

const MIGRATIONS = [{
  version: 1,
  name: "create chaos_experiments",
  sql: `
    CREATE TABLE chaos_experiments (
      id text COLLATE "C" PRIMARY KEY,
      title text NOT NULL,
      status text NOT NULL,
      outcome text,
      abort_reason text,
      blast_radius double precision NOT NULL,
      forced boolean NOT NULL,
      faults integer NOT NULL,
      deviations integer NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL,
      started_at timestamptz,
      ended_at timestamptz,
      created_position bigint NOT NULL,
      version integer NOT NULL,
      position bigint NOT NULL
    );
    CREATE INDEX chaos_experiments_created_idx
      ON chaos_experiments (created_position, id);
  `,
}];

function evolve(
  row: ExperimentRow | null,
  commit: Commit,
  event: ExperimentEvent,
): ExperimentRow {
  assertCurrentVersion(ExperimentEventVersions, event);
  if (event.type === "chaos.experiment_created") {
    const d = event.data;
    return {
      id: commit.id,
      title: d.definition.title,
      status: ExperimentStatus.CREATED,
      outcome: null,
      abort_reason: null,
      blast_radius: d.blastRadius,
      forced: d.forced,
      faults: 0,
      deviations: 0,
      created_by: d.createdBy,
      created_at: d.at,
      started_at: null,
      ended_at: null,
      created_position: commit.position,
      version: commit.version,
      position: commit.position,
    };
  }
  if (row === null) {
    throw new Error(
      `Experiment ${commit.id} has ${event.type} at position ${commit.position} before chaos.experiment_created`,
    );
  }
  switch (event.type) {
    case "chaos.experiment_started":
      return {
        ...row,
        status: ExperimentStatus.RUNNING,
        started_at: event.data.at,
      };
    case "chaos.fault_injected":
      return { ...row, faults: row.faults + 1 };
    case "chaos.deviated":
      return { ...row, deviations: row.deviations + 1 };
    case "chaos.aborted":
      return {
        ...row,
        status: ExperimentStatus.ABORTED,
        abort_reason: event.data.reason,
      };
    case "chaos.rolled_back":
      return { ...row, status: ExperimentStatus.ROLLED_BACK };
    case "chaos.completed":
      return {
        ...row,
        status: ExperimentStatus.COMPLETED,
        outcome: event.data.outcome,
        ended_at: event.data.at,
      };
    case "chaos.probe_checked":
      return row;
  }
}

/** A row as read from the database. */
export function experimentFromDb(row: Record<string, unknown>): ExperimentRow {
  return {
    ...row,
    created_at: isoTimestamp(row.created_at),
    started_at: isoTimestampOrNull(row.started_at),
    ended_at: isoTimestampOrNull(row.ended_at),
  } as ExperimentRow;
}

/** Projection of experiment events into `chaos_experiments`; idempotent per row. */
export const chaosExperimentsProjection: Projection = {
  name: CHAOS_EXPERIMENTS_PROJECTION,
  eventTypes: EXPERIMENT_EVENT_TYPES,
  tables: [CHAOS_EXPERIMENTS_PROJECTION],
  migrations: MIGRATIONS,
  apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    return foldIntoTable(commits, tx, {
      table: CHAOS_EXPERIMENTS_PROJECTION,
      select: EXPERIMENT_SELECT,
      upsert: UPSERT,
      fromDb: experimentFromDb,
      evolve,
    });
  },
};
