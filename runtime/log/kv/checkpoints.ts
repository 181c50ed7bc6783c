/**
 * Named feed checkpoints in the embedded log's own Deno KV file, under
 * `["checkpoint", name]` (`FeedConsumerKeys`): beside the commits, so a
 * backup holds them, and revision-checked by their versionstamp.
 */
import { ConcurrencyError, FeedConsumerKeys } from "../../core/mod.ts";
import type {
  FeedCheckpoints,
  SignalOptions,
  StoredCheckpoint,
} from "../../core/mod.ts";

/** `FeedCheckpoints` over a Deno KV handle (the log's). */
export class KvFeedCheckpoints implements FeedCheckpoints {
  readonly #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async load(name: string): Promise<StoredCheckpoint | null> {
    const entry = await this.#kv.get<number>(
      FeedConsumerKeys.kvCheckpoint(name),
    );
    return entry.versionstamp === null
      ? null
      : { position: entry.value, revision: entry.versionstamp };
  }

  async save(
    name: string,
    position: number,
    expected: string | null,
    _options?: SignalOptions,
  ): Promise<string> {
    const key = FeedConsumerKeys.kvCheckpoint(name);
    const result = await this.#kv.atomic()
      .check({ key, versionstamp: expected })
      .set(key, position)
      .commit();
    if (!result.ok) {
      throw new ConcurrencyError(
        `The checkpoint ${name} was moved by another writer`,
        position,
        null,
      );
    }
    return result.versionstamp;
  }

  async list(): Promise<Record<string, number>> {
    const all: Record<string, number> = {};
    const entries = this.#kv.list<number>({
      prefix: [...FeedConsumerKeys.kvCheckpointPrefix],
    });
    for await (const entry of entries) {
      all[String(entry.key[1])] = entry.value;
    }
    return all;
  }

  /** Sets every checkpoint as given (a restore into an empty file). */
  async restore(checkpoints: Record<string, number>): Promise<void> {
    const atomic = this.#kv.atomic();
    for (const [name, position] of Object.entries(checkpoints)) {
      atomic.set(FeedConsumerKeys.kvCheckpoint(name), position);
    }
    await atomic.commit();
  }
}
