/**
 * The newest feed position an engine knows of: learnt from the log's watch
 * (commits through this process), from the batches it reads, and from a
 * fallback poll of the head (commits other processes write).
 */
import type { EventLog } from "../core/mod.ts";

/** Tracks the feed head; calls `onAdvance` each time it moves forward. */
export class FeedHead {
  readonly #log: EventLog;
  readonly #pollIntervalMs: number;
  readonly #onAdvance: (position: number, fromWatch: boolean) => void;
  readonly #signal: AbortSignal;
  #head = 0;
  #unwatch: (() => void) | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #polling: Promise<void> | null = null;
  #stopped = false;

  constructor(options: {
    log: EventLog;
    pollIntervalMs: number;
    /** `fromWatch` false: a read saw commits the watch did not report yet. */
    onAdvance: (position: number, fromWatch: boolean) => void;
    signal: AbortSignal;
  }) {
    this.#log = options.log;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#onAdvance = options.onAdvance;
    this.#signal = options.signal;
  }

  get position(): number {
    return this.#head;
  }

  /** Reads the head once, then follows the watch and polls. */
  async start(): Promise<void> {
    this.#head = await this.#log.headPosition({ signal: this.#signal });
    this.#unwatch = this.#log.watch((position) => this.observe(position, true));
    this.#schedule();
  }

  /** A position seen in the feed; moves the head when it is newer. */
  observe(position: number, fromWatch: boolean): void {
    if (position <= this.#head) return;
    this.#head = position;
    this.#onAdvance(position, fromWatch);
  }

  /** Asks the log for its head now (at most one ask at a time). */
  pollNow(): void {
    if (this.#polling || this.#stopped) return;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#polling = (async () => {
      try {
        this.observe(
          await this.#log.headPosition({ signal: this.#signal }),
          true,
        );
      } catch {
        // The engine's loops see the log's failure themselves and retry.
      } finally {
        this.#polling = null;
        this.#schedule();
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unwatch?.();
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#polling;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.pollNow();
    }, this.#pollIntervalMs);
  }
}
