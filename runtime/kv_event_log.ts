import { ConcurrencyError, UnavailableError } from "./errors.ts";
import { KV_POSITION_KEY, KvKeys } from "./keys.ts";
import type {
  AppendRequest,
  AppendResult,
  Commit,
  EventLog,
  SignalOptions,
  Snapshot,
} from "./types.ts";
import { Watchers } from "./watchers.ts";

/** Deno KV's limits for one atomic operation (checks, mutations, bytes). */
export const KV_LIMITS = {
  checks: 100,
  mutations: 1000,
  bytes: 800 * 1024,
  valueBytes: 64 * 1024,
  getMany: 10,
} as const;

/** Options of the Deno KV event log. */
export interface KvEventLogOptions {
  /** Most commits written in one atomic (≤ 99: one check is the position head). */
  maxBatch?: number;
}

interface Pending {
  request: AppendRequest;
  bytes: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type FeedPointer = [type: string, id: string, version: number];

const MUTATIONS_PER_COMMIT = 3;
const ENVELOPE_BYTES = 512;
const HEAD_CACHE_SIZE = 100_000;

/**
 * The embedded `EventLog` on Deno KV, with group commit: appends of different
 * streams that arrive while an atomic is in flight are written together in the
 * next atomic, each stream's expected version checked, each commit given the
 * next gap-free feed position inside the same atomic.
 *
 * Keys: `["stream", type, id, version]` → commit, `["head", type, id]` →
 * version, `["feed", position]` → `[type, id, version]`, `["meta", "position"]`.
 * The fence is an atomic check of the head's versionstamp (cached for streams
 * this process wrote, read in batches of ten otherwise) and of the position.
 *
 * @example
 * ```ts
 * const log = await KvEventLog.open("./data/events.kv");
 * await log.append({ type: "bedrift", id: "1", expectedVersion: 0, commandId: "c1", events: [] });
 * ```
 */
export class KvEventLog implements EventLog {
  readonly #kv: Deno.Kv;
  readonly #maxBatch: number;
  #position: number;
  #positionStamp: string | null;
  #queue: Pending[] = [];
  #flushing: Promise<void> | null = null;
  #heads = new Map<string, Head>();
  #watchers = new Watchers();
  #closed = false;

  private constructor(
    kv: Deno.Kv,
    position: number,
    stamp: string | null,
    options: KvEventLogOptions,
  ) {
    this.#kv = kv;
    this.#position = position;
    this.#positionStamp = stamp;
    this.#maxBatch = Math.min(
      options.maxBatch ?? KV_LIMITS.checks - 1,
      KV_LIMITS.checks - 1,
      Math.floor((KV_LIMITS.mutations - 1) / MUTATIONS_PER_COMMIT),
    );
  }

  /** Opens (or creates) the log at `path` (`":memory:"` for a throwaway one). */
  static async open(
    path?: string,
    options: KvEventLogOptions = {},
  ): Promise<KvEventLog> {
    const kv = await Deno.openKv(path);
    try {
      const head = await kv.get<number>(KV_POSITION_KEY);
      return new KvEventLog(kv, head.value ?? 0, head.versionstamp, options);
    } catch (error) {
      kv.close();
      throw error;
    }
  }

  append(
    request: AppendRequest,
    options?: SignalOptions,
  ): Promise<AppendResult> {
    try {
      options?.signal?.throwIfAborted();
      this.#assertOpen();
      const bytes = estimateBytes(request);
      if (bytes > KV_LIMITS.valueBytes) {
        throw new RangeError(
          `Commit of ${bytes} bytes exceeds the ${KV_LIMITS.valueBytes} byte limit of one commit`,
        );
      }
      if (
        !Number.isInteger(request.expectedVersion) ||
        request.expectedVersion < 0
      ) {
        throw new RangeError("Expected version must be a non-negative integer");
      }
      return new Promise<AppendResult>((resolve, reject) => {
        this.#queue.push({ request, bytes, resolve, reject });
        this.#flushing ??= this.#flush();
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async readStream(
    type: string,
    id: string,
    afterVersion: number,
    options?: SignalOptions,
  ): Promise<Commit[]> {
    return await this.#io(options, async () => {
      const commits: Commit[] = [];
      const iter = this.#kv.list<Commit>({
        prefix: [KvKeys.stream, type, id],
        start: [KvKeys.stream, type, id, afterVersion + 1],
      });
      for await (const entry of iter) commits.push(entry.value);
      return commits;
    });
  }

  async readFeed(
    afterPosition: number,
    limit: number,
    options?: SignalOptions,
  ): Promise<Commit[]> {
    return await this.#io(options, async () => {
      const pointers: FeedPointer[] = [];
      const iter = this.#kv.list<FeedPointer>({
        start: [KvKeys.feed, afterPosition + 1],
        end: [KvKeys.feed, Number.MAX_SAFE_INTEGER],
      }, { limit, batchSize: Math.min(Math.max(limit, 1), 500) });
      for await (const entry of iter) pointers.push(entry.value);
      const commits: Commit[] = [];
      for (let i = 0; i < pointers.length; i += KV_LIMITS.getMany) {
        const keys = pointers.slice(i, i + KV_LIMITS.getMany).map((
          [type, id, version],
        ) => [KvKeys.stream, type, id, version]);
        const entries = await this.#kv.getMany<Commit[]>(keys);
        for (const entry of entries) {
          if (entry.value === null) {
            throw new Error(
              `Feed points at missing commit ${entry.key.join("/")}`,
            );
          }
          commits.push(entry.value);
        }
      }
      return commits;
    });
  }

  async headPosition(options?: SignalOptions): Promise<number> {
    return await this.#io(options, async () => {
      const head = await this.#kv.get<number>(KV_POSITION_KEY);
      return head.value ?? 0;
    });
  }

  async loadSnapshot(
    type: string,
    id: string,
    options?: SignalOptions,
  ): Promise<Snapshot | null> {
    return await this.#io(options, async () => {
      const entry = await this.#kv.get<Snapshot>([KvKeys.snapshot, type, id]);
      return entry.value;
    });
  }

  async saveSnapshot(
    type: string,
    id: string,
    snapshot: Snapshot,
    options?: SignalOptions,
  ): Promise<void> {
    await this.#io(options, async () => {
      await this.#kv.set([KvKeys.snapshot, type, id], snapshot);
    });
  }

  watch(listener: (position: number) => void): () => void {
    return this.#watchers.add(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#flushing;
    this.#closed = true;
    this.#watchers.clear();
    this.#kv.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new UnavailableError("Event log is closed");
  }

  async #io<T>(
    options: SignalOptions | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    options?.signal?.throwIfAborted();
    this.#assertOpen();
    try {
      return await fn();
    } catch (error) {
      if (error instanceof Error && error.name === "AbortError") throw error;
      throw new UnavailableError("Event log could not be read", {
        cause: error,
      });
    }
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#takeBatch();
        await this.#commitBatch(batch);
      }
    } finally {
      this.#flushing = null;
    }
  }

  /** Takes the next batch: distinct streams, within the atomic's limits. */
  #takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const streams = new Set<string>();
    let bytes = 0;
    for (const pending of this.#queue) {
      const key = headKey(pending.request);
      const fits = batch.length < this.#maxBatch &&
        bytes + pending.bytes + ENVELOPE_BYTES <= KV_LIMITS.bytes;
      if (fits && !streams.has(key)) {
        batch.push(pending);
        streams.add(key);
        bytes += pending.bytes + ENVELOPE_BYTES;
      } else {
        rest.push(pending);
      }
    }
    this.#queue = rest;
    return batch;
  }

  async #commitBatch(input: Pending[]): Promise<void> {
    let batch: Pending[];
    try {
      batch = await this.#checkHeads(input);
    } catch (error) {
      const failure = new UnavailableError("Event log could not be read", {
        cause: error,
      });
      for (const pending of input) pending.reject(failure);
      return;
    }
    if (batch.length === 0) return;
    const timestamp = Date.now();
    const atomic = this.#kv.atomic().check({
      key: KV_POSITION_KEY,
      versionstamp: this.#positionStamp,
    });
    const results: AppendResult[] = [];
    let position = this.#position;
    for (const { request } of batch) {
      position += 1;
      const version = request.expectedVersion + 1;
      const commit: Commit = {
        type: request.type,
        id: request.id,
        version,
        position,
        commandId: request.commandId,
        timestamp,
        events: request.events,
        ...(request.meta ? { meta: request.meta } : {}),
      };
      const head = this.#heads.get(headKey(request))!;
      atomic
        .check({
          key: [KvKeys.head, request.type, request.id],
          versionstamp: head.versionstamp,
        })
        .set([KvKeys.stream, request.type, request.id, version], commit)
        .set([KvKeys.head, request.type, request.id], version)
        .set([KvKeys.feed, position], [request.type, request.id, version]);
      results.push({ version, position, timestamp });
    }
    atomic.set(KV_POSITION_KEY, position);

    let outcome: Deno.KvCommitResult | Deno.KvCommitError;
    try {
      outcome = await atomic.commit();
    } catch (error) {
      for (const { request } of batch) this.#heads.delete(headKey(request));
      const failure = new UnavailableError("Event log write failed", {
        cause: error,
      });
      for (const pending of batch) pending.reject(failure);
      return;
    }
    if (outcome.ok) {
      this.#position = position;
      this.#positionStamp = outcome.versionstamp;
      batch.forEach((pending, i) => {
        this.#rememberHead(headKey(pending.request), {
          version: results[i].version,
          versionstamp: outcome.versionstamp,
        });
        pending.resolve(results[i]);
      });
      this.#watchers.notify(position);
      return;
    }
    // Another writer moved a head or the position: forget what we cached,
    // re-read, and let the next round sort stale commits from good ones.
    for (const { request } of batch) this.#heads.delete(headKey(request));
    try {
      const head = await this.#kv.get<number>(KV_POSITION_KEY);
      this.#position = head.value ?? 0;
      this.#positionStamp = head.versionstamp;
    } catch (error) {
      const failure = new UnavailableError("Event log write failed", {
        cause: error,
      });
      for (const pending of batch) pending.reject(failure);
      return;
    }
    this.#queue.unshift(...batch);
  }

  /**
   * Makes sure the head of every stream in the batch is known, rejects the
   * commits whose expected version is not the head, returns the rest.
   */
  async #checkHeads(batch: Pending[]): Promise<Pending[]> {
    const missing = batch.filter(({ request }) =>
      !this.#heads.has(headKey(request))
    );
    for (let i = 0; i < missing.length; i += KV_LIMITS.getMany) {
      const chunk = missing.slice(i, i + KV_LIMITS.getMany);
      const entries = await this.#kv.getMany<number[]>(
        chunk.map(({ request }) => [KvKeys.head, request.type, request.id]),
      );
      chunk.forEach(({ request }, j) =>
        this.#rememberHead(headKey(request), {
          version: entries[j].value ?? 0,
          versionstamp: entries[j].versionstamp,
        })
      );
    }
    return batch.filter((pending) => {
      const { request } = pending;
      const head = this.#heads.get(headKey(request))!;
      if (head.version === request.expectedVersion) return true;
      pending.reject(
        new ConcurrencyError(
          `Stream ${request.type}/${request.id} is at version ${head.version}, not ${request.expectedVersion}`,
          request.expectedVersion,
          head.version,
        ),
      );
      return false;
    });
  }

  #rememberHead(key: string, head: Head): void {
    this.#heads.delete(key);
    this.#heads.set(key, head);
    if (this.#heads.size > HEAD_CACHE_SIZE) {
      this.#heads.delete(this.#heads.keys().next().value!);
    }
  }
}

interface Head {
  version: number;
  versionstamp: string | null;
}

function headKey(request: AppendRequest): string {
  return `${request.type}\u0000${request.id}`;
}

/** Upper bound of the serialized size: V8 stores non-Latin-1 text as UTF-16. */
function estimateBytes(request: AppendRequest): number {
  const text = JSON.stringify([
    request.events,
    request.meta ?? null,
    request.type,
    request.id,
    request.commandId,
  ]);
  return /[^\u0000-\u00ff]/.test(text) ? text.length * 2 : text.length;
}
