/**
 * Feed processors: consumers of the global feed whose effects are not rows
 * of a read model but commands to actors (process managers). A processor
 * keeps its own checkpoint (`tms_processor_checkpoints`) and hands each
 * batch to its handler at least once: the checkpoint moves only after the
 * handler succeeded, so a crash or a restart delivers the batch again. The
 * handler makes that harmless by issuing idempotent commands (command ids
 * derived from feed positions, rules that ignore what they have seen).
 */
import { backoff, delay } from "../core/abort.ts";
import { UnavailableError } from "../core/errors.ts";
import { migrate } from "../sql/migrations.ts";
import type { MigrationSet } from "../sql/migrations.ts";
import { sqlIdentifier } from "../sql/store.ts";
import type { SqlStore } from "../sql/store.ts";
import type { Commit, EventLog, SignalOptions } from "../core/types.ts";
import { FeedHead } from "./feed_head.ts";
import { PositionWaiters } from "./position_waiters.ts";
import { filterCommits, Wakeup } from "./support.ts";

/** The table of processor checkpoints, in the live schema. */
export const PROCESSOR_CHECKPOINTS_TABLE = "tms_processor_checkpoints";

const processorMigrations: MigrationSet = {
  scope: "tms.processors",
  migrations: [{
    version: 1,
    name: "checkpoints",
    sql: `CREATE TABLE ${PROCESSOR_CHECKPOINTS_TABLE} (
      name text PRIMARY KEY,
      position bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
  }],
};

/**
 * What a feed processor does with the commits that hold its event types
 * (other events removed), in feed order. `handle` may see a commit again
 * after a crash or restart and must then change nothing more.
 *
 * @example
 * ```ts
 * const notifier: Processor = {
 *   name: "notifier",
 *   eventTypes: ["thing.happened"],
 *   async handle(commits, { signal }) {
 *     for (const c of commits) await system.ask("inbox", "x", { type: "note", position: c.position }, { commandId: `notifier:${c.position}`, signal });
 *   },
 * };
 * ```
 */
export interface Processor {
  /** Lower-case letters, digits and `_`; names its checkpoint. */
  readonly name: string;
  readonly eventTypes: readonly string[];
  handle(commits: readonly Commit[], options: SignalOptions): Promise<void>;
}

/** What a processor is doing. */
export interface ProcessorStatus {
  name: string;
  state: "starting" | "live" | "catching_up" | "retrying" | "stopped";
  /** Every commit up to here has been handled. */
  position: number;
  head: number;
  /** Failed attempts of the batch being handled (0 when it went through). */
  attempts: number;
  handled: number;
  lastError: string | null;
}

/** Options of `FeedProcessor`. */
export interface FeedProcessorOptions {
  store: SqlStore;
  log: EventLog;
  processor: Processor;
  /** Most commits read per batch (default 100). */
  batchSize?: number;
  /** Fallback poll of the head for commits of other processes (default 1000 ms). */
  pollIntervalMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** How long batches with nothing for the processor leave the stored checkpoint. */
const QUIET_CHECKPOINT_MS = 5_000;

/**
 * Runs one `Processor` over the feed from its stored checkpoint: reads a
 * batch, hands the relevant commits to the handler (retrying it with
 * backoff while it throws), then moves the checkpoint with a
 * compare-and-set from the position it started at — so two instances on
 * one store never both move it, and a stopped one resumes where the last
 * handled batch ended.
 *
 * @example
 * ```ts
 * const pm = new FeedProcessor({ store, log, processor: notifier });
 * await pm.start();
 * await pm.waitFor(position, { signal: AbortSignal.timeout(5000) });
 * await pm.stop();
 * ```
 */
export class FeedProcessor {
  readonly #options: Required<Omit<FeedProcessorOptions, "processor">>;
  readonly #processor: Processor;
  /** The checkpoint as stored (`#position` may be ahead after quiet batches). */
  #stored = 0;
  #storedAt = 0;
  readonly #types: ReadonlySet<string>;
  readonly #controller = new AbortController();
  readonly #wake = new Wakeup();
  readonly #head: FeedHead;
  readonly #waiters = new PositionWaiters((position) =>
    this.#position >= position ? "reached" : "waiting"
  );
  #status: ProcessorStatus["state"] = "starting";
  #position = 0;
  #attempts = 0;
  #handled = 0;
  #lastError: string | null = null;
  #loop: Promise<void> | null = null;
  #stopped = false;

  constructor(options: FeedProcessorOptions) {
    sqlIdentifier(options.processor.name);
    this.#processor = options.processor;
    this.#types = new Set(options.processor.eventTypes);
    this.#options = {
      store: options.store,
      log: options.log,
      batchSize: options.batchSize ?? 100,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      retryBaseMs: options.retryBaseMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 30_000,
    };
    this.#head = new FeedHead({
      log: options.log,
      pollIntervalMs: this.#options.pollIntervalMs,
      onAdvance: () => this.#wake.notify(),
      signal: this.#controller.signal,
    });
  }

  get name(): string {
    return this.#processor.name;
  }

  /** Creates the checkpoint table and row, loads it and starts following the feed. */
  async start(options: SignalOptions = {}): Promise<void> {
    if (this.#loop) throw new TypeError("Feed processor already started");
    await migrate(this.#options.store, [processorMigrations], options);
    await this.#options.store.query(
      `INSERT INTO ${this.#table()} (name, position) VALUES ($1::text, 0)
       ON CONFLICT (name) DO NOTHING`,
      [this.name],
    );
    this.#position = this.#stored = await this.#load();
    this.#storedAt = performance.now();
    await this.#head.start();
    this.#loop = this.#run();
  }

  /** Stops after the batch in hand (its checkpoint is not moved if unfinished). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#controller.abort(new DOMException("Processor stopped", "AbortError"));
    this.#wake.notify();
    await this.#loop;
    // What quiet batches moved in memory only, kept for the next start.
    if (this.#position > this.#stored) {
      await this.#store(this.#position).catch(() => {});
    }
    await this.#head.stop();
    this.#status = "stopped";
    this.#waiters.rejectAll(new UnavailableError("Feed processor stopped"));
  }

  status(): ProcessorStatus {
    return {
      name: this.name,
      state: this.#status,
      position: this.#position,
      head: this.#head.position,
      attempts: this.#attempts,
      handled: this.#handled,
      lastError: this.#lastError,
    };
  }

  /** Resolves once every commit up to `position` has been handled. */
  waitFor(position: number, options: SignalOptions = {}): Promise<void> {
    if (position > this.#head.position) this.#head.pollNow();
    return this.#waiters.wait(position, [this.name], options.signal);
  }

  #table(): string {
    return `${
      sqlIdentifier(this.#options.store.schema)
    }.${PROCESSOR_CHECKPOINTS_TABLE}`;
  }

  /** Moves the stored checkpoint to `to` (compare-and-set on what it stored). */
  async #store(to: number): Promise<void> {
    const moved = await this.#options.store.query(
      `UPDATE ${this.#table()} SET position = $2::bigint, updated_at = now()
       WHERE name = $1::text AND position = $3::bigint RETURNING name`,
      [this.name, to, this.#stored],
    );
    // Another instance moved it: go on from where it is.
    this.#stored = moved.length === 1 ? to : await this.#load();
    this.#position = this.#stored;
    this.#storedAt = performance.now();
  }

  async #load(): Promise<number> {
    const rows = await this.#options.store.query<{ position: number }>(
      `SELECT position FROM ${this.#table()} WHERE name = $1::text`,
      [this.name],
    );
    return Number(rows[0]?.position ?? 0);
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    while (!this.#stopped) {
      try {
        const commits = await this.#options.log.readFeed(
          this.#position,
          this.#options.batchSize,
          { signal },
        );
        if (commits.length === 0) {
          this.#status = "live";
          await this.#wake.wait(signal);
          continue;
        }
        this.#status = "catching_up";
        const to = commits[commits.length - 1].position;
        this.#head.observe(to, false);
        const relevant = filterCommits(commits, this.#types);
        if (relevant.length > 0) {
          await this.#processor.handle(relevant, { signal });
          this.#handled += relevant.length;
        }
        // A batch with nothing for it moves the stored checkpoint only now
        // and then: after a restart it reads those commits again, harmless,
        // instead of a write for every batch of the feed.
        if (
          relevant.length === 0 &&
          performance.now() - this.#storedAt < QUIET_CHECKPOINT_MS
        ) {
          this.#position = to;
        } else {
          await this.#store(to);
        }
        this.#attempts = 0;
        this.#lastError = null;
        if (this.#position >= this.#head.position) this.#status = "live";
        this.#waiters.settleAll();
      } catch (error) {
        if (this.#stopped) break;
        this.#status = "retrying";
        this.#lastError = error instanceof Error
          ? error.message
          : String(error);
        await delay(
          backoff(
            this.#attempts++,
            this.#options.retryBaseMs,
            this.#options.retryMaxMs,
          ),
          { signal },
        ).catch(() => {});
      }
    }
  }
}

/**
 * Runs processors where the projections run: started and stopped with the
 * node's role (the projector lease), one transition at a time. A processor
 * that fails to start is logged and tried again at the next start.
 */
export class ProcessorHost {
  readonly #make: () => FeedProcessor[];
  #running: FeedProcessor[] = [];
  #transition: Promise<void> = Promise.resolve();

  constructor(make: () => FeedProcessor[]) {
    this.#make = make;
  }

  /** The processors running now. */
  get processors(): readonly FeedProcessor[] {
    return this.#running;
  }

  start(): Promise<void> {
    return this.#then(async () => {
      if (this.#running.length > 0) return;
      const made = this.#make();
      for (const processor of made) {
        try {
          await processor.start();
          this.#running.push(processor);
        } catch (error) {
          console.error(`Processor ${processor.name} did not start:`, error);
        }
      }
    });
  }

  stop(): Promise<void> {
    return this.#then(async () => {
      const running = this.#running;
      this.#running = [];
      await Promise.allSettled(running.map((p) => p.stop()));
    });
  }

  /** `processors` in `/health/ready`: how far each is, and its last error. */
  readiness(): { ok: boolean; processors: ProcessorStatus[] } {
    return { ok: true, processors: this.#running.map((p) => p.status()) };
  }

  /** Prometheus lines: each processor's position and lag. */
  metrics(): string {
    const lines = [
      "# HELP tms_processor_lag_positions Feed positions a process manager has not handled yet",
      "# TYPE tms_processor_lag_positions gauge",
    ];
    for (const p of this.#running) {
      const s = p.status();
      lines.push(
        `tms_processor_lag_positions{processor="${s.name}"} ${
          Math.max(0, s.head - s.position)
        }`,
      );
    }
    return lines.join("\n") + "\n";
  }

  #then(step: () => Promise<void>): Promise<void> {
    this.#transition = this.#transition.then(step, step);
    return this.#transition;
  }
}
