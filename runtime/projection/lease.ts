/**
 * One projector per read-model store: nodes that share a PostgreSQL schema
 * elect, through a lease row in that schema, the one that runs the projection
 * engine; the others stand by, answer read-your-writes through a
 * `ProjectionFollower`, and take over when the lease expires.
 */
import { delay, withTimeout } from "../core/mod.ts";
import { UnavailableError } from "../core/mod.ts";
import { ProjectionEngine } from "./engine.ts";
import type { ProjectionEngineOptions } from "./engine.ts";
import { ProjectionFollower } from "./follower.ts";
import { projectionMetrics, projectionReadiness } from "./metrics.ts";
import type { ProjectionHealthBounds, ProjectionReadiness } from "./metrics.ts";
import type { ProjectionPositions } from "./follower.ts";
import type { Projection } from "./types.ts";
import { migrate } from "../sql/mod.ts";
import type { MigrationSet } from "../sql/mod.ts";
import { sqlIdentifier } from "../sql/mod.ts";
import type { SqlStore } from "../sql/mod.ts";
import type { EventLog, SignalOptions } from "../core/mod.ts";

/** The table of the lease, in the read models' schema. */
export const PROJECTOR_LEASE_TABLE = "tms_projector_lease";

/** The lease's row in that table. */
export const PROJECTOR_LEASE_NAME = "projector";

const leaseMigrations: MigrationSet = {
  scope: "tms.projector_lease",
  migrations: [{
    version: 1,
    name: "lease",
    sql: `CREATE TABLE ${PROJECTOR_LEASE_TABLE} (
      name text PRIMARY KEY,
      holder text NOT NULL,
      expires_at timestamptz NOT NULL
    )`,
  }],
};

/** What this node does for the read models. */
export type ProjectorRole = "projector" | "standby" | "stopped";

/** Options of `LeasedProjections`. */
export interface LeasedProjectionsOptions {
  store: SqlStore;
  log: EventLog;
  projections: readonly Projection[];
  /** This node's name in the lease (unique among the nodes sharing the store). */
  holder: string;
  /**
   * How long the lease lasts without renewal (default 10 000 ms). The holder
   * renews it every third of that; a crashed holder is replaced after at
   * most this long.
   */
  ttlMs?: number;
  /** Tuning of the engine this node runs while it holds the lease. */
  engine?: Omit<ProjectionEngineOptions, "store" | "log" | "projections">;
  /** Poll interval of the follower while standing by (default 20 ms). */
  followerPollMs?: number;
  /** Called on every change of role (after the engine started or stopped). */
  onRole?: (role: ProjectorRole) => void;
}

/**
 * Runs the projection engine on exactly one of the nodes sharing a read-model
 * store, with failover.
 *
 * The lease is a row `(name, holder, expires_at)` taken or renewed by one
 * upsert that succeeds only when the row is ours or expired; expiry is judged
 * by the database's clock, so node clocks do not matter. A holder that cannot
 * renew for a whole TTL stops its engine. Correctness does not rest on the
 * lease: should two engines ever run at once, the checkpoint fence (the
 * batch's first statement moves the checkpoint only from the position the
 * engine expects) still applies each batch once.
 *
 * @example
 * ```ts
 * const read = new LeasedProjections({ store, log, projections, holder: "node-1" });
 * await read.start();
 * await read.waitFor(position, { signal: AbortSignal.timeout(5000) });
 * await read.stop();
 * ```
 */
export class LeasedProjections implements ProjectionPositions {
  readonly #options: LeasedProjectionsOptions;
  readonly #ttlMs: number;
  readonly #follower: ProjectionFollower;
  readonly #controller = new AbortController();
  #engine: ProjectionEngine | null = null;
  #role: ProjectorRole = "standby";
  #holder: string | null = null;
  /** Local estimate of the lease's expiry: the last successful claim's start + TTL. */
  #validUntil = 0;
  /** No claims before this (after this node failed to start its engine). */
  #claimAfter = 0;
  #startError: string | null = null;
  #loop: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;
  #transition: Promise<void> = Promise.resolve();

  constructor(options: LeasedProjectionsOptions) {
    this.#options = options;
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#follower = new ProjectionFollower({
      store: options.store,
      log: options.log,
      projections: options.projections,
      pollIntervalMs: options.followerPollMs,
    });
  }

  /** `projector` while this node runs the engine, else `standby` (or `stopped`). */
  get role(): ProjectorRole {
    return this.#role;
  }

  /** The engine while this node is the projector. */
  get engine(): ProjectionEngine | null {
    return this.#engine;
  }

  /** Who held the lease when this node last looked (null: nobody, or unknown). */
  get holder(): string | null {
    return this.#holder;
  }

  /** Why this node's engine last failed to start (it gave the lease up), or null. */
  get startError(): string | null {
    return this.#startError;
  }

  /**
   * Creates the lease table, tries once to take the lease (and starts the
   * engine when it does), then keeps renewing or trying in the background.
   */
  async start(options: SignalOptions = {}): Promise<void> {
    if (this.#loop) throw new TypeError("Leased projections already started");
    await migrate(this.#options.store, [leaseMigrations], options);
    await this.#tick();
    this.#loop = this.#run();
  }

  /** Stops the engine and gives the lease up, so another node takes over at once. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#controller.abort(new DOMException("Stopped", "AbortError"));
      await this.#loop;
      await this.#transition;
      await this.#stepDown();
      this.#role = "stopped";
      await this.#release();
    })();
    return this.#stopping;
  }

  position(name: string, options?: SignalOptions): Promise<number> {
    const current: ProjectionPositions = this.#engine ?? this.#follower;
    return current.position(name, options);
  }

  async waitFor(
    position: number,
    options: SignalOptions & { projections?: readonly string[] } = {},
  ): Promise<void> {
    for (;;) {
      const engine = this.#engine;
      if (!engine) return await this.#follower.waitFor(position, options);
      try {
        return await engine.waitFor(position, options);
      } catch (error) {
        // The engine stopped because this node lost the lease: ask again.
        if (engine === this.#engine || !(error instanceof UnavailableError)) {
          throw error;
        }
      }
    }
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    while (!signal.aborted) {
      try {
        await delay(this.#intervalMs(), { signal });
      } catch {
        return;
      }
      try {
        await this.#tick();
      } catch (error) {
        console.warn("Projector lease round failed", error);
      }
    }
  }

  /** Renewal interval, and the longest a claim may take. */
  #intervalMs(): number {
    return Math.max(10, Math.floor(this.#ttlMs / 3));
  }

  /** Takes or renews the lease; starts or stops the engine to match. */
  async #tick(): Promise<void> {
    const started = performance.now();
    if (started < this.#claimAfter) return;
    let held: boolean;
    try {
      held = await this.#claim();
    } catch (error) {
      // The store does not answer, so the engine cannot write either. Once
      // the next renewal could come too late, another node may take the
      // lease: stand down before it expires.
      const late = performance.now() >= this.#validUntil - this.#intervalMs();
      if (this.#engine && late) {
        console.warn(
          "Projector lease could not be renewed; standing by",
          error,
        );
        await this.#change(() => this.#stepDown());
      }
      return;
    }
    if (held) {
      this.#validUntil = started + this.#ttlMs;
      if (!this.#engine) await this.#change(() => this.#stepUp());
    } else if (this.#engine) {
      await this.#change(() => this.#stepDown());
    }
  }

  /** True when the lease is this node's after the upsert. */
  async #claim(): Promise<boolean> {
    const { store, holder } = this.#options;
    // A hung query must not keep a holder from standing down in time.
    const signal = withTimeout(this.#intervalMs(), this.#controller.signal);
    const [claimed] = await store.query<{ holder: string }>(
      `INSERT INTO ${this.#table()} AS l (name, holder, expires_at)
       VALUES ($1::text, $2::text,
               clock_timestamp() + make_interval(secs => $3::float8))
       ON CONFLICT (name) DO UPDATE
         SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE l.holder = excluded.holder OR l.expires_at < clock_timestamp()
       RETURNING holder`,
      [PROJECTOR_LEASE_NAME, holder, this.#ttlMs / 1000],
      { signal },
    );
    if (claimed) {
      this.#holder = holder;
      return true;
    }
    const [current] = await store.query<{ holder: string }>(
      `SELECT holder FROM ${this.#table()} WHERE name = $1::text`,
      [PROJECTOR_LEASE_NAME],
      { signal },
    );
    this.#holder = current?.holder ?? null;
    return false;
  }

  #change(step: () => Promise<void>): Promise<void> {
    this.#transition = this.#transition.then(step, step);
    return this.#transition;
  }

  async #stepUp(): Promise<void> {
    if (this.#engine || this.#controller.signal.aborted) return;
    const { store, log, projections } = this.#options;
    const engine = new ProjectionEngine({
      ...this.#options.engine,
      store,
      log,
      projections,
    });
    try {
      // No signal: `stop` waits for this start, then stops the engine itself.
      await engine.start();
    } catch (error) {
      await engine.stop();
      // Give the lease to a node that can use it, and keep out for a TTL.
      this.#startError = error instanceof Error ? error.message : String(error);
      this.#claimAfter = performance.now() + this.#ttlMs;
      console.warn("Projection engine did not start; lease given up", error);
      await this.#release();
      return;
    }
    this.#startError = null;
    this.#engine = engine;
    this.#role = "projector";
    this.#options.onRole?.("projector");
  }

  /**
   * Stops the engine: after its in-flight batch, or, when the store does not
   * answer, after a grace period (a batch that still commits later is
   * harmless: the checkpoint fence refuses to apply it twice).
   */
  async #stepDown(): Promise<void> {
    const engine = this.#engine;
    if (!engine) return;
    this.#engine = null;
    this.#role = "standby";
    const grace = new AbortController();
    const stopped = engine.stop().catch(() => {}).finally(() => grace.abort());
    await Promise.race([
      stopped,
      delay(this.#intervalMs(), { signal: grace.signal }).then(
        () => console.warn("Projection engine still stopping; standing by"),
        () => {},
      ),
    ]);
    this.#options.onRole?.("standby");
  }

  /** Deletes the lease row if it is this node's (a no-op otherwise). */
  async #release(): Promise<void> {
    await this.#options.store.query(
      `DELETE FROM ${this.#table()} WHERE name = $1::text AND holder = $2::text`,
      [PROJECTOR_LEASE_NAME, this.#options.holder],
      { signal: AbortSignal.timeout(this.#intervalMs()) },
    ).catch(() => {});
    if (this.#holder === this.#options.holder) this.#holder = null;
  }

  #table(): string {
    return `${
      sqlIdentifier(this.#options.store.schema)
    }.${PROJECTOR_LEASE_TABLE}`;
  }
}

/**
 * Readiness of a node's read side under the lease: the engine's readiness on
 * the projector; a standby is ready (it reads what the projector writes).
 */
export function leasedReadiness(
  leased: LeasedProjections,
  bounds?: ProjectionHealthBounds,
): ProjectionReadiness | {
  ok: boolean;
  role: ProjectorRole;
  holder: string | null;
  startError?: string;
} {
  const engine = leased.engine;
  if (engine) {
    return { ...projectionReadiness(engine, bounds), role: leased.role };
  }
  return {
    ok: leased.role === "standby",
    role: leased.role,
    holder: leased.holder,
    ...(leased.startError ? { startError: leased.startError } : {}),
  };
}

/** Prometheus text: `tms_projector` (1 on the projector) and, there, the engine's metrics. */
export function leasedMetrics(leased: LeasedProjections): string {
  const lines = [
    "# HELP tms_projector 1 while this node holds the projector lease and runs the projections",
    "# TYPE tms_projector gauge",
    `tms_projector ${leased.role === "projector" ? 1 : 0}`,
  ].join("\n") + "\n";
  const engine = leased.engine;
  return engine ? lines + projectionMetrics(engine) : lines;
}
