import assert from "node:assert/strict";
import { domainUpcasters } from "../../actors/mod.ts";
import type {
  Commit,
  DomainEvent,
  EventUpcasters,
} from "../../runtime/core/mod.ts";
import type { Projection } from "../../runtime/projection/mod.ts";
import { filterCommits } from "../../runtime/projection/internal_mod.ts";
import { migrate, PgliteStore } from "../../runtime/sql/mod.ts";
import type { SqlExecutor, SqlRow } from "../../runtime/sql/mod.ts";
import { pgliteTemplate } from "./sql_stores.ts";

/**
 * Builds a feed of commits the way a log would: versions count per stream,
 * positions across the feed, one commit per call.
 *
 * @example
 * ```ts
 * const feed = new Feed();
 * const c1 = feed.commit("bedrift", "b1", [registered]);
 * ```
 */
export class Feed {
  #position = 0;
  #versions = new Map<string, number>();
  #time: number;

  constructor(start = Date.parse("2025-03-03T08:00:00Z")) {
    this.#time = start;
  }

  commit(type: string, id: string, events: DomainEvent[]): Commit {
    const key = `${type}/${id}`;
    const version = (this.#versions.get(key) ?? 0) + 1;
    this.#versions.set(key, version);
    this.#position++;
    this.#time += 1000;
    return {
      type,
      id,
      version,
      position: this.#position,
      commandId: `cmd-${this.#position}`,
      timestamp: this.#time,
      events,
    };
  }
}

/**
 * Given / Then for a projection, without HTTP or actors: given commits (in
 * batches, as the engine hands them over: read through the upcasters, as a
 * wrapped log's `readFeed` returns them — the domain's by default, so old
 * event versions may be given — and filtered to the projection's event
 * types), then the rows, read with SQL from a fresh in-memory PGlite that ran
 * the projection's migrations.
 *
 * @example
 * ```ts
 * const spec = projectionSpec(bedrifterProjection);
 * await spec.given([c1, c2]).thenRows(
 *   "SELECT id, status FROM bedrifter ORDER BY id",
 *   [{ id: "b1", status: "AKTIV" }],
 * );
 * ```
 */
export function projectionSpec(
  projection: Projection,
  options: { upcasters?: EventUpcasters } = {},
) {
  const upcasters = options.upcasters ?? domainUpcasters;
  const types = new Set(projection.eventTypes);
  const run = async (
    batches: readonly (readonly Commit[])[],
    check: (db: SqlExecutor) => Promise<void>,
  ) => {
    const store = await PgliteStore.open({
      loadDataDir: await pgliteTemplate(),
    });
    try {
      await migrate(store, [{
        scope: projection.name,
        migrations: projection.migrations,
      }]);
      for (const batch of batches) {
        const commits = filterCommits(
          batch.map((c) => upcasters.upcastCommit(c, { lenient: true })),
          types,
        );
        if (commits.length === 0) continue;
        await store.transaction((tx) => projection.apply(commits, tx));
      }
      await check(store);
    } finally {
      await store.close();
    }
  };
  return {
    /** Each argument is one batch of commits, applied in its own transaction. */
    given(...batches: (readonly Commit[])[]) {
      return {
        /** Runs `check` against the store after the batches. */
        then(check: (db: SqlExecutor) => Promise<void>): Promise<void> {
          return run(batches, check);
        },
        /** The rows `sql` selects equal `expected` (deep, strict). */
        thenRows(
          sql: string,
          expected: readonly SqlRow[],
          params: readonly unknown[] = [],
        ): Promise<void> {
          return run(batches, async (db) => {
            assert.deepEqual(await db.query(sql, params), expected);
          });
        },
        /** Applying the batches again changes no row (idempotent per row). */
        thenIdempotent(sql: string): Promise<void> {
          let once: SqlRow[] = [];
          return run(batches, async (db) => {
            once = await db.query(sql);
          }).then(() =>
            run([...batches, ...batches], async (db) => {
              assert.deepEqual(await db.query(sql), once);
            })
          );
        },
      };
    },
  };
}
