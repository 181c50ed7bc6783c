/**
 * Named feed checkpoints of the distributed log: keys `checkpoint.<name>` of
 * the JetStream KV bucket `tms_consumers` (`FeedConsumerKeys`), each write
 * revision-checked, so two writers never both move one checkpoint on.
 */
import { kvm, StorageType } from "../../../deps.ts";
import type { JetStreamClient, KV, NatsConnection } from "../../../deps.ts";
import { jetstream } from "../../../deps.ts";
import { ConcurrencyError, FeedConsumerKeys } from "../../core/mod.ts";
import type {
  FeedCheckpoints,
  SignalOptions,
  StoredCheckpoint,
} from "../../core/mod.ts";
import { isWrongLastSequence, openWithRetries } from "../../nats/mod.ts";

/**
 * The bucket `tms_consumers`: one value per key, no expiry (a checkpoint must
 * outlive every node). With replicas, reads go to the leader.
 */
export async function openConsumersBucket(
  js: JetStreamClient,
  options: { replicas?: number } = {},
): Promise<KV> {
  const replicas = options.replicas ?? 1;
  return await openWithRetries(
    () =>
      kvm(js).create(FeedConsumerKeys.bucket, {
        history: 1,
        replicas,
        storage: StorageType.File,
        allow_direct: replicas <= 1,
      }),
    {},
  );
}

/** `FeedCheckpoints` in the bucket `tms_consumers`. */
export class JetStreamFeedCheckpoints implements FeedCheckpoints {
  /** The bucket (the relay's lease lives in it too). */
  readonly kv: KV;

  constructor(kv: KV) {
    this.kv = kv;
  }

  /** Opens (creating when missing) the bucket of a connection. */
  static async open(
    nc: NatsConnection,
    options: { replicas?: number } = {},
  ): Promise<JetStreamFeedCheckpoints> {
    return new JetStreamFeedCheckpoints(
      await openConsumersBucket(jetstream(nc), options),
    );
  }

  async load(name: string): Promise<StoredCheckpoint | null> {
    const entry = await this.kv.get(FeedConsumerKeys.checkpoint(name));
    if (!entry || entry.operation !== "PUT") return null;
    return {
      position: entry.json<{ position: number }>().position,
      revision: String(entry.revision),
    };
  }

  async save(
    name: string,
    position: number,
    expected: string | null,
    _options?: SignalOptions,
  ): Promise<string> {
    const key = FeedConsumerKeys.checkpoint(name);
    const value = JSON.stringify({ position, at: Date.now() });
    try {
      const revision = expected === null
        ? await this.kv.create(key, value)
        : await this.kv.update(key, value, Number(expected));
      return String(revision);
    } catch (error) {
      if (isWrongLastSequence(error) || isExisting(error)) {
        throw new ConcurrencyError(
          `The checkpoint ${name} was moved by another writer`,
          position,
          null,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async list(): Promise<Record<string, number>> {
    const all: Record<string, number> = {};
    const keys = await this.kv.keys(`${FeedConsumerKeys.checkpointPrefix}>`);
    for await (const key of keys) {
      const name = key.slice(FeedConsumerKeys.checkpointPrefix.length);
      const stored = await this.load(name);
      if (stored) all[name] = stored.position;
    }
    return all;
  }

  /** Sets every checkpoint as given (a restore). */
  async restore(checkpoints: Record<string, number>): Promise<void> {
    for (const [name, position] of Object.entries(checkpoints)) {
      await this.kv.put(
        FeedConsumerKeys.checkpoint(name),
        JSON.stringify({ position, at: Date.now() }),
      );
    }
  }
}

/** `create` of a key that exists (nats.js: "wrong last sequence" too, or its own message). */
function isExisting(error: unknown): boolean {
  return error instanceof Error && /exist/i.test(error.message);
}
