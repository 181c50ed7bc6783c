/**
 * The node's side of the dead-letter store: it writes what the actor system
 * and the projection engine report (buffered, so a store that is down with
 * the rest of the infrastructure loses nothing while the node runs),
 * performs the retries an operator requests, and keeps the counts that
 * `/health/ready` and `/metrics` show.
 */
import { delay, withTimeout } from "../core/mod.ts";
import {
  DeadLetterKinds,
  DeadLetterStatuses,
  errorReason,
  FINAL_DEAD_LETTER_STATUSES,
} from "../core/mod.ts";
import type {
  DeadLetter,
  DeadLetterInput,
  DeadLetterKind,
  DeadLetterOutcome,
  DeadLetterRetrier,
  DeadLetterStatus,
  DeadLetterStore,
} from "../core/mod.ts";

/** Options of `DeadLetterOffice`. */
export interface DeadLetterOfficeOptions {
  store: DeadLetterStore;
  /** This node's id, written into the letters it records and the retries it claims. */
  node: string;
  /** Who performs retries of each kind on this node; a kind without one waits for another node. */
  retriers?: Partial<Record<DeadLetterKind, DeadLetterRetrier>>;
  /** How often the store's change mark is polled (default 1 000 ms). */
  pollIntervalMs?: number;
  /** Longest one retry may take before it counts as failed again (default 30 000 ms). */
  retryTimeoutMs?: number;
  /** A claim older than this belongs to a node that went away (default 4 × `retryTimeoutMs`). */
  staleClaimMs?: number;
  /** Resolved and rejected letters are deleted this long after they closed (default 30 days; 0 keeps them). */
  retentionMs?: number;
  /** Most reports held while the store cannot be written (default 1 000; the oldest go first). */
  maxPending?: number;
  /** Retries run at once (default 4). */
  maxConcurrentRetries?: number;
}

/** Counts from the node's latest look at the store. */
export interface DeadLetterSummary {
  /** Letters by kind and status. */
  counts: Record<DeadLetterKind, Record<DeadLetterStatus, number>>;
  /** Letters not resolved or rejected. */
  open: number;
  /** `recordedAt` of the oldest letter not resolved or rejected, or null. */
  oldestOpenAt: string | null;
  /** ISO time of that look, or null before the first. */
  asOf: string | null;
}

/** What `/health/ready` shows of the dead letters. */
export interface DeadLetterReadiness {
  /** Always true: open dead letters degrade the node, they do not take it down. */
  ok: true;
  degraded: boolean;
  open: number;
  byStatus: Record<DeadLetterStatus, number>;
  oldestOpenAgeSeconds: number | null;
  /** Reports not yet written (the store was unreachable). */
  pendingWrites: number;
  asOf: string | null;
  error?: string;
  [detail: string]: unknown;
}

const RETRY_OUTCOMES = ["resolved", "rejected", "failed"] as const;
type RetryOutcomeLabel = typeof RETRY_OUTCOMES[number];
const KINDS = Object.values(DeadLetterKinds);
const STATUSES = Object.values(DeadLetterStatuses);
const PURGE_EVERY_MS = 60 * 60_000;
const RESCAN_EVERY_MS = 60_000;

/**
 * Records dead letters, performs requested retries and reports on them.
 *
 * A retry is claimed by compare-and-set (`claimRetry`), so one node performs
 * it; a node that cannot perform a kind (a standby for projections) leaves it
 * for one that can. Polling costs one read of the store's change mark per
 * interval; the letters are read again only after a change.
 *
 * @example
 * ```ts
 * const office = new DeadLetterOffice({ store, node: "node-1", retriers: { command } });
 * const system = new ActorSystem({ log, onDeadLetter: (l) => office.record(l) });
 * office.start();
 * ```
 */
export class DeadLetterOffice {
  readonly store: DeadLetterStore;
  readonly node: string;
  #retriers: Partial<Record<DeadLetterKind, DeadLetterRetrier>>;
  readonly #pollIntervalMs: number;
  readonly #retryTimeoutMs: number;
  readonly #staleClaimMs: number;
  readonly #retentionMs: number;
  readonly #maxPending: number;
  readonly #maxRetries: number;
  readonly #controller = new AbortController();
  readonly #pending: DeadLetterInput[] = [];
  readonly #inflight = new Map<string, Promise<void>>();
  #flushing: Promise<void> | null = null;
  #loop: Promise<void> | null = null;
  #mark: string | null = null;
  #scannedAt = 0;
  #purgedAt = 0;
  #summary: DeadLetterSummary = emptySummary();
  #lastError: string | null = null;
  #dropped = 0;
  readonly #recorded = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<
    DeadLetterKind,
    number
  >;
  readonly #retries = Object.fromEntries(
    KINDS.map((
      k,
    ) => [k, Object.fromEntries(RETRY_OUTCOMES.map((o) => [o, 0]))]),
  ) as Record<DeadLetterKind, Record<RetryOutcomeLabel, number>>;

  constructor(options: DeadLetterOfficeOptions) {
    this.store = options.store;
    this.node = options.node;
    this.#retriers = options.retriers ?? {};
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#retryTimeoutMs = options.retryTimeoutMs ?? 30_000;
    this.#staleClaimMs = options.staleClaimMs ?? 4 * this.#retryTimeoutMs;
    this.#retentionMs = options.retentionMs ?? 30 * 24 * 60 * 60_000;
    this.#maxPending = options.maxPending ?? 1000;
    this.#maxRetries = options.maxConcurrentRetries ?? 4;
  }

  /**
   * Takes a report from the actor system or the projection engine; never
   * throws and never waits. It is written at once, or by the loop once the
   * store answers again.
   */
  record(input: DeadLetterInput): void {
    this.#pending.push({
      ...input,
      node: input.node ?? this.node,
      at: input.at ?? new Date().toISOString(),
    });
    if (this.#pending.length > this.#maxPending) {
      this.#pending.shift();
      this.#dropped++;
    }
    void this.flush();
  }

  /**
   * Writes the pending reports; resolves when none is left or the store
   * failed. Calls queue behind each other, so a report taken while a flush
   * is finishing is written by the next.
   */
  flush(): Promise<void> {
    const run = (this.#flushing ?? Promise.resolve()).then(() => this.#drain());
    this.#flushing = run;
    void run.finally(() => {
      if (this.#flushing === run) this.#flushing = null;
    });
    return run;
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const input = this.#pending[0];
      try {
        // Not tied to the stop: the last flush runs while the node stops.
        await this.store.record(input, { signal: AbortSignal.timeout(5_000) });
      } catch (error) {
        this.#lastError = `recording failed: ${errorReason(error)}`;
        return;
      }
      this.#pending.shift();
      this.#recorded[input.kind]++;
    }
  }

  /**
   * Starts the loop: flush, look for changes, perform requested retries,
   * purge. `retriers` (added to those given at construction) can come now,
   * so the office records from the start while the parts that perform
   * retries are still being built.
   */
  start(
    retriers: Partial<Record<DeadLetterKind, DeadLetterRetrier>> = {},
  ): void {
    if (this.#loop) throw new TypeError("Dead-letter office already started");
    this.#retriers = { ...this.#retriers, ...retriers };
    this.#loop = (async () => {
      const signal = this.#controller.signal;
      while (!signal.aborted) {
        await this.tick().catch((error) => {
          this.#lastError = errorReason(error);
        });
        await delay(this.#pollIntervalMs, { signal }).catch(() => {});
      }
    })();
  }

  /**
   * Stops the loop, aborts running retries (each reopens its letter, or
   * leaves a claim another node takes over once stale) and tries once more
   * to write pending reports.
   */
  async stop(): Promise<void> {
    this.#controller.abort(new DOMException("Node stopping", "AbortError"));
    await this.#loop;
    await Promise.allSettled([...this.#inflight.values()]);
    await this.flush();
    if (this.#pending.length > 0) {
      console.warn(
        `${this.#pending.length} dead letters could not be written before the stop`,
      );
    }
  }

  /** One round of the loop (the loop calls it; tests may too). */
  async tick(): Promise<void> {
    await this.flush();
    const mark = await this.store.changeMark({
      signal: withTimeout(5_000, this.#controller.signal),
    });
    const now = Date.now();
    if (mark !== this.#mark || now - this.#scannedAt >= RESCAN_EVERY_MS) {
      const letters = await this.store.all({
        signal: withTimeout(10_000, this.#controller.signal),
      });
      this.#mark = mark;
      this.#scannedAt = now;
      this.#summary = summarize(letters);
      this.#lastError = null;
      const resolving: Promise<void>[] = [];
      for (const letter of letters) {
        const done = this.#consider(letter, now);
        if (done) resolving.push(done);
      }
      await Promise.all(resolving);
    }
    if (this.#retentionMs > 0 && now - this.#purgedAt >= PURGE_EVERY_MS) {
      this.#purgedAt = now;
      await this.store.purge(new Date(now - this.#retentionMs));
    }
  }

  /** Resolves when no retry started by this node is running. */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0) {
      await Promise.allSettled([...this.#inflight.values()]);
    }
  }

  /** The counts of the latest look at the store. */
  summary(): DeadLetterSummary {
    return this.#summary;
  }

  /** The `deadLetters` component of `/health/ready`. */
  readiness(): DeadLetterReadiness {
    const s = this.#summary;
    const byStatus = Object.fromEntries(
      STATUSES.map((status) => [
        status,
        KINDS.reduce((n, kind) => n + s.counts[kind][status], 0),
      ]),
    ) as Record<DeadLetterStatus, number>;
    return {
      ok: true,
      degraded: s.open > 0 || this.#pending.length > 0,
      open: s.open,
      byStatus,
      oldestOpenAgeSeconds: s.oldestOpenAt === null ? null : Math.max(
        0,
        Math.round((Date.now() - Date.parse(s.oldestOpenAt)) / 1000),
      ),
      pendingWrites: this.#pending.length,
      asOf: s.asOf,
      ...(this.#lastError ? { error: this.#lastError } : {}),
    };
  }

  /** Prometheus text (format 0.0.4) of the dead letters. */
  metrics(): string {
    const s = this.#summary;
    const lines = [
      "# HELP tms_dead_letters Dead letters in the store, by kind and status",
      "# TYPE tms_dead_letters gauge",
    ];
    for (const kind of KINDS) {
      for (const status of STATUSES) {
        lines.push(
          `tms_dead_letters{kind="${kind}",status="${status}"} ${
            s.counts[kind][status]
          }`,
        );
      }
    }
    const oldest = s.oldestOpenAt === null
      ? 0
      : Math.max(0, (Date.now() - Date.parse(s.oldestOpenAt)) / 1000);
    lines.push(
      "# HELP tms_dead_letters_oldest_open_seconds Age of the oldest dead letter not resolved or rejected (0 when none)",
      "# TYPE tms_dead_letters_oldest_open_seconds gauge",
      `tms_dead_letters_oldest_open_seconds ${oldest.toFixed(3)}`,
      "# HELP tms_dead_letters_recorded_total Permanent failures this node has recorded since it started (a message that fails again counts again)",
      "# TYPE tms_dead_letters_recorded_total counter",
      ...KINDS.map((kind) =>
        `tms_dead_letters_recorded_total{kind="${kind}"} ${
          this.#recorded[kind]
        }`
      ),
      "# HELP tms_dead_letter_retries_total Retries this node has performed since it started, by outcome",
      "# TYPE tms_dead_letter_retries_total counter",
    );
    for (const kind of KINDS) {
      for (const outcome of RETRY_OUTCOMES) {
        lines.push(
          `tms_dead_letter_retries_total{kind="${kind}",outcome="${outcome}"} ${
            this.#retries[kind][outcome]
          }`,
        );
      }
    }
    lines.push(
      "# HELP tms_dead_letters_pending_writes Dead letters waiting to be written (the store did not answer)",
      "# TYPE tms_dead_letters_pending_writes gauge",
      `tms_dead_letters_pending_writes ${this.#pending.length}`,
      "# HELP tms_dead_letters_dropped_total Dead letters dropped because too many were waiting to be written",
      "# TYPE tms_dead_letters_dropped_total counter",
      `tms_dead_letters_dropped_total ${this.#dropped}`,
    );
    return lines.join("\n") + "\n";
  }

  /**
   * Starts a retry the letter asks for and this node can perform; returns
   * the resolution's write when the letter no longer needs one.
   */
  #consider(letter: DeadLetter, now: number): Promise<void> | null {
    const retrier = this.#retriers[letter.kind];
    if (!retrier) return null;
    if (letter.status === DeadLetterStatuses.open) {
      const resolution = retrier.reconcile?.(letter) ?? null;
      if (resolution === null) return null;
      return this.store.resolve(letter.id, this.node, resolution).then(
        () => {},
        (error) => {
          this.#lastError = `resolving ${letter.id} failed: ${
            errorReason(error)
          }`;
        },
      );
    }
    const stale = letter.status === DeadLetterStatuses.retrying &&
      (letter.claim === null ||
        now - Date.parse(letter.claim.at) > this.#staleClaimMs);
    if (letter.status !== DeadLetterStatuses.retryRequested && !stale) {
      return null;
    }
    if (this.#inflight.has(letter.id)) return null;
    if (this.#inflight.size >= this.#maxRetries) return null;
    if (!retrier.canRetry(letter)) return null;
    const run = this.#retry(letter.id, retrier)
      .catch((error) => {
        this.#lastError = `retry of ${letter.id} failed: ${errorReason(error)}`;
      })
      .finally(() => this.#inflight.delete(letter.id));
    this.#inflight.set(letter.id, run);
    return null;
  }

  async #retry(id: string, retrier: DeadLetterRetrier): Promise<void> {
    const stopping = this.#controller.signal;
    const claimed = await this.store.claimRetry(id, this.node, {
      staleAfterMs: this.#staleClaimMs,
      signal: withTimeout(5_000, stopping),
    });
    if (!claimed) return;
    const signal = withTimeout(this.#retryTimeoutMs, stopping);
    let outcome: DeadLetterOutcome | Error;
    try {
      outcome = await retrier.retry(claimed, { signal });
    } catch (error) {
      outcome = stopping.aborted
        ? new Error("The node stopped during the retry")
        : signal.aborted
        ? new Error(
          `The retry did not finish within ${this.#retryTimeoutMs / 1000} s`,
          { cause: error },
        )
        : error instanceof Error
        ? error
        : new Error(String(error));
    }
    // What the retry itself reported (the actor parked again) goes first.
    await this.flush();
    // The outcome must reach the store even while the node stops; if it
    // cannot, the claim goes stale and another round performs the retry
    // again, which is safe: it asks with the same command id.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.store.finishRetry(id, this.node, outcome, {
          signal: AbortSignal.timeout(5_000),
        });
        break;
      } catch (error) {
        if (attempt === 2) throw error;
        await delay(200 * (attempt + 1));
      }
    }
    const label: RetryOutcomeLabel = outcome instanceof Error
      ? "failed"
      : outcome.status;
    this.#retries[claimed.kind][label]++;
  }
}

function emptySummary(): DeadLetterSummary {
  return {
    counts: Object.fromEntries(
      KINDS.map((k) => [k, Object.fromEntries(STATUSES.map((s) => [s, 0]))]),
    ) as DeadLetterSummary["counts"],
    open: 0,
    oldestOpenAt: null,
    asOf: null,
  };
}

function summarize(letters: readonly DeadLetter[]): DeadLetterSummary {
  const summary = emptySummary();
  for (const letter of letters) {
    summary.counts[letter.kind][letter.status]++;
    if (FINAL_DEAD_LETTER_STATUSES.has(letter.status)) continue;
    summary.open++;
    if (
      summary.oldestOpenAt === null || letter.recordedAt < summary.oldestOpenAt
    ) {
      summary.oldestOpenAt = letter.recordedAt;
    }
  }
  summary.asOf = new Date().toISOString();
  return summary;
}
