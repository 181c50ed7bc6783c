import { jetstream, kvm, StorageType } from "../../deps.ts";
import type { KV, NatsConnection } from "../../deps.ts";
import { AuthKeyNames, JetStreamNames, UnavailableError } from "../core/mod.ts";
import type { SignalOptions } from "../core/mod.ts";
import { isWrongLastSequence, openWithRetries } from "../nats/mod.ts";
import { checkKeySet } from "./key_set.ts";
import type { TokenKeySet, TokenKeyStore, VersionedKeySet } from "./key_set.ts";

/** Options of `NatsTokenKeyStore.open`. */
export interface NatsTokenKeyStoreOptions extends SignalOptions {
  /** Bucket name (default `tms_auth_keys`). */
  bucket?: string;
  /** Replicas when the bucket is created (1 locally, 3 in a cluster). */
  replicas?: number;
  /** Request timeout in ms (default 5 000). */
  requestTimeoutMs?: number;
  /** Bind to an existing bucket only (the ops task): a missing one is an error. */
  existing?: boolean;
}

/**
 * The distributed key set: one value (key `keyset`) in the JetStream KV
 * bucket `tms_auth_keys` (file storage, history 1), so every node signs with
 * the same current key and verifies every node's tokens. A write is
 * `create` (no set yet) or `update` with the revision read; a lost race is
 * JetStream's wrong-last-sequence, answered `false`. With replicas, reads go
 * to the leader (no direct gets): a compare-and-set must see the latest
 * revision.
 *
 * The private keys are in the bucket in the clear: limit who may read
 * `$KV.tms_auth_keys.>` to the nodes and the ops task.
 *
 * @example
 * ```ts
 * const store = await NatsTokenKeyStore.open(nc, { replicas: 3 });
 * const tokens = await TokenService.open(store, { issuer, audience });
 * ```
 */
export class NatsTokenKeyStore implements TokenKeyStore {
  readonly #kv: KV;

  private constructor(kv: KV) {
    this.#kv = kv;
  }

  /** Opens (creating when missing, unless `existing`) the bucket on a connection the caller owns. */
  static async open(
    nc: NatsConnection,
    options: NatsTokenKeyStoreOptions = {},
  ): Promise<NatsTokenKeyStore> {
    const replicas = options.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      throw new RangeError("Replicas must be an integer from 1 to 5");
    }
    const bucket = options.bucket ?? JetStreamNames.authKeys;
    const js = jetstream(nc, { timeout: options.requestTimeoutMs ?? 5_000 });
    if (options.existing) {
      const kv = await kvm(js).open(bucket);
      try {
        await kv.status();
      } catch (error) {
        throw new UnavailableError(
          `No access-token key bucket ${bucket} (has a node run in distributed mode?)`,
          { cause: error },
        );
      }
      return new NatsTokenKeyStore(kv);
    }
    try {
      return await openWithRetries(async () => {
        try {
          return new NatsTokenKeyStore(
            await kvm(js).create(bucket, {
              history: 1,
              replicas,
              storage: StorageType.File,
              allow_direct: replicas <= 1,
            }),
          );
        } catch (error) {
          // Created by another node with other settings: use it as it is.
          try {
            return new NatsTokenKeyStore(await kvm(js).open(bucket));
          } catch {
            throw error;
          }
        }
      }, { signal: options.signal, closed: () => nc.isClosed() });
    } catch (failure) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new UnavailableError(
        "The access-token key bucket could not be opened",
        {
          retryAfter: 1,
          cause: failure,
        },
      );
    }
  }

  async read(): Promise<VersionedKeySet | null> {
    const entry = await unavailable(() => this.#kv.get(AuthKeyNames.bucketKey));
    if (!entry || entry.operation !== "PUT") return null;
    return {
      keySet: checkKeySet(entry.json<TokenKeySet>()),
      revision: String(entry.revision),
    };
  }

  async write(keySet: TokenKeySet, revision: string | null): Promise<boolean> {
    const value = JSON.stringify(checkKeySet(keySet));
    try {
      if (revision === null) {
        await this.#kv.create(AuthKeyNames.bucketKey, value);
      } else {
        await this.#kv.update(AuthKeyNames.bucketKey, value, Number(revision));
      }
      return true;
    } catch (error) {
      if (isWrongLastSequence(error)) return false;
      throw new UnavailableError("The access-token key store is unavailable", {
        retryAfter: 1,
        cause: error,
      });
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function unavailable<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new UnavailableError("The access-token key store is unavailable", {
      retryAfter: 1,
      cause: error,
    });
  }
}
