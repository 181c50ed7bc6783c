import type { MigrationSet } from "./sql_migrations.ts";
import { sqlIdentifier } from "./sql_store.ts";
import type { Commit } from "./types.ts";

/** The table of projection checkpoints, in the live schema. */
export const CHECKPOINTS_TABLE = "tms_projection_checkpoints";

/** The engine's own migrations. */
export const engineMigrations: MigrationSet = {
  scope: "tms.projections",
  migrations: [{
    version: 1,
    name: "checkpoints",
    sql: `CREATE TABLE ${CHECKPOINTS_TABLE} (
      name text PRIMARY KEY,
      position bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
  }],
};

/** The commits holding events of `types`, each with only those events. */
export function filterCommits(
  commits: readonly Commit[],
  types: ReadonlySet<string>,
): Commit[] {
  const out: Commit[] = [];
  for (const commit of commits) {
    let all = true;
    let any = false;
    for (const event of commit.events) {
      if (types.has(event.type)) any = true;
      else all = false;
    }
    if (all && any) out.push(commit);
    else if (any) {
      out.push({
        ...commit,
        events: commit.events.filter((e) => types.has(e.type)),
      });
    }
  }
  return out;
}

/** The schema a rebuild of `projection` fills before the swap. */
export function shadowSchema(liveSchema: string, projection: string): string {
  return sqlIdentifier(`${liveSchema}__rebuild_${projection}`.slice(0, 63))
    .slice(1, -1);
}
