import { checkKeySet } from "./key_set.ts";
import type { TokenKeySet, TokenKeyStore, VersionedKeySet } from "./key_set.ts";

/**
 * The key set in memory (for tests, and for one process that needs no
 * restart to keep its tokens valid). Stored as JSON, so a caller's later
 * change to an object it wrote or read does not reach the store.
 */
export class MemoryTokenKeyStore implements TokenKeyStore {
  #json: string | null = null;
  #revision = 0;

  // deno-lint-ignore require-await -- async: a malformed set rejects, as elsewhere
  async read(): Promise<VersionedKeySet | null> {
    if (this.#json === null) return null;
    return {
      keySet: checkKeySet(JSON.parse(this.#json)),
      revision: String(this.#revision),
    };
  }

  // deno-lint-ignore require-await -- async: a malformed set rejects, as elsewhere
  async write(keySet: TokenKeySet, revision: string | null): Promise<boolean> {
    const json = JSON.stringify(checkKeySet(keySet));
    const current = this.#json === null ? null : String(this.#revision);
    if (current !== revision) return false;
    this.#json = json;
    this.#revision++;
    return true;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
