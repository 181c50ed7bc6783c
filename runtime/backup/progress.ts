/** Progress of a long backup, verify or restore: count, rate, ETA, at most a few times a second. */
import type { BackupProgress } from "./types.ts";

/** Reports progress through a callback (a TTY bar or plain lines, chosen by the task). */
export class Meter {
  readonly #started = performance.now();
  readonly #report?: (progress: BackupProgress) => void;
  #last = 0;
  constructor(report?: (progress: BackupProgress) => void) {
    this.#report = report;
  }
  tick(
    phase: BackupProgress["phase"],
    done: number,
    total: number | null,
    force = false,
  ): void {
    if (!this.#report) return;
    const now = performance.now();
    if (!force && now - this.#last < 200) return;
    this.#last = now;
    const seconds = Math.max(0.001, (now - this.#started) / 1000);
    const perSecond = done / seconds;
    this.#report({
      phase,
      done,
      total,
      perSecond,
      etaMs: total === null || perSecond === 0
        ? null
        : Math.max(0, ((total - done) / perSecond) * 1000),
    });
  }
}
