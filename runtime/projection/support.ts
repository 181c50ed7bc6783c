import type { Projection, ProjectionFailure } from "./types.ts";
import type { MigrationSet } from "../sql/mod.ts";
import { sqlIdentifier } from "../sql/mod.ts";
import type { SqlStore } from "../sql/mod.ts";
import type { Commit } from "../core/mod.ts";

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
  }, {
    version: 2,
    name: "projection version",
    sql: `ALTER TABLE ${CHECKPOINTS_TABLE}
      ADD COLUMN projection_version integer NOT NULL DEFAULT 1`,
  }],
};

/** The advisory lock that serialises rebuilds of the read models in one schema. */
export function rebuildLock(schema: string): string {
  return `tms.rebuild.${schema}`;
}

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

/** The stored checkpoint is not the one this engine expected (a rebuild or another node moved it). */
export class CheckpointMoved extends Error {
  override name = "CheckpointMoved";
}

/** A multi-commit batch failed: retry it one commit per transaction. */
export class BatchFailed extends Error {
  override name = "BatchFailed";
}

/** One commit cannot be applied: the projection halts there. */
export class PoisonCommit extends Error {
  override name = "PoisonCommit";
  readonly commit: Commit;
  constructor(commit: Commit, cause: unknown) {
    super(`Commit at position ${commit.position} cannot be applied`, { cause });
    this.commit = commit;
  }
}

/** A level-triggered wake-up: a `notify` before `wait` is not lost. */
export class Wakeup {
  #pending = false;
  #resolve: (() => void) | null = null;

  notify(): void {
    if (this.#resolve) {
      const resolve = this.#resolve;
      this.#resolve = null;
      resolve();
    } else {
      this.#pending = true;
    }
  }

  /**
   * Resolves on the next `notify` (at once when one is pending), on abort, or
   * after `timeoutMs` when given.
   */
  wait(signal: AbortSignal, timeoutMs?: number): Promise<void> {
    if (this.#pending || signal.aborted) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        this.#resolve = null;
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.#resolve = done;
      signal.addEventListener("abort", done, { once: true });
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
    });
  }
}

/**
 * The most recent feed commits read by any projection, so projections at the
 * same position share one read of the log instead of one each.
 */
export class FeedCache {
  #commits: Commit[] = [];
  readonly #max: number;
  readonly #reads = new Map<string, Promise<Commit[]>>();

  constructor(max = 10_000) {
    this.#max = max;
  }

  /**
   * Up to `limit` commits after `after`, from memory or one shared read.
   * Reads share only when they know the same `head`: a read that started
   * before the head moved may miss the commits that moved it.
   */
  read(
    after: number,
    limit: number,
    load: (after: number, limit: number) => Promise<Commit[]>,
    head = 0,
  ): Promise<Commit[]> {
    const cached = this.#get(after, limit);
    if (cached) return Promise.resolve(cached);
    const key = `${after}:${limit}:${head}`;
    let pending = this.#reads.get(key);
    if (!pending) {
      pending = load(after, limit).then((commits) => {
        this.#put(commits);
        return commits;
      }).finally(() => this.#reads.delete(key));
      this.#reads.set(key, pending);
    }
    return pending;
  }

  #get(after: number, limit: number): Commit[] | null {
    const first = this.#commits[0]?.position;
    if (first === undefined) return null;
    const index = after + 1 - first;
    if (index < 0 || index >= this.#commits.length) return null;
    return this.#commits.slice(index, index + limit);
  }

  #put(commits: Commit[]): void {
    if (commits.length === 0) return;
    const last = this.#commits[this.#commits.length - 1]?.position;
    if (last !== undefined && commits[0].position <= last + 1) {
      const fresh = commits.filter((c) => c.position > last);
      this.#commits.push(...fresh);
    } else {
      this.#commits = [...commits];
    }
    if (this.#commits.length > this.#max) {
      this.#commits = this.#commits.slice(this.#commits.length - this.#max);
    }
  }
}

/** The failure of a projection that cannot apply `commit`. */
export function commitFailure(
  commit: Commit,
  cause: unknown,
): ProjectionFailure {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return {
    position: commit.position,
    streamType: commit.type,
    streamId: commit.id,
    version: commit.version,
    eventTypes: commit.events.map((e) => e.type),
    error:
      `Position ${commit.position} (${commit.type}/${commit.id} v${commit.version}): ${reason}`,
    at: new Date().toISOString(),
  };
}

/** A checkpoint past the feed head: the tables were built from another log. */
export function aheadFailure(
  checkpoint: number,
  head: number,
): ProjectionFailure {
  return {
    position: checkpoint,
    streamType: null,
    streamId: null,
    version: null,
    eventTypes: [],
    error:
      `Checkpoint ${checkpoint} is past the feed head ${head}: the read model was built from another event log; run deno task rebuild`,
    at: new Date().toISOString(),
  };
}

/**
 * The stored checkpoint of a projection (0 when none). With `create`, a
 * projection with nothing applied yet gets its row, taking the current
 * projection version.
 */
export async function loadCheckpoint(
  store: SqlStore,
  projection: Projection,
  create: boolean,
): Promise<number> {
  const table = `${sqlIdentifier(store.schema)}.${CHECKPOINTS_TABLE}`;
  if (create) {
    await store.query(
      `INSERT INTO ${table} (name, position, projection_version)
       VALUES ($1::text, 0, $2::int)
       ON CONFLICT (name) DO UPDATE
       SET projection_version = excluded.projection_version
       WHERE ${table}.position = 0`,
      [projection.name, projection.version ?? 1],
    );
  }
  const rows = await store.query<{ position: number }>(
    `SELECT position FROM ${table} WHERE name = $1::text`,
    [projection.name],
  );
  return Number(rows[0]?.position ?? 0);
}

/**
 * The exactly-once step: in one transaction, moves the projection's
 * checkpoint from `from` to `to` — as the first statement, so of several
 * engines on one store exactly one applies the batch — then applies the
 * commits. `CheckpointMoved` when another engine moved it first.
 */
export async function applyBatch(
  store: SqlStore,
  projection: Projection,
  commits: readonly Commit[],
  range: { from: number; to: number },
): Promise<void> {
  const table = `${sqlIdentifier(store.schema)}.${CHECKPOINTS_TABLE}`;
  await store.transaction(async (tx) => {
    const moved = await tx.query(
      `UPDATE ${table} SET position = $2::bigint, updated_at = now()
       WHERE name = $1::text AND position = $3::bigint RETURNING name`,
      [projection.name, range.to, range.from],
    );
    if (moved.length !== 1) throw new CheckpointMoved();
    await projection.apply(commits, tx);
  }, { relaxed: true });
}
