import type { DeadLetter } from "../core/mod.ts";
import { DeadLetterStoreBase } from "./dead_letter_store.ts";
import type { VersionedLetter } from "./dead_letter_store.ts";

/**
 * Dead letters in this process's memory, for tests and tools. Values are
 * kept as JSON, so they come back as a durable store returns them.
 *
 * @example
 * ```ts
 * const store = new MemoryDeadLetterStore();
 * ```
 */
export class MemoryDeadLetterStore extends DeadLetterStoreBase {
  readonly #letters = new Map<string, { json: string; revision: number }>();
  #revision = 0;

  protected read(id: string): Promise<VersionedLetter | null> {
    const stored = this.#letters.get(id);
    return Promise.resolve(
      stored
        ? { letter: JSON.parse(stored.json), revision: String(stored.revision) }
        : null,
    );
  }

  protected write(
    letter: DeadLetter,
    revision: string | null,
  ): Promise<boolean> {
    const stored = this.#letters.get(letter.id);
    if ((stored ? String(stored.revision) : null) !== revision) {
      return Promise.resolve(false);
    }
    this.#letters.set(letter.id, {
      json: JSON.stringify(letter),
      revision: ++this.#revision,
    });
    return Promise.resolve(true);
  }

  protected scan(): Promise<VersionedLetter[]> {
    return Promise.resolve(
      [...this.#letters.values()].map((s) => ({
        letter: JSON.parse(s.json),
        revision: String(s.revision),
      })),
    );
  }

  protected remove(id: string, revision: string): Promise<boolean> {
    const stored = this.#letters.get(id);
    if (!stored || String(stored.revision) !== revision) {
      return Promise.resolve(false);
    }
    this.#letters.delete(id);
    this.#revision++;
    return Promise.resolve(true);
  }

  changeMark(): Promise<string> {
    return Promise.resolve(String(this.#revision));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
