import { UnavailableError } from "../core/mod.ts";
import type { LockOptions } from "./store.ts";

/**
 * Named locks inside one process: what `SqlStore.withLock` needs where a data
 * dir lock already makes this process the only one (PGlite).
 */
export class InProcessLocks {
  readonly #held = new Map<string, Promise<unknown>>();

  /** Runs `fn` holding `name`; a held lock fails at once unless `wait`. */
  async run<T>(
    name: string,
    fn: () => Promise<T>,
    options: LockOptions = {},
  ): Promise<T> {
    while (this.#held.has(name)) {
      if (!options.wait) {
        throw new UnavailableError(`Lock ${name} is held; try again later`);
      }
      options.signal?.throwIfAborted();
      await this.#held.get(name)!.catch(() => {});
    }
    const run = fn();
    this.#held.set(name, run);
    try {
      return await run;
    } finally {
      this.#held.delete(name);
    }
  }
}
