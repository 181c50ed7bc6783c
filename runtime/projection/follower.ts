import { delay } from "../core/mod.ts";
import { UnavailableError } from "../core/mod.ts";
import { CHECKPOINTS_TABLE } from "./support.ts";
import type { Projection } from "./types.ts";
import { sqlIdentifier } from "../sql/mod.ts";
import type { SqlStore } from "../sql/mod.ts";
import type { EventLog, SignalOptions } from "../core/mod.ts";

/**
 * How far read models reflect the feed: what the query routes need, answered
 * by a `ProjectionEngine` on the node that projects, and by a
 * `ProjectionFollower` on a node that only reads shared read models.
 */
export interface ProjectionPositions {
  /** Everything up to this feed position is reflected in `name`'s tables. */
  position(name: string, options?: SignalOptions): Promise<number>;
  /**
   * Resolves when the named projections (default: all) reflect every commit
   * up to `position`; rejects with the signal's reason on abort.
   */
  waitFor(
    position: number,
    options?: SignalOptions & { projections?: readonly string[] },
  ): Promise<void>;
}

/** Options of `ProjectionFollower`. */
export interface ProjectionFollowerOptions {
  /** The shared read-model store another process projects into. */
  store: SqlStore;
  /** The event log the projections consume (to see which commits concern them). */
  log: EventLog;
  /** The projections of that store (names and event types). */
  projections: readonly Projection[];
  /** Pause between looks while waiting (default 20 ms). */
  pollIntervalMs?: number;
  /** Longest feed range inspected per look; beyond it only checkpoints count (default 10 000). */
  maxScan?: number;
}

/**
 * Read-your-writes for a node that does not run projections itself
 * (`TMS_PROJECTIONS=off`) but reads the read models another node writes into
 * a shared PostgreSQL.
 *
 * The engine stores a checkpoint only with batches that changed its tables,
 * so a checkpoint below a position does not mean the projection is behind:
 * `waitFor` reads the stored checkpoints and, for a projection still below
 * the position, the feed between its checkpoint and the position; when none
 * of those commits carries one of its event types it already reflects the
 * position. `position` answers the stored checkpoint, a lower bound.
 *
 * @example
 * ```ts
 * const follower = new ProjectionFollower({ store, log, projections });
 * await follower.waitFor(42, { signal: AbortSignal.timeout(5000) });
 * ```
 */
export class ProjectionFollower implements ProjectionPositions {
  readonly #store: SqlStore;
  readonly #log: EventLog;
  readonly #types: Map<string, ReadonlySet<string>>;
  readonly #pollIntervalMs: number;
  readonly #maxScan: number;

  constructor(options: ProjectionFollowerOptions) {
    this.#store = options.store;
    this.#log = options.log;
    this.#types = new Map(
      options.projections.map((p) => [p.name, new Set(p.eventTypes)]),
    );
    this.#pollIntervalMs = options.pollIntervalMs ?? 20;
    this.#maxScan = options.maxScan ?? 10_000;
  }

  async position(name: string, options: SignalOptions = {}): Promise<number> {
    this.#assertKnown([name]);
    return (await this.#checkpoints([name], options)).get(name) ?? 0;
  }

  async waitFor(
    position: number,
    options: SignalOptions & { projections?: readonly string[] } = {},
  ): Promise<void> {
    const names = options.projections ?? [...this.#types.keys()];
    this.#assertKnown(names);
    const { signal } = options;
    for (;;) {
      signal?.throwIfAborted();
      const checkpoints = await this.#checkpoints(names, options);
      let behind = names.filter((n) => (checkpoints.get(n) ?? 0) < position);
      if (behind.length === 0) return;
      const from = Math.min(...behind.map((n) => checkpoints.get(n) ?? 0));
      if (position - from <= this.#maxScan) {
        const head = await this.#log.headPosition({ signal });
        if (head >= position) {
          const commits = await this.#log.readFeed(from, position - from, {
            signal,
          });
          behind = behind.filter((name) => {
            const types = this.#types.get(name)!;
            const after = checkpoints.get(name) ?? 0;
            return commits.some((c) =>
              c.position > after && c.position <= position &&
              c.events.some((e) => types.has(e.type))
            );
          });
          if (behind.length === 0) return;
        }
      }
      await delay(this.#pollIntervalMs, { signal });
    }
  }

  #assertKnown(names: readonly string[]): void {
    for (const name of names) {
      if (!this.#types.has(name)) {
        throw new TypeError(`No projection named ${name}`);
      }
    }
  }

  async #checkpoints(
    names: readonly string[],
    options: SignalOptions,
  ): Promise<Map<string, number>> {
    const table = `${sqlIdentifier(this.#store.schema)}.${CHECKPOINTS_TABLE}`;
    try {
      const rows = await this.#store.query(
        `SELECT name, position FROM ${table}
         WHERE name IN (SELECT jsonb_array_elements_text($1::jsonb))`,
        [JSON.stringify(names)],
        options,
      );
      return new Map(
        rows.map((r) => [String(r.name), Number(r.position)]),
      );
    } catch (error) {
      // The caller's deadline or cancellation, not the store's failure.
      if (options.signal?.aborted) throw options.signal.reason;
      if (error instanceof DOMException && error.name === "AbortError") {
        throw error;
      }
      throw new UnavailableError("The read models cannot be reached", {
        retryAfter: 1,
        cause: error,
      });
    }
  }
}
