import { jetstream, kvm, StorageType } from "../../deps.ts";
import type { KV, NatsConnection } from "../../deps.ts";
import { UnavailableError } from "../core/mod.ts";
import { AesKeyStore } from "./key_store.ts";
import type { StoredKey } from "./key_store.ts";
import { openWithRetries } from "../nats/mod.ts";
import { JetStreamNames } from "../core/mod.ts";
import type { SignalOptions } from "../core/mod.ts";

/** Options of `NatsKeyStore.open`. */
export interface NatsKeyStoreOptions extends SignalOptions {
  /** Bucket name (default `tms_keys`). */
  bucket?: string;
  /** Replicas when the bucket is created (1 locally, 3 in a cluster). */
  replicas?: number;
  /** Request timeout in ms (default 5 000). */
  requestTimeoutMs?: number;
}

/**
 * The distributed key store: personal-data keys in the JetStream KV bucket
 * `tms_keys` (one value per subject, no history, file storage), so every node
 * encrypts and decrypts with the same key whichever node an employee's
 * requests reach. The first key of a subject wins (`create` fails when one
 * exists; the loser reads the winner's). Shredding purges the subject, which
 * removes the value with its history; keys are not cached, so a key shredded
 * through one node no longer decrypts on any.
 *
 * A purged message may stay in the server's block files until they are
 * compacted; keep the bucket's storage out of backups like the filesystem
 * store's directory.
 *
 * @example
 * ```ts
 * const keys = await NatsKeyStore.open(nc, { replicas: 3 });
 * const value = await keys.encrypt(employeeId, "01010012356");
 * ```
 */
export class NatsKeyStore extends AesKeyStore {
  readonly #kv: KV;

  private constructor(kv: KV) {
    super({ cache: false });
    this.#kv = kv;
  }

  /** Opens (creating when missing) the bucket on a connection the caller owns. */
  static async open(
    nc: NatsConnection,
    options: NatsKeyStoreOptions = {},
  ): Promise<NatsKeyStore> {
    const replicas = options.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      throw new RangeError("Replicas must be an integer from 1 to 5");
    }
    const bucket = options.bucket ?? JetStreamNames.keys;
    const js = jetstream(nc, { timeout: options.requestTimeoutMs ?? 5_000 });
    try {
      return await openWithRetries(async () => {
        try {
          return new NatsKeyStore(
            await kvm(js).create(bucket, {
              history: 1,
              replicas,
              storage: StorageType.File,
            }),
          );
        } catch (error) {
          // Created by another node with other settings: use it as it is.
          try {
            return new NatsKeyStore(await kvm(js).open(bucket));
          } catch {
            throw error;
          }
        }
      }, { signal: options.signal, closed: () => nc.isClosed() });
    } catch (failure) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new UnavailableError("The key store bucket could not be opened", {
        retryAfter: 1,
        cause: failure,
      });
    }
  }

  protected async load(subject: string): Promise<StoredKey | null> {
    const entry = await unavailable(() => this.#kv.get(subject));
    if (!entry || entry.operation !== "PUT") return null;
    return entry.json<StoredKey>();
  }

  protected async create(subject: string, key: StoredKey): Promise<StoredKey> {
    try {
      await this.#kv.create(subject, JSON.stringify(key));
      return key;
    } catch (error) {
      // Another node created the subject's key first: that one holds.
      const existing = await this.load(subject);
      if (existing) return existing;
      throw new UnavailableError("The key store could not be written", {
        retryAfter: 1,
        cause: error,
      });
    }
  }

  protected async remove(subject: string): Promise<boolean> {
    const existing = await this.load(subject);
    await unavailable(() => this.#kv.purge(subject));
    return existing !== null;
  }

  protected async *subjects(): AsyncIterable<string> {
    const keys = await unavailable(() => this.#kv.keys());
    for await (const key of keys) yield key;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function unavailable<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new UnavailableError("The key store is unavailable", {
      retryAfter: 1,
      cause: error,
    });
  }
}
