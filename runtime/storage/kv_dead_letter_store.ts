import { UnavailableError } from "../core/mod.ts";
import { DeadLetterKeys } from "../core/mod.ts";
import type { DeadLetter } from "../core/mod.ts";
import type { SignalOptions } from "../core/mod.ts";
import {
  DeadLetterStoreBase,
  decodeLetter,
  encodeLetter,
} from "./dead_letter_store.ts";
import type { VersionedLetter } from "./dead_letter_store.ts";

/**
 * The embedded dead-letter store: a Deno KV file of its own
 * (`$TMS_DATA_DIR/deadletters.kv`, owner-only), `["dead_letter", id]` → the
 * letter as JSON bytes, and `["dead_letter_meta", "changes"]`, a counter every
 * write adds to in the same atomic (the change mark). Compare-and-set is a
 * `check` on the letter's versionstamp.
 *
 * Not in `events.kv`: that file's fence is the versionstamp of
 * `["meta","position"]` alone, so other keys would be safe there, but SQLite
 * has one writer per file (a dead-letter write would queue behind a group
 * commit and the reverse), the ops task would open the event log's file, and
 * the event log is kept and backed up for ever while dead letters hold
 * command payloads with personal data and are purged after a retention time.
 *
 * @example
 * ```ts
 * const store = await KvDeadLetterStore.open(`${dataDir}/deadletters.kv`);
 * ```
 */
export class KvDeadLetterStore extends DeadLetterStoreBase {
  readonly #kv: Deno.Kv;
  #closed = false;

  private constructor(kv: Deno.Kv) {
    super();
    this.#kv = kv;
  }

  /**
   * Opens the store at `path` (`":memory:"` for a throwaway one), creating
   * it readable by the owner only unless `create` is false (then a missing
   * file is a `Deno.errors.NotFound`).
   */
  static async open(
    path: string,
    options: { create?: boolean } = {},
  ): Promise<KvDeadLetterStore> {
    if (path !== ":memory:") {
      if (options.create === false) {
        await Deno.stat(path);
      } else {
        const dir = path.replace(/\/[^/]*$/, "");
        if (dir !== path && dir !== "") {
          await Deno.mkdir(dir, { recursive: true });
        }
        try {
          // SQLite takes an empty file as a new database; its WAL gets the same mode.
          await Deno.writeFile(path, new Uint8Array(), {
            createNew: true,
            mode: 0o600,
          });
        } catch (error) {
          if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
        }
      }
    }
    return new KvDeadLetterStore(await Deno.openKv(path));
  }

  protected async read(id: string): Promise<VersionedLetter | null> {
    const entry = await this.#call(() =>
      this.#kv.get<Uint8Array>(DeadLetterKeys.kv(id))
    );
    if (entry.value === null) return null;
    return { letter: decodeLetter(entry.value), revision: entry.versionstamp };
  }

  protected async write(
    letter: DeadLetter,
    revision: string | null,
  ): Promise<boolean> {
    const key = DeadLetterKeys.kv(letter.id);
    const result = await this.#call(() =>
      this.#kv.atomic()
        .check({ key, versionstamp: revision })
        .set(key, encodeLetter(letter))
        .sum([...DeadLetterKeys.kvChanges], 1n)
        .commit()
    );
    return result.ok;
  }

  protected async scan(): Promise<VersionedLetter[]> {
    return await this.#call(async () => {
      const out: VersionedLetter[] = [];
      const entries = this.#kv.list<Uint8Array>({
        prefix: [...DeadLetterKeys.kvPrefix],
      });
      for await (const entry of entries) {
        out.push({
          letter: decodeLetter(entry.value),
          revision: entry.versionstamp,
        });
      }
      return out;
    });
  }

  protected async remove(id: string, revision: string): Promise<boolean> {
    const key = DeadLetterKeys.kv(id);
    const result = await this.#call(() =>
      this.#kv.atomic()
        .check({ key, versionstamp: revision })
        .delete(key)
        .sum([...DeadLetterKeys.kvChanges], 1n)
        .commit()
    );
    return result.ok;
  }

  async changeMark(_options?: SignalOptions): Promise<string> {
    const entry = await this.#call(() =>
      this.#kv.get([...DeadLetterKeys.kvChanges])
    );
    return entry.versionstamp ?? "0";
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#kv.close();
    }
    return Promise.resolve();
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      throw new UnavailableError("The dead-letter store is closed");
    }
    try {
      return await fn();
    } catch (error) {
      throw new UnavailableError("The dead-letter store is unavailable", {
        retryAfter: 1,
        cause: error,
      });
    }
  }
}
