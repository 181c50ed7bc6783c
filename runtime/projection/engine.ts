import { backoff, delay } from "../core/mod.ts";
import { UnavailableError } from "../core/mod.ts";
import { rebuildProjections, staleProjections } from "./rebuild.ts";
import type { ProjectionPositions } from "./follower.ts";
import type { RebuildOptions, RebuildResult } from "./rebuild.ts";
import {
  aheadFailure,
  applyBatch,
  BatchFailed,
  CheckpointMoved,
  commitFailure,
  engineMigrations,
  FeedCache,
  filterCommits,
  loadCheckpoint,
  PoisonCommit,
} from "./support.ts";
import { poisonLetter } from "./dead_letters.ts";
import { newRunner, runnerStatus } from "./runner.ts";
import type { Runner } from "./runner.ts";
import { ProjectionStates } from "./types.ts";
import type {
  BatchInfo,
  Projection,
  ProjectionEngineOptions,
  ProjectionFailure,
  ProjectionFaults,
  ProjectionStatus,
} from "./types.ts";
import { migrate } from "../sql/mod.ts";
import { withConsumerSpan } from "../telemetry/mod.ts";
import { PositionWaiters } from "./position_waiters.ts";
import { FeedHead } from "./feed_head.ts";
import type { WaitOutcome } from "./position_waiters.ts";
import { isConnectionError, sqlIdentifier } from "../sql/mod.ts";
import type { SqlStore } from "../sql/mod.ts";
import type { Commit, EventLog, SignalOptions } from "../core/mod.ts";
import type { DeadLetterInput } from "../core/mod.ts";
export type { ProjectionEngineOptions } from "./types.ts";

const NO_FAULTS: ProjectionFaults = { armed: false, hold: () => null };

/**
 * Runs projections over the global feed: each from its checkpoint, in
 * batches, rows and checkpoint in one transaction (exactly-once effects over
 * at-least-once delivery). Wakes on `log.watch` and polls the head as a
 * fallback. A projection that throws on a commit halts there (`failed`, with
 * position and error) and never skips it; the others go on.
 *
 * @example
 * ```ts
 * const engine = new ProjectionEngine({ store, log, projections: [todos] });
 * await engine.start();
 * const { position } = await system.ask("todo", "1", { type: "add" });
 * await engine.waitFor(position, { signal: AbortSignal.timeout(5000) });
 * await engine.stop();
 * ```
 */
export class ProjectionEngine implements ProjectionPositions {
  readonly store: SqlStore;
  readonly log: EventLog;
  readonly #runners = new Map<string, Runner>();
  readonly #options: Required<
    Omit<
      ProjectionEngineOptions,
      | "store"
      | "log"
      | "projections"
      | "onBatch"
      | "onDeadLetter"
      | "faults"
    >
  >;
  readonly #faults: ProjectionFaults;
  readonly #onBatch?: (info: BatchInfo) => void;
  readonly #onDeadLetter?: (letter: DeadLetterInput) => void;
  readonly #waiters = new PositionWaiters((position, names) =>
    this.#outcome(position, names)
  );
  readonly #head: FeedHead;
  #controller = new AbortController();
  #started = false;
  #stopped = false;
  #rebuilds: Promise<unknown> = Promise.resolve();
  #startupRebuild: Promise<unknown> | null = null;
  readonly #feed = new FeedCache();

  constructor(options: ProjectionEngineOptions) {
    this.store = options.store;
    this.log = options.log;
    this.#onBatch = options.onBatch;
    this.#onDeadLetter = options.onDeadLetter;
    this.#faults = options.faults ?? NO_FAULTS;
    this.#options = {
      batchSize: options.batchSize ?? 1000,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      retryBaseMs: options.retryBaseMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 10_000,
      lingerMs: options.lingerMs ?? 10,
      migrate: options.migrate ?? true,
    };
    this.#head = new FeedHead({
      log: this.log,
      pollIntervalMs: this.#options.pollIntervalMs,
      onAdvance: (_, fromWatch) => this.#headAdvanced(fromWatch),
      signal: this.#controller.signal,
    });
    for (const projection of options.projections) {
      sqlIdentifier(projection.name);
      if (this.#runners.has(projection.name)) {
        throw new TypeError(`Projection ${projection.name} is given twice`);
      }
      this.#runners.set(projection.name, newRunner(projection));
    }
  }

  /** The projections this engine runs. */
  get projections(): Projection[] {
    return [...this.#runners.values()].map((r) => r.projection);
  }

  /**
   * Applies migrations, loads checkpoints and starts consuming the feed.
   * Aborting `signal` stops the engine.
   */
  async start(options: SignalOptions = {}): Promise<void> {
    if (this.#started) throw new TypeError("Projection engine already started");
    this.#started = true;
    const signal = options.signal;
    signal?.throwIfAborted();
    if (this.#options.migrate) {
      await migrate(this.store, [
        engineMigrations,
        ...this.projections.map((p) => ({
          scope: p.name,
          migrations: p.migrations,
        })),
      ], { signal });
    }
    for (const runner of this.#runners.values()) {
      await this.#loadCheckpoint(runner, true);
    }
    const stale = await staleProjections(this.store, this.projections);
    await this.#head.start();
    for (const runner of this.#runners.values()) {
      if (runner.checkpoint > this.#head.position) {
        this.#fail(
          runner,
          aheadFailure(runner.checkpoint, this.#head.position),
        );
      }
      this.#markBehind(runner);
      runner.loop = this.#run(runner);
    }
    signal?.addEventListener("abort", () => void this.stop(), { once: true });
    if (stale.length > 0) {
      console.log(`Projections ${stale.join(", ")} changed: rebuilding`);
      this.#startupRebuild = this.rebuild(stale, {
        lock: "wait",
        onlyStale: true,
        signal: this.#controller.signal,
      }).catch((error) =>
        console.error(`Rebuild of ${stale.join(", ")} failed:`, error)
      );
    }
  }

  /** Stops every projection after its in-flight batch; idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#controller.abort(new DOMException("Engine stopped", "AbortError"));
    const head = this.#head.stop();
    for (const runner of this.#runners.values()) runner.wake.notify();
    await Promise.allSettled(
      [...this.#runners.values()].map((r) => r.loop ?? Promise.resolve()),
    );
    await head;
    await this.#startupRebuild;
    for (const runner of this.#runners.values()) {
      runner.state = ProjectionStates.stopped;
    }
    this.#waiters.rejectAll(new UnavailableError("Projection engine stopped"));
  }

  /** Status and lag of every projection. */
  status(): ProjectionStatus[] {
    return [...this.#runners.values()].map((r) => this.#status(r));
  }

  /** Everything up to this feed position is reflected in `name`'s tables. */
  position(name: string): Promise<number> {
    try {
      return Promise.resolve(this.#runner(name).position);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Newest feed position the engine knows of. */
  get head(): number {
    return this.#head.position;
  }

  /**
   * Resolves when the named projections (default: all) reflect every commit up
   * to `position`. Rejects with `UnavailableError` when one of them is halted
   * below it or the engine stops, and with the signal's reason on abort.
   */
  waitFor(
    position: number,
    options: SignalOptions & { projections?: readonly string[] } = {},
  ): Promise<void> {
    const names = options.projections ?? [...this.#runners.keys()];
    for (const name of names) {
      if (!this.#runners.has(name)) {
        return Promise.reject(new TypeError(`No projection named ${name}`));
      }
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#stopped || !this.#started) {
      return Promise.reject(
        new UnavailableError("Projection engine is not running"),
      );
    }
    if (position > this.#head.position) this.#head.pollNow();
    for (const name of names) {
      const runner = this.#runners.get(name)!;
      if (runner.position < position) runner.hurry.notify();
    }
    return this.#waiters.wait(position, names, signal);
  }

  /** Clears a failure and retries the commit it halted at. */
  resume(name: string): void {
    const runner = this.#runner(name);
    if (runner.state !== ProjectionStates.failed) return;
    runner.failure = null;
    runner.state = ProjectionStates.catchingUp;
    runner.wake.notify();
  }

  /**
   * Retries the commit at `position` that halted `name`: resumes the
   * projection if it is halted and resolves with its position once it has
   * applied `position` (at once when it already has). Rejects with
   * `UnavailableError` when it halts again below `position`, and with the
   * signal's reason on abort (the projection then goes on by itself).
   */
  async retryFailure(
    name: string,
    position: number,
    options: SignalOptions = {},
  ): Promise<number> {
    const runner = this.#runner(name);
    if (runner.position >= position) return runner.position;
    this.resume(name);
    await this.waitFor(position, {
      projections: [name],
      signal: options.signal,
    });
    return runner.position;
  }

  /**
   * Rebuilds projections from position 0 into fresh tables and swaps them in,
   * pausing them meanwhile. Default: all. Rebuilds of one engine run one
   * after the other (one asked for while the rebuild at start still holds
   * its lock waits for it, instead of finding the lock taken).
   */
  rebuild(
    names: readonly string[] = [...this.#runners.keys()],
    options: RebuildOptions = {},
  ): Promise<RebuildResult[]> {
    const run = this.#rebuilds.then(() => this.#rebuild(names, options));
    this.#rebuilds = run.catch(() => {});
    return run;
  }

  async #rebuild(
    names: readonly string[],
    options: RebuildOptions,
  ): Promise<RebuildResult[]> {
    const runners = names.map((name) => this.#runner(name));
    for (const runner of runners) {
      runner.paused = true;
      runner.state = ProjectionStates.rebuilding;
      await runner.inflight?.catch(() => {});
    }
    try {
      return await rebuildProjections(
        this.store,
        this.log,
        runners.map((r) => r.projection),
        options,
      );
    } finally {
      for (const runner of runners) {
        runner.paused = false;
        runner.failure = null;
        runner.singleStepUntil = 0;
        runner.state = ProjectionStates.catchingUp;
        await this.#loadCheckpoint(runner, false).catch(() => {});
        this.#settleAll();
        runner.wake.notify();
      }
    }
  }

  #runner(name: string): Runner {
    const runner = this.#runners.get(name);
    if (!runner) throw new TypeError(`No projection named ${name}`);
    return runner;
  }

  #status(r: Runner): ProjectionStatus {
    return runnerStatus(r, this.#head.position);
  }

  async #run(r: Runner): Promise<void> {
    const signal = this.#controller.signal;
    let attempt = 0;
    while (!this.#stopped) {
      if (r.paused || r.state === ProjectionStates.failed) {
        await r.wake.wait(signal);
        continue;
      }
      if (this.#faults.armed) {
        const held = this.#faults.hold(r.projection.name, signal);
        if (held) {
          await held.catch(() => {});
          continue;
        }
      }
      try {
        const limit = r.position < r.singleStepUntil
          ? 1
          : this.#options.batchSize;
        const load = (after: number, n: number) =>
          this.log.readFeed(after, n, { signal });
        const commits = await this.#feed.read(
          r.position,
          limit,
          load,
          this.#head.position,
        );
        if (r.paused) continue;
        if (commits.length === 0) {
          r.state = ProjectionStates.live;
          r.behindSince = null;
          attempt = 0;
          await r.wake.wait(signal);
          if (this.#options.lingerMs > 0) {
            await r.hurry.wait(signal, this.#options.lingerMs);
          }
          continue;
        }
        r.state = ProjectionStates.catchingUp;
        r.behindSince = commits[0].timestamp;
        const to = commits[commits.length - 1].position;
        this.#head.observe(to, false);
        if (limit > 1) {
          // Read the next batch while this one is applied.
          this.#feed.read(to, limit, load, this.#head.position).catch(() => {});
        }
        await this.#applyBatch(r, commits);
        attempt = 0;
        r.lastError = null;
        if (commits.length < limit && this.#options.lingerMs > 0) {
          // At the head: let the next batch gather for a moment.
          await r.hurry.wait(signal, this.#options.lingerMs);
        }
      } catch (error) {
        if (this.#stopped) break;
        if (error instanceof CheckpointMoved) {
          await this.#loadCheckpoint(r, false).catch(() => {});
          continue;
        }
        if (error instanceof PoisonCommit) {
          const failure = commitFailure(error.commit, error.cause);
          this.#fail(r, failure);
          this.#reportPoison(r, error, failure);
          continue;
        }
        if (error instanceof BatchFailed) continue;
        r.state = ProjectionStates.retrying;
        r.retries += 1;
        r.lastError = error instanceof Error ? error.message : String(error);
        await delay(
          backoff(
            attempt++,
            this.#options.retryBaseMs,
            this.#options.retryMaxMs,
          ),
          { signal },
        ).catch(() => {});
      }
    }
  }

  async #applyBatch(r: Runner, commits: Commit[]): Promise<void> {
    const from = r.position;
    const to = commits[commits.length - 1].position;
    const relevant = filterCommits(commits, r.types);
    if (relevant.length === 0) {
      this.#advance(r, to);
      return;
    }
    const started = performance.now();
    const work = withConsumerSpan(
      `tms.project ${r.projection.name}`,
      relevant.map((c) => c.meta?.traceparent),
      {
        "messaging.system": "tms",
        "messaging.operation.type": "process",
        "tms.projection": r.projection.name,
        "tms.position.from": relevant[0].position,
        "tms.position.to": to,
      },
      () =>
        applyBatch(this.store, r.projection, relevant, {
          from: r.checkpoint,
          to,
        }),
    );
    r.inflight = work;
    try {
      await work;
    } catch (error) {
      if (error instanceof CheckpointMoved || isConnectionError(error)) {
        throw error;
      }
      if (commits.length === 1) throw new PoisonCommit(commits[0], error);
      // Find the failing commit: apply one commit per transaction up to `to`.
      r.singleStepUntil = to;
      throw new BatchFailed();
    } finally {
      r.inflight = null;
    }
    r.checkpoint = to;
    r.eventsApplied += relevant.reduce((n, c) => n + c.events.length, 0);
    r.batchesApplied += 1;
    this.#advance(r, to);
    this.#onBatch?.({
      projection: r.projection.name,
      from,
      to,
      commits: relevant,
      events: relevant.reduce((n, c) => n + c.events.length, 0),
      durationMs: performance.now() - started,
      committedAt: Date.now(),
    });
  }

  #advance(r: Runner, to: number): void {
    r.position = to;
    if (to >= this.#head.position) {
      r.behindSince = null;
      if (r.state === ProjectionStates.catchingUp) {
        r.state = ProjectionStates.live;
      }
    }
    this.#settleAll();
  }

  #fail(r: Runner, failure: ProjectionFailure): void {
    r.state = ProjectionStates.failed;
    r.singleStepUntil = 0;
    r.failure = failure;
    console.error(`Projection ${r.projection.name} halted: ${failure.error}`);
    this.#settleAll();
  }

  #reportPoison(
    r: Runner,
    poison: PoisonCommit,
    failure: ProjectionFailure,
  ): void {
    if (!this.#onDeadLetter) return;
    try {
      this.#onDeadLetter(poisonLetter(r.projection.name, poison, failure));
    } catch (error) {
      console.error(
        `Dead letter of projection ${r.projection.name} was not recorded`,
        error,
      );
    }
  }

  async #loadCheckpoint(r: Runner, create: boolean): Promise<void> {
    r.checkpoint = await loadCheckpoint(this.store, r.projection, create);
    r.position = r.checkpoint;
    this.#settleAll();
  }

  /** Wakes every projection for a new head (marking them behind unless a read saw it first). */
  #headAdvanced(fromWatch: boolean): void {
    // Also when a read saw commits before the watch reported them: that
    // report will no longer raise the head, so wake all now.
    for (const runner of this.#runners.values()) {
      if (fromWatch) this.#markBehind(runner);
      runner.wake.notify();
    }
  }

  #markBehind(r: Runner): void {
    if (r.position < this.#head.position && r.behindSince === null) {
      r.behindSince = Date.now();
    }
  }

  #settleAll(): void {
    this.#waiters.settleAll();
  }

  #outcome(position: number, names: readonly string[]): WaitOutcome {
    let reached = true;
    for (const name of names) {
      const r = this.#runners.get(name)!;
      if (r.position >= position) continue;
      if (r.state === ProjectionStates.failed && r.failure) {
        return new UnavailableError(
          `Read model ${name} is halted at position ${r.failure.position}: ${r.failure.error}`,
          { retryAfter: 30 },
        );
      }
      reached = false;
    }
    return reached ? "reached" : "waiting";
  }
}
