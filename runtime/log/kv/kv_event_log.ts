import { KvFeedCheckpoints } from "./checkpoints.ts";
import { LatencyHistogram } from "../../telemetry/mod.ts";
import { tracingEnabled } from "../../telemetry/mod.ts";
import { withAppendSpan } from "./append_span.ts";
import { readSnapshot, writeSnapshot } from "./snapshots.ts";
import type { KvEventLogOptions } from "./options.ts";
import { ConcurrencyError, UnavailableError } from "../../core/mod.ts";
import {
  BATCH_BYTES,
  CHUNK_BYTES,
  COMMIT_OVERHEAD,
  estimateBytes,
  feedChunksFrom,
  KV_INDEXED_KEY,
  KV_POSITION_KEY,
  KvKeys,
  type Located,
  packCommits,
  readIndexed,
  readIndexedHead,
  streamKey,
  writeIndexEntries,
} from "./layout.ts";
import type {
  AppendRequest,
  AppendResult,
  Commit,
  EventLog,
  SignalOptions,
  Snapshot,
} from "../../core/mod.ts";
import { BoundedCache, Watchers } from "../../core/mod.ts";

interface Pending {
  request: AppendRequest;
  bytes: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

const HEAD_CACHE_SIZE = 200_000;
/** Newest commits kept in memory for live feed readers. */
const RECENT_COMMITS = 10_000;

/**
 * The embedded `EventLog` on Deno KV, written like a write-ahead log: group
 * commits of feed chunks, a stream index written in the background, and the
 * versionstamp of `["meta","position"]` as the fence — the key layout and the
 * reasons are in this package's `mod.ts`. A stale writer gets
 * `ConcurrencyError`, never a fork.
 *
 * @example
 * ```ts
 * const log = await KvEventLog.open("./data/events.kv");
 * await log.append({ type: "bedrift", id: "1", expectedVersion: 0, commandId: "c1", events: [] });
 * await log.close();
 * ```
 */
export class KvEventLog implements EventLog {
  readonly #kv: Deno.Kv;
  readonly #maxBatch: number;
  readonly #maxUnindexed: number;
  #position = 0;
  #positionStamp: string | null = null;
  #heads = new BoundedCache<string, number>(HEAD_CACHE_SIZE);
  /** Unindexed commits per stream; `#flushing` is being written to the index. */
  #active = new Map<string, Located[]>();
  #activeCount = 0;
  /** The newest commits by position, ending at `#position` (a window for live readers). */
  #recent: Commit[] = [];
  #flushing: Map<string, Located[]> | null = null;
  #indexing: Promise<void> | null = null;
  #recovering = false;
  #indexTimer: ReturnType<typeof setInterval>;
  #queue: Pending[] = [];
  #writing: Promise<void> | null = null;
  #watchers = new Watchers();
  #closed = false;
  #stats = { atomics: 0, commits: 0, indexFlushes: 0, recoveries: 0 };
  readonly #commitLatency = new LatencyHistogram();

  private constructor(kv: Deno.Kv, options: KvEventLogOptions) {
    this.#kv = kv;
    this.#maxBatch = Math.max(1, Math.min(options.maxBatch ?? 500, 900));
    this.#maxUnindexed = options.maxUnindexed ?? 20_000;
    this.#indexTimer = setInterval(
      () => void this.#index(),
      options.indexIntervalMs ?? 2000,
    );
  }

  /** Opens (or creates) the log at `path` (`":memory:"` for a throwaway one). */
  static async open(
    path?: string,
    options: KvEventLogOptions = {},
  ): Promise<KvEventLog> {
    const kv = await Deno.openKv(path);
    const log = new KvEventLog(kv, options);
    try {
      await log.#recover();
      return log;
    } catch (error) {
      clearInterval(log.#indexTimer);
      kv.close();
      throw error;
    }
  }

  /**
   * Appends one commit (group-committed with others in flight). With tracing
   * on, inside an internal span `tms.append <type>` whose context the commit
   * stores as its `traceparent`.
   */
  append(
    request: AppendRequest,
    options?: SignalOptions,
  ): Promise<AppendResult> {
    if (!tracingEnabled()) return this.#append(request, options);
    return withAppendSpan(request, (traced) => this.#append(traced, options));
  }

  #append(
    request: AppendRequest,
    options?: SignalOptions,
  ): Promise<AppendResult> {
    try {
      options?.signal?.throwIfAborted();
      this.#assertOpen();
      if (
        !Number.isInteger(request.expectedVersion) ||
        request.expectedVersion < 0
      ) {
        throw new RangeError("Expected version must be a non-negative integer");
      }
      const bytes = estimateBytes(request);
      if (bytes > CHUNK_BYTES) {
        throw new RangeError(
          `Commit of about ${bytes} bytes exceeds the ${CHUNK_BYTES} byte limit of one commit`,
        );
      }
      return new Promise<AppendResult>((resolve, reject) => {
        this.#queue.push({ request, bytes, resolve, reject });
        this.#writing ??= this.#write();
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
      const key = streamKey(type, id);
      // Snapshot the in-memory part first: a flush moving it to the index
      // while we read the index is then harmless (duplicates are dropped).
      const memory = [
        ...(this.#flushing?.get(key) ?? []),
        ...(this.#active.get(key) ?? []),
      ].map((l) => l.commit).filter((c) => c.version > afterVersion);
      const firstInMemory = memory[0]?.version ?? Infinity;
      const indexed = afterVersion + 1 < firstInMemory
        ? await readIndexed(this.#kv, type, id, afterVersion, firstInMemory)
        : [];
      const commits = [...indexed, ...memory];
      const last = commits.at(-1);
      if (last) this.#learnHead(key, last.version);
      return commits;
    });
  }

  /**
   * Commits of the feed after `afterPosition`. The newest commits this
   * instance wrote are served from memory (live projections read there), the
   * rest from the feed chunks. Commits are shared, not copied: treat them as
   * immutable.
   */
  async readFeed(
    afterPosition: number,
    limit: number,
    options?: SignalOptions,
  ): Promise<Commit[]> {
    return await this.#io(options, async () => {
      const commits: Commit[] = [];
      if (limit <= 0) return commits;
      const recentFrom = this.#position - this.#recent.length + 1;
      if (afterPosition + 1 >= recentFrom && this.#recent.length > 0) {
        const start = afterPosition + 1 - recentFrom;
        return this.#recent.slice(start, start + limit);
      }
      const batchSize = Math.min(500, Math.max(2, Math.ceil(limit / 16)));
      for await (
        const chunk of feedChunksFrom(this.#kv, afterPosition + 1, batchSize)
      ) {
        for (const commit of chunk.value) {
          if (commit.position <= afterPosition) continue;
          commits.push(commit);
          if (commits.length >= limit) return commits;
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
      return await readSnapshot(this.#kv, type, id);
    });
  }

  async saveSnapshot(
    type: string,
    id: string,
    snapshot: Snapshot,
    options?: SignalOptions,
  ): Promise<void> {
    await this.#io(options, async () => {
      await writeSnapshot(this.#kv, type, id, snapshot);
    });
  }

  watch(listener: (position: number) => void): () => void {
    return this.#watchers.add(listener);
  }

  /** Counters: feed atomics written, commits in them, index flushes, recoveries; unindexed commits held. */
  stats(): {
    atomics: number;
    commits: number;
    indexFlushes: number;
    recoveries: number;
    unindexed: number;
  } {
    return {
      ...this.#stats,
      unindexed: this.#activeCount + [...(this.#flushing?.values() ?? [])]
        .reduce((n, l) => n + l.length, 0),
    };
  }

  /**
   * Durations of the feed atomics (group commits, fsync included): where a
   * slow storage shows itself.
   */
  get commitLatency(): LatencyHistogram {
    return this.#commitLatency;
  }

  /** Waits for pending appends, brings the index up to date, closes. */
  /** Named feed checkpoints in this log's file (`["checkpoint", name]`). */
  checkpoints(): KvFeedCheckpoints {
    return new KvFeedCheckpoints(this.#kv);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#indexTimer);
    await this.#writing;
    await this.#indexing;
    try {
      await this.#index(true);
    } catch (error) {
      console.warn("Stream index flush on close failed", error);
    }
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
      // A refusal of what was asked (a snapshot over the size limit), not an
      // outage.
      if (error instanceof RangeError) throw error;
      throw new UnavailableError("Event log could not be read", {
        cause: error,
      });
    }
  }

  /** Re-reads the position and the commits the index has not caught up with. */
  async #recover(): Promise<void> {
    const [position, indexed] = await this.#kv.getMany<[number, number]>([
      KV_POSITION_KEY,
      KV_INDEXED_KEY,
    ]);
    const active = new Map<string, Located[]>();
    let count = 0;
    const checkpoint = indexed.value ?? 0;
    for await (const chunk of feedChunksFrom(this.#kv, checkpoint + 1)) {
      const at = chunk.key[1] as number;
      for (const commit of chunk.value) {
        if (commit.position <= checkpoint) continue;
        const key = streamKey(commit.type, commit.id);
        const list = active.get(key) ?? [];
        list.push({ commit, chunk: at });
        active.set(key, list);
        count++;
      }
    }
    this.#position = position.value ?? 0;
    this.#positionStamp = position.versionstamp;
    this.#active = active;
    this.#activeCount = count;
    this.#flushing = null;
    this.#heads.clear();
    this.#recent = [];
    this.#stats.recoveries++;
  }

  async #write(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        await this.#commitBatch(this.#takeBatch());
      }
    } finally {
      this.#writing = null;
    }
  }

  /** Takes the next batch: distinct streams, within the atomic's limits. */
  #takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const streams = new Set<string>();
    let bytes = 0;
    for (const pending of this.#queue) {
      const key = streamKey(pending.request.type, pending.request.id);
      const size = pending.bytes + COMMIT_OVERHEAD;
      const fits = batch.length < this.#maxBatch && bytes + size <= BATCH_BYTES;
      if (fits && !streams.has(key)) {
        batch.push(pending);
        streams.add(key);
        bytes += size;
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
      this.#failAll(input, error);
      return;
    }
    if (batch.length === 0) return;
    const timestamp = Date.now();
    const atomic = this.#kv.atomic().check({
      key: KV_POSITION_KEY,
      versionstamp: this.#positionStamp,
    });
    const { chunks, located } = packCommits(batch, this.#position, timestamp);
    for (const chunk of chunks) {
      atomic.set([KvKeys.feed, chunk[0].position], chunk);
    }
    const position = this.#position + batch.length;
    atomic.set(KV_POSITION_KEY, position);

    let outcome: Deno.KvCommitResult | Deno.KvCommitError;
    const started = performance.now();
    try {
      outcome = await atomic.commit();
      this.#commitLatency.record((performance.now() - started) / 1000);
    } catch (error) {
      this.#failAll(batch, error);
      await this.#recoverOrFail();
      return;
    }
    if (outcome.ok) {
      this.#stats.atomics++;
      this.#stats.commits += batch.length;
      this.#position = position;
      this.#positionStamp = outcome.versionstamp;
      batch.forEach((pending, i) => {
        const { commit } = located[i];
        const key = streamKey(commit.type, commit.id);
        const list = this.#active.get(key);
        if (list) list.push(located[i]);
        else this.#active.set(key, [located[i]]);
        this.#learnHead(key, commit.version);
        pending.resolve({
          version: commit.version,
          position: commit.position,
          timestamp,
        });
      });
      this.#activeCount += batch.length;
      for (const { commit } of located) this.#recent.push(commit);
      if (this.#recent.length > RECENT_COMMITS * 2) {
        this.#recent = this.#recent.slice(-RECENT_COMMITS);
      }
      this.#watchers.notify(position);
      if (this.#activeCount >= this.#maxUnindexed) void this.#index();
      return;
    }
    // Another process wrote since we last looked: recover, then let the next
    // round re-validate every commit of this batch against the true heads.
    if (await this.#recoverOrFail(batch)) this.#queue.unshift(...batch);
  }

  /** Recovers after a foreign write or a failed write; false if it could not. */
  async #recoverOrFail(batch: Pending[] = []): Promise<boolean> {
    this.#recovering = true;
    try {
      await this.#indexing;
      await this.#recover();
      return true;
    } catch (error) {
      this.#failAll(batch, error);
      return false;
    } finally {
      this.#recovering = false;
    }
  }

  /** Rejects stale commits (expected version is not the head), returns the rest. */
  async #checkHeads(batch: Pending[]): Promise<Pending[]> {
    const missing = batch.filter(({ request }) =>
      !this.#heads.has(streamKey(request.type, request.id))
    );
    const heads = await Promise.all(
      missing.map(({ request }) => this.#readHead(request.type, request.id)),
    );
    missing.forEach(({ request }, i) =>
      this.#learnHead(streamKey(request.type, request.id), heads[i])
    );
    return batch.filter((pending) => {
      const { request } = pending;
      const head = this.#heads.get(streamKey(request.type, request.id)) ?? 0;
      if (head === request.expectedVersion) return true;
      pending.reject(
        new ConcurrencyError(
          `Stream ${request.type}/${request.id} is at version ${head}, not ${request.expectedVersion}`,
          request.expectedVersion,
          head,
        ),
      );
      return false;
    });
  }

  async #readHead(type: string, id: string): Promise<number> {
    const key = streamKey(type, id);
    const memory = this.#active.get(key)?.at(-1) ??
      this.#flushing?.get(key)?.at(-1);
    if (memory) return memory.commit.version;
    return await readIndexedHead(this.#kv, type, id);
  }

  /** Heads only move forward; a late read never lowers a cached head. */
  #learnHead(key: string, version: number): void {
    const known = this.#heads.get(key);
    if (known !== undefined && known >= version) return;
    this.#heads.set(key, version);
  }

  /**
   * Moves the unindexed commits into the stream index, in small atomics so
   * appends are never held up for long, then advances the checkpoint.
   */
  #index(force = false): Promise<void> {
    if (this.#indexing) return this.#indexing;
    if (this.#recovering) return Promise.resolve();
    if (this.#activeCount === 0 || (this.#closed && !force)) {
      return Promise.resolve();
    }
    const flushing = this.#active;
    const upTo = this.#position;
    this.#flushing = flushing;
    this.#active = new Map();
    this.#activeCount = 0;
    const run = async () => {
      try {
        await writeIndexEntries(this.#kv, [...flushing.values()]);
        await this.#kv.set(KV_INDEXED_KEY, upTo);
        this.#flushing = null;
        this.#stats.indexFlushes++;
      } catch (error) {
        // Keep the commits in memory and try again on the next tick.
        for (const [key, located] of flushing) {
          this.#active.set(key, [...located, ...(this.#active.get(key) ?? [])]);
          this.#activeCount += located.length;
        }
        this.#flushing = null;
        if (!this.#closed) console.warn("Stream index flush failed", error);
        else throw error;
      } finally {
        this.#indexing = null;
      }
    };
    this.#indexing = run();
    return this.#indexing;
  }

  #failAll(batch: Pending[], cause: unknown): void {
    const failure = new UnavailableError("Event log write failed", { cause });
    for (const pending of batch) pending.reject(failure);
  }
}
