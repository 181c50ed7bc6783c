/** What a waiter's condition says now: reached, not yet, or never (an error). */
export type WaitOutcome = "reached" | "waiting" | Error;

interface Waiter {
  position: number;
  names: readonly string[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Callers waiting until named consumers pass a feed position. The owner calls
 * `settleAll` whenever a position or state changes; `outcome` decides.
 */
export class PositionWaiters {
  readonly #waiters = new Set<Waiter>();
  readonly #outcome: (
    position: number,
    names: readonly string[],
  ) => WaitOutcome;

  constructor(
    outcome: (position: number, names: readonly string[]) => WaitOutcome,
  ) {
    this.#outcome = outcome;
  }

  /** Resolves when reached; rejects with the outcome's error or the signal's reason. */
  wait(
    position: number,
    names: readonly string[],
    signal?: AbortSignal,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.#waiters.delete(waiter);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        position,
        names,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      if (this.#settle(waiter)) return;
      this.#waiters.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  settleAll(): void {
    for (const waiter of this.#waiters) {
      if (this.#settle(waiter)) this.#waiters.delete(waiter);
    }
  }

  rejectAll(error: unknown): void {
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters.clear();
  }

  #settle(waiter: Waiter): boolean {
    const outcome = this.#outcome(waiter.position, waiter.names);
    if (outcome === "waiting") return false;
    if (outcome === "reached") waiter.resolve();
    else waiter.reject(outcome);
    return true;
  }
}
