import {
  CHECKPOINTS_TABLE,
  engineMigrations,
  filterCommits,
  rebuildLock,
  shadowSchema,
} from "./support.ts";
import type { Projection } from "./types.ts";
import { migrate, recordMigrations } from "../sql/mod.ts";
import { sqlIdentifier } from "../sql/mod.ts";
import type { SqlExecutor, SqlStore } from "../sql/mod.ts";
import type { Commit, EventLog, SignalOptions } from "../core/mod.ts";

/** Progress of a rebuild, reported after every batch. */
export interface RebuildProgress {
  projections: string[];
  phase: "prepare" | "replay" | "swap" | "done";
  /** Feed position replayed so far. */
  position: number;
  /** Feed head when the rebuild started (it may grow meanwhile). */
  head: number;
  commits: number;
  /** Events read from the feed. */
  events: number;
  elapsedMs: number;
  eventsPerSecond: number;
  /** Estimated time to reach `head`, or null before the rate is known. */
  etaMs: number | null;
}

/** Options of a rebuild. */
export interface RebuildOptions extends SignalOptions {
  /** Commits per read and per transaction (default 5000). */
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
  /**
   * Take the rebuild lock of the schema: true (default) fails at once when a
   * rebuild runs elsewhere, "wait" waits for it, false when the caller holds it.
   */
  lock?: boolean | "wait";
  /** Rebuild only those whose stored version differs from `projection.version`. */
  onlyStale?: boolean;
}

/** What a rebuild did for one projection. */
export interface RebuildResult {
  projection: string;
  /** The checkpoint the swapped-in tables start from. */
  position: number;
  commits: number;
  events: number;
  durationMs: number;
}

/** A rebuild failed; nothing was swapped in. */
export class RebuildError extends Error {
  override name = "RebuildError";
  readonly projection: string | null;
  readonly position: number | null;
  constructor(
    message: string,
    options: {
      projection?: string;
      position?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.projection = options.projection ?? null;
    this.position = options.position ?? null;
  }
}

interface Target {
  projection: Projection;
  types: ReadonlySet<string>;
  shadow: string;
  commits: number;
  events: number;
}

/**
 * Rebuilds projections from feed position 0 in one pass: runs their
 * migrations into a fresh schema each, replays the feed into it, then in one
 * transaction locks their checkpoints, applies the tail, drops the live
 * tables, moves the fresh ones in and sets the checkpoints. Readers see the
 * old tables until that commit and the new ones after it. A running engine
 * elsewhere notices its checkpoint moved and continues from the new one.
 *
 * @example
 * ```ts
 * await rebuildProjections(store, log, [bedrifter], { onProgress: console.log });
 * ```
 */
export function rebuildProjections(
  store: SqlStore,
  log: EventLog,
  projections: readonly Projection[],
  options: RebuildOptions = {},
): Promise<RebuildResult[]> {
  if (options.lock === false) {
    return rebuild(store, log, projections, options);
  }
  return store.withLock(
    rebuildLock(store.schema),
    () => rebuild(store, log, projections, options),
    { signal: options.signal, wait: options.lock === "wait" },
  );
}

async function rebuild(
  store: SqlStore,
  log: EventLog,
  projections: readonly Projection[],
  options: RebuildOptions,
): Promise<RebuildResult[]> {
  const { signal, onProgress } = options;
  const batchSize = options.batchSize ?? 5000;
  if (options.onlyStale) {
    await migrate(store, [engineMigrations], { signal });
    const stale = new Set(await staleProjections(store, projections));
    projections = projections.filter((p) => stale.has(p.name));
    if (projections.length === 0) return [];
  }
  const started = performance.now();
  const targets: Target[] = projections.map((projection) => ({
    projection,
    types: new Set(projection.eventTypes),
    shadow: shadowSchema(store.schema, projection.name),
    commits: 0,
    events: 0,
  }));
  const names = targets.map((t) => t.projection.name);
  let head = await log.headPosition({ signal });
  let position = 0;
  let commits = 0;
  let events = 0;
  const report = (phase: RebuildProgress["phase"]) => {
    if (!onProgress) return;
    const elapsedMs = performance.now() - started;
    const positionsPerMs = position / Math.max(elapsedMs, 1);
    onProgress({
      projections: names,
      phase,
      position,
      head,
      commits,
      events,
      elapsedMs,
      eventsPerSecond: events / Math.max(elapsedMs / 1000, 1e-3),
      etaMs: position > 0 && head > position
        ? (head - position) / positionsPerMs
        : position >= head
        ? 0
        : null,
    });
  };

  try {
    report("prepare");
    await migrate(store, [
      engineMigrations,
      ...projections.map((p) => ({ scope: p.name, migrations: p.migrations })),
    ], { signal });
    for (const target of targets) await prepareShadow(store, target, signal);

    const read = (after: number) => {
      const next = log.readFeed(after, batchSize, { signal });
      next.catch(() => {});
      return next;
    };
    let next = read(0);
    while (true) {
      const batch = await next;
      if (batch.length === 0) break;
      position = batch[batch.length - 1].position;
      next = read(position);
      await applyToShadows(store, targets, batch, signal);
      commits += batch.length;
      events += batch.reduce((n, c) => n + c.events.length, 0);
      if (position > head) head = position;
      report("replay");
    }

    report("swap");
    const live = sqlIdentifier(store.schema);
    const checkpoints = `${live}.${CHECKPOINTS_TABLE}`;
    await store.transaction(async (tx) => {
      for (const name of [...names].sort()) {
        await tx.query(
          `INSERT INTO ${checkpoints} (name, position) VALUES ($1::text, 0)
           ON CONFLICT (name) DO NOTHING`,
          [name],
        );
        await tx.query(
          `SELECT position FROM ${checkpoints} WHERE name = $1::text FOR UPDATE`,
          [name],
        );
      }
      while (true) {
        const batch = await log.readFeed(position, batchSize, { signal });
        if (batch.length === 0) break;
        await applyInTransaction(tx, targets, batch, signal);
        position = batch[batch.length - 1].position;
        commits += batch.length;
        events += batch.reduce((n, c) => n + c.events.length, 0);
      }
      await setSearchPath(tx, store.schema);
      for (const target of targets) {
        const shadow = sqlIdentifier(target.shadow);
        for (const table of target.projection.tables) {
          const name = sqlIdentifier(table);
          await tx.exec(
            `DROP TABLE IF EXISTS ${live}.${name} CASCADE;
             ALTER TABLE ${shadow}.${name} SET SCHEMA ${live}`,
          );
        }
        await tx.query(
          `UPDATE ${checkpoints}
           SET position = $2::bigint, projection_version = $3::int,
               updated_at = now()
           WHERE name = $1::text`,
          [target.projection.name, position, target.projection.version ?? 1],
        );
        await recordMigrations(tx, store.schema, {
          scope: target.projection.name,
          migrations: target.projection.migrations,
        });
      }
    }, { signal });
    if (position > head) head = position;
    report("done");
  } catch (error) {
    if (error instanceof RebuildError) throw error;
    throw new RebuildError(
      `Rebuild of ${names.join(", ")} failed near position ${position}: ${
        error instanceof Error ? error.message : error
      }`,
      { position, cause: error },
    );
  } finally {
    for (const target of targets) {
      await store.exec(
        `DROP SCHEMA IF EXISTS ${sqlIdentifier(target.shadow)} CASCADE`,
      ).catch(() => {});
    }
  }
  const durationMs = performance.now() - started;
  return targets.map((t) => ({
    projection: t.projection.name,
    position,
    commits: t.commits,
    events: t.events,
    durationMs,
  }));
}

async function prepareShadow(
  store: SqlStore,
  target: Target,
  signal: AbortSignal | undefined,
): Promise<void> {
  const shadow = sqlIdentifier(target.shadow);
  await store.exec(
    `DROP SCHEMA IF EXISTS ${shadow} CASCADE; CREATE SCHEMA ${shadow}`,
    { signal },
  );
  await store.transaction(async (tx) => {
    for (const migration of target.projection.migrations) {
      await tx.exec(migration.sql);
    }
    for (const table of target.projection.tables) {
      const found = await tx.query<{ found: boolean }>(
        "SELECT to_regclass($1::text) IS NOT NULL AS found",
        [`${shadow}.${sqlIdentifier(table)}`],
      );
      if (!found[0]?.found) {
        throw new RebuildError(
          `Projection ${target.projection.name} lists table ${table}, which its migrations do not create`,
          { projection: target.projection.name },
        );
      }
    }
  }, { schema: target.shadow, signal });
}

/** One transaction per projection, run side by side (a pool runs them in parallel). */
async function applyToShadows(
  store: SqlStore,
  targets: Target[],
  batch: readonly Commit[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const outcomes = await Promise.allSettled(
    targets.map((target) =>
      store.transaction(
        (tx) => applyInTransaction(tx, [target], batch, signal),
        { signal },
      )
    ),
  );
  for (const [i, outcome] of outcomes.entries()) {
    if (outcome.status === "fulfilled") continue;
    const error = outcome.reason;
    if (error instanceof DOMException && error.name === "AbortError") {
      throw error;
    }
    throw await findPoison(store, [targets[i]], batch, error);
  }
}

async function applyInTransaction(
  tx: SqlExecutor,
  targets: Target[],
  batch: readonly Commit[],
  signal: AbortSignal | undefined,
): Promise<void> {
  for (const target of targets) {
    const relevant = filterCommits(batch, target.types);
    if (relevant.length === 0) continue;
    await setSearchPath(tx, target.shadow);
    await target.projection.apply(relevant, tx, { signal });
    target.commits += relevant.length;
    target.events += relevant.reduce((n, c) => n + c.events.length, 0);
  }
}

/** Names the first commit of a failed batch that cannot be applied alone. */
async function findPoison(
  store: SqlStore,
  targets: Target[],
  batch: readonly Commit[],
  error: unknown,
): Promise<unknown> {
  for (const target of targets) {
    for (const commit of filterCommits(batch, target.types)) {
      try {
        await store.transaction(async (tx) => {
          await target.projection.apply([commit], tx);
        }, { schema: target.shadow });
      } catch (cause) {
        return new RebuildError(
          `Projection ${target.projection.name} cannot apply position ${commit.position} (${commit.type}/${commit.id} v${commit.version}): ${
            cause instanceof Error ? cause.message : cause
          }`,
          {
            projection: target.projection.name,
            position: commit.position,
            cause,
          },
        );
      }
    }
  }
  return error;
}

function setSearchPath(tx: SqlExecutor, schema: string): Promise<unknown> {
  return tx.query("SELECT set_config('search_path', $1::text, true)", [
    sqlIdentifier(schema),
  ]);
}

/**
 * Names of the projections whose tables were written by another version of
 * them (a checkpoint past 0 with a different `projection_version`).
 */
export async function staleProjections(
  store: SqlStore,
  projections: readonly Projection[],
): Promise<string[]> {
  const rows = await store.query<
    { name: string; position: number; projection_version: number }
  >(
    `SELECT name, position, projection_version
     FROM ${sqlIdentifier(store.schema)}.${CHECKPOINTS_TABLE}`,
  );
  const stored = new Map(rows.map((row) => [row.name, row]));
  return projections.filter((p) => {
    const row = stored.get(p.name);
    return row !== undefined && row.position > 0 &&
      row.projection_version !== (p.version ?? 1);
  }).map((p) => p.name);
}
