import {
  DiscardPolicy,
  isJetStreamApiError,
  kvm,
  RetentionPolicy,
  StorageType,
} from "../../deps.ts";
import type {
  JetStreamClient,
  JetStreamManager,
  KV,
  StreamConfig,
} from "../../deps.ts";
import { backoff, delay } from "../core/mod.ts";
import { JetStreamNames } from "../core/mod.ts";
import { JetStreamErrorCodes } from "./errors.ts";

/** How the event stream is created when it does not exist yet. */
export interface EventStreamOptions {
  /** Replicas (1 locally, 3 in a cluster). */
  replicas: number;
  /** Deduplication window on `Nats-Msg-Id`. */
  duplicateWindowMs: number;
}

/**
 * The stream `TMS_EVENTS` on `tms.evt.>`: file storage, no limits, discard
 * new (a full disk refuses commits rather than dropping history), deletes and
 * purges denied, direct gets allowed. An existing stream is used as it is.
 *
 * @example
 * ```ts
 * const config = await ensureEventStream(jsm, { replicas: 3, duplicateWindowMs: 120_000 });
 * ```
 */
export async function ensureEventStream(
  jsm: JetStreamManager,
  options: EventStreamOptions,
): Promise<StreamConfig> {
  return await ensureStream(jsm, {
    name: JetStreamNames.stream,
    subjects: [`${JetStreamNames.subjectPrefix}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    num_replicas: options.replicas,
    max_msgs_per_subject: -1,
    duplicate_window: options.duplicateWindowMs * 1_000_000,
    deny_delete: true,
    deny_purge: true,
    allow_direct: true,
  });
}

/**
 * The KV bucket `tms_snapshots` (one value per key). With replicas, reads go
 * to the leader: a lagging replica must not hide a snapshot just written.
 */
export async function openSnapshotBucket(
  js: JetStreamClient,
  options: { replicas: number },
): Promise<KV> {
  return await kvm(js).create(JetStreamNames.snapshots, {
    replicas: options.replicas,
    history: 1,
    storage: StorageType.File,
    allow_direct: options.replicas <= 1,
  });
}

async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<StreamConfig> {
  try {
    return (await jsm.streams.info(config.name)).config;
  } catch (error) {
    if (
      !isJetStreamApiError(error, JetStreamErrorCodes.streamNotFound)
    ) {
      throw error;
    }
  }
  try {
    return (await jsm.streams.add(config)).config;
  } catch (error) {
    // Another node created it first.
    if (
      isJetStreamApiError(error, JetStreamErrorCodes.streamNameInUse)
    ) {
      return (await jsm.streams.info(config.name)).config;
    }
    throw error;
  }
}

/**
 * Runs `open` until it succeeds (at most `attempts` times, default 5, with
 * backoff): a replicated bucket answers only once its first leader is
 * elected, and nodes starting together race to create it. Stops early when
 * `closed()` says the connection is gone; throws the last failure.
 */
export async function openWithRetries<T>(
  open: () => Promise<T>,
  options: { signal?: AbortSignal; attempts?: number; closed?: () => boolean },
): Promise<T> {
  let failure: unknown;
  for (let attempt = 0; attempt < (options.attempts ?? 5); attempt++) {
    if (attempt > 0) {
      await delay(backoff(attempt, 200, 2_000), { signal: options.signal });
    }
    try {
      return await open();
    } catch (error) {
      failure = error;
      if (options.closed?.()) break;
    }
  }
  throw failure;
}

/**
 * A bucket of leases (`tms_placement`, `tms_supervisors`): one value per
 * key, entries expire a TTL after their last write (the server's clean-up;
 * expiry is judged by the nodes). Tried `attempts` times (default 5); a
 * bucket another node created with other settings is used as it is.
 */
export async function openLeaseBucket(
  js: JetStreamClient,
  name: string,
  options: { ttlMs: number; replicas: number; attempts?: number },
): Promise<KV> {
  let failure: unknown;
  for (let attempt = 0; attempt < (options.attempts ?? 5); attempt++) {
    if (attempt > 0) await delay(200 * attempt);
    try {
      return await kvm(js).create(name, {
        history: 1,
        ttl: options.ttlMs,
        replicas: options.replicas,
        storage: StorageType.File,
        allow_direct: options.replicas <= 1,
      });
    } catch (error) {
      failure = error;
      try {
        return await kvm(js).open(name);
      } catch {
        // retried
      }
    }
  }
  throw failure;
}
