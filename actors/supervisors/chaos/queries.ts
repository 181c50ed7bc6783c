/** Queries of the `chaos_experiments` read model. */
import { newestFirstPage, SqlParams } from "../../../runtime/sql/mod.ts";
import type {
  ListOptions,
  Page,
  SqlExecutor,
} from "../../../runtime/sql/mod.ts";
import { EXPERIMENT_SELECT, experimentFromDb } from "./projection.ts";
import type { ExperimentRow } from "./projection.ts";
import type { AbortReason, ExperimentStatus, Outcome } from "./types.ts";

/** An experiment as the list shows it. */
export interface ExperimentListItem {
  id: string;
  version: number;
  title: string;
  status: ExperimentStatus;
  outcome: Outcome | null;
  abortReason: AbortReason | null;
  blastRadius: number;
  forced: boolean;
  faults: number;
  deviations: number;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

/** Lists experiments newest first, keyset-paged on (created position, id). */
export async function listExperiments(
  db: SqlExecutor,
  filter: { limit?: number; cursor?: string | null } = {},
  options: ListOptions = {},
): Promise<Page<ExperimentListItem>> {
  const p = new SqlParams();
  return await newestFirstPage(
    db,
    {
      table: "chaos_experiments",
      select: EXPERIMENT_SELECT,
      fromDb: experimentFromDb,
      toItem: (row: ExperimentRow): ExperimentListItem => ({
        id: row.id,
        version: row.version,
        title: row.title,
        status: row.status,
        outcome: row.outcome,
        abortReason: row.abort_reason,
        blastRadius: row.blast_radius,
        forced: row.forced,
        faults: row.faults,
        deviations: row.deviations,
        createdBy: row.created_by,
        createdAt: row.created_at,
        startedAt: row.started_at,
        endedAt: row.ended_at,
      }),
    },
    p,
    filter,
    options,
  );
}
