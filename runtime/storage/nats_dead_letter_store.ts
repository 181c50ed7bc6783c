import { jetstream, kvm, StorageType } from "../../deps.ts";
import { isWrongLastSequence } from "../nats/mod.ts";
import type { KV, NatsConnection } from "../../deps.ts";
import { UnavailableError } from "../core/mod.ts";
import { DeadLetterKeys, JetStreamNames } from "../core/mod.ts";
import type { DeadLetter } from "../core/mod.ts";
import type { SignalOptions } from "../core/mod.ts";
import { openWithRetries } from "../nats/mod.ts";
import {
  DeadLetterStoreBase,
  decodeLetter,
  encodeLetter,
} from "./dead_letter_store.ts";
import type { VersionedLetter } from "./dead_letter_store.ts";

/** Wrong last sequence: the compare-and-set lost to another writer. */
const SCAN_CONCURRENCY = 32;

/** Options of `NatsDeadLetterStore.open`. */
export interface NatsDeadLetterStoreOptions extends SignalOptions {
  /** Bucket name (default `tms_dead_letters`). */
  bucket?: string;
  /** Replicas when the bucket is created (1 locally, 3 in a cluster). */
  replicas?: number;
  /** Request timeout in ms (default 5 000). */
  requestTimeoutMs?: number;
  /** Bind to an existing bucket only (the ops task): a missing one is an error. */
  existing?: boolean;
}

/**
 * The distributed dead-letter store: the JetStream KV bucket
 * `tms_dead_letters` (file storage, history 1), key = the letter's id, value
 * = its JSON. Compare-and-set is `update` with the entry's revision (`create`
 * for a new one); deletion purges, so a purged letter leaves no history. The
 * change mark is the bucket stream's last sequence. Every node of the cluster
 * and the ops task see the same letters.
 *
 * @example
 * ```ts
 * const store = await NatsDeadLetterStore.open(nc, { replicas: 3 });
 * ```
 */
export class NatsDeadLetterStore extends DeadLetterStoreBase {
  readonly #kv: KV;

  private constructor(kv: KV) {
    super();
    this.#kv = kv;
  }

  /** Opens (creating when missing, unless `existing`) the bucket on a connection the caller owns. */
  static async open(
    nc: NatsConnection,
    options: NatsDeadLetterStoreOptions = {},
  ): Promise<NatsDeadLetterStore> {
    const replicas = options.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      throw new RangeError("Replicas must be an integer from 1 to 5");
    }
    const bucket = options.bucket ?? JetStreamNames.deadLetters;
    const js = jetstream(nc, { timeout: options.requestTimeoutMs ?? 5_000 });
    if (options.existing) {
      const kv = await kvm(js).open(bucket);
      try {
        await kv.status();
      } catch (error) {
        throw new UnavailableError(
          `No dead-letter bucket ${bucket} (has a node run in distributed mode?)`,
          { cause: error },
        );
      }
      return new NatsDeadLetterStore(kv);
    }
    try {
      return await openWithRetries(async () => {
        try {
          return new NatsDeadLetterStore(
            await kvm(js).create(bucket, {
              history: 1,
              replicas,
              storage: StorageType.File,
              // With replicas, reads go to the leader: a compare-and-set must see the latest revision.
              allow_direct: replicas <= 1,
            }),
          );
        } catch (error) {
          // Created by another node with other settings: use it as it is.
          try {
            return new NatsDeadLetterStore(await kvm(js).open(bucket));
          } catch {
            throw error;
          }
        }
      }, { signal: options.signal, closed: () => nc.isClosed() });
    } catch (failure) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new UnavailableError(
        "The dead-letter bucket could not be opened",
        { retryAfter: 1, cause: failure },
      );
    }
  }

  protected async read(id: string): Promise<VersionedLetter | null> {
    const entry = await unavailable(() =>
      this.#kv.get(DeadLetterKeys.bucket(id))
    );
    if (!entry || entry.operation !== "PUT") return null;
    return {
      letter: decodeLetter(entry.value),
      revision: String(entry.revision),
    };
  }

  protected async write(
    letter: DeadLetter,
    revision: string | null,
  ): Promise<boolean> {
    const key = DeadLetterKeys.bucket(letter.id);
    const value = encodeLetter(letter);
    try {
      if (revision === null) await this.#kv.create(key, value);
      else await this.#kv.update(key, value, Number(revision));
      return true;
    } catch (error) {
      if (
        isWrongLastSequence(error)
      ) {
        return false;
      }
      throw new UnavailableError("The dead-letter store is unavailable", {
        retryAfter: 1,
        cause: error,
      });
    }
  }

  protected async scan(): Promise<VersionedLetter[]> {
    const keys: string[] = [];
    await unavailable(async () => {
      for await (const key of await this.#kv.keys()) keys.push(key);
    });
    const out: VersionedLetter[] = [];
    for (let i = 0; i < keys.length; i += SCAN_CONCURRENCY) {
      const batch = await Promise.all(
        keys.slice(i, i + SCAN_CONCURRENCY).map((key) => this.read(key)),
      );
      for (const letter of batch) if (letter) out.push(letter);
    }
    return out;
  }

  protected async remove(id: string, revision: string): Promise<boolean> {
    try {
      await this.#kv.purge(DeadLetterKeys.bucket(id), {
        previousSeq: Number(revision),
      });
      return true;
    } catch (error) {
      if (
        isWrongLastSequence(error)
      ) {
        return false;
      }
      throw new UnavailableError("The dead-letter store is unavailable", {
        retryAfter: 1,
        cause: error,
      });
    }
  }

  async changeMark(): Promise<string> {
    const status = await unavailable(() => this.#kv.status());
    return String(status.streamInfo.state.last_seq);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function unavailable<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new UnavailableError("The dead-letter store is unavailable", {
      retryAfter: 1,
      cause: error,
    });
  }
}
