/**
 * The embedded log's side of backup and restore: reading the feed and the
 * snapshots of a Deno KV file another process (the live node) is writing,
 * without writing anything, and writing a backup's commits into an empty file
 * at their own positions and times (feed chunks, the stream index and its
 * checkpoint, as the log itself would have left them).
 */
import { KvFeedCheckpoints } from "./checkpoints.ts";
import { resolveSnapshot, writeSnapshot } from "./snapshots.ts";
import {
  CHUNK_BYTES,
  CHUNK_COMMITS,
  COMMIT_OVERHEAD,
  feedChunksFrom,
  KV_INDEXED_KEY,
  KV_LIMITS,
  KV_POSITION_KEY,
  KvKeys,
  type Located,
  writeIndexEntries,
} from "./layout.ts";
import type { Commit, Snapshot } from "../../core/mod.ts";

/** Most estimated bytes of the feed chunks written in one atomic. */
const IMPORT_ATOMIC_BYTES = 512 * 1024;

/** Reads a KV log file without writing to it (its writer may be live). */
export class KvFeedReader {
  readonly #kv: Deno.Kv;

  private constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  static async open(path: string): Promise<KvFeedReader> {
    return new KvFeedReader(await Deno.openKv(path));
  }

  /** The newest position: every commit up to it is in the feed. */
  async headPosition(): Promise<number> {
    return (await this.#kv.get<number>(KV_POSITION_KEY)).value ?? 0;
  }

  /** Up to `limit` commits after `after`, as stored. */
  async readFeed(after: number, limit: number): Promise<Commit[]> {
    const commits: Commit[] = [];
    for await (const chunk of feedChunksFrom(this.#kv, after + 1, 16)) {
      for (const commit of chunk.value) {
        if (commit.position <= after) continue;
        commits.push(commit);
        if (commits.length >= limit) return commits;
      }
    }
    return commits;
  }

  /** Every snapshot with its stream. */
  async *snapshots(): AsyncIterable<
    { type: string; id: string; snapshot: Snapshot }
  > {
    const entries = this.#kv.list<Snapshot>({ prefix: [KvKeys.snapshot] });
    for await (const entry of entries) {
      const type = entry.key[1] as string;
      const id = entry.key[2] as string;
      const snapshot = await resolveSnapshot(this.#kv, type, id, entry.value);
      if (snapshot) yield { type, id, snapshot };
    }
  }

  /** Every named feed checkpoint (the integration relay's). */
  checkpoints(): Promise<Record<string, number>> {
    return new KvFeedCheckpoints(this.#kv).list();
  }

  /** True when the file holds no commit and no snapshot. */
  async isEmpty(): Promise<boolean> {
    if ((await this.headPosition()) > 0) return false;
    for (const prefix of [KvKeys.feed, KvKeys.snapshot, KvKeys.stream]) {
      for await (const _ of this.#kv.list({ prefix: [prefix] }, { limit: 1 })) {
        return false;
      }
    }
    return true;
  }

  close(): void {
    this.#kv.close();
  }
}

/**
 * Writes commits into an empty KV log file at their own positions: each batch
 * is packed into feed chunks written with `["meta","position"]` in atomics
 * checked against its versionstamp (so a node started on the file meanwhile
 * makes the import fail, not fork), then indexed. No node may run on the
 * file while it imports.
 */
export class KvFeedWriter {
  readonly #kv: Deno.Kv;
  #position = 0;
  #stamp: string | null = null;
  readonly #heads = new Map<string, number>();

  private constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** Opens `path`; refuses a file that holds commits already. */
  static async open(path: string): Promise<KvFeedWriter> {
    const kv = await Deno.openKv(path);
    const writer = new KvFeedWriter(kv);
    const head = await kv.get<number>(KV_POSITION_KEY);
    if ((head.value ?? 0) > 0) {
      kv.close();
      throw new RangeError(`${path} holds commits already`);
    }
    writer.#stamp = head.versionstamp;
    return writer;
  }

  /** Position written so far. */
  get position(): number {
    return this.#position;
  }

  /** Writes `commits`, which must continue the feed without a gap. */
  async write(commits: readonly Commit[]): Promise<void> {
    const chunks: { commits: Commit[]; bytes: number }[] = [];
    let chunk: Commit[] = [];
    let bytes = 0;
    for (const commit of commits) {
      // An upper bound: V8 may store the text as UTF-16.
      const size = JSON.stringify(commit).length * 2 + COMMIT_OVERHEAD;
      if (
        chunk.length >= CHUNK_COMMITS ||
        (chunk.length > 0 && bytes + size > CHUNK_BYTES)
      ) {
        chunks.push({ commits: chunk, bytes });
        chunk = [];
        bytes = 0;
      }
      chunk.push(commit);
      bytes += size;
    }
    if (chunk.length > 0) chunks.push({ commits: chunk, bytes });
    let group: Commit[][] = [];
    let groupBytes = 0;
    for (const next of chunks) {
      if (
        group.length > 0 &&
        (groupBytes + next.bytes > IMPORT_ATOMIC_BYTES ||
          group.length >= KV_LIMITS.mutations - 2)
      ) {
        await this.#commit(group);
        group = [];
        groupBytes = 0;
      }
      group.push(next.commits);
      groupBytes += next.bytes;
    }
    if (group.length > 0) await this.#commit(group);
  }

  async #commit(chunks: Commit[][]): Promise<void> {
    const located: Located[] = [];
    let position = this.#position;
    const atomic = this.#kv.atomic().check({
      key: KV_POSITION_KEY,
      versionstamp: this.#stamp,
    });
    for (const chunk of chunks) {
      for (const commit of chunk) {
        if (commit.position !== position + 1) {
          throw new RangeError(
            `Commit at position ${commit.position} does not follow ${position}`,
          );
        }
        const key = `${commit.type}\u0000${commit.id}`;
        const head = this.#heads.get(key) ?? 0;
        if (commit.version !== head + 1) {
          throw new RangeError(
            `Stream ${commit.type}/${commit.id} jumps from ${head} to ${commit.version}`,
          );
        }
        this.#heads.set(key, commit.version);
        position = commit.position;
        located.push({ commit, chunk: chunk[0].position });
      }
      atomic.set([KvKeys.feed, chunk[0].position], chunk);
    }
    atomic.set(KV_POSITION_KEY, position);
    const result = await atomic.commit();
    if (!result.ok) {
      throw new Error("Another process wrote to the log during the import");
    }
    this.#stamp = result.versionstamp;
    this.#position = position;
    const streams = new Map<string, Located[]>();
    for (const l of located) {
      const key = `${l.commit.type}\u0000${l.commit.id}`;
      const list = streams.get(key);
      if (list) list.push(l);
      else streams.set(key, [l]);
    }
    // No append waits behind an import: large index atomics (each costs an
    // fsync; with the live log's 10 per atomic a restore ran at 0.24× of the
    // feed read in the bench, with 400 at 0.45×).
    await writeIndexEntries(this.#kv, [...streams.values()], 400);
    await this.#kv.set(KV_INDEXED_KEY, position);
  }

  /** Writes the named feed checkpoints of a backup. */
  async writeCheckpoints(checkpoints: Record<string, number>): Promise<void> {
    await new KvFeedCheckpoints(this.#kv).restore(checkpoints);
  }

  async writeSnapshot(type: string, id: string, snapshot: Snapshot) {
    await writeSnapshot(this.#kv, type, id, snapshot);
  }

  close(): void {
    this.#kv.close();
  }
}
