/**
 * The on-disk layout of the Deno KV event log: feed chunks and the stream
 * index. Stateless reads and writes over a `Deno.Kv`; `KvEventLog` owns the
 * state (positions, heads, unindexed commits) and the fence.
 */
import type { AppendRequest, Commit } from "../../core/mod.ts";

/** Deno KV key prefixes of the embedded event log. */
export const KvKeys = {
  stream: "stream",
  feed: "feed",
  meta: "meta",
  snapshot: "snapshot",
} as const;

/** The KV key holding the newest feed position. */
export const KV_POSITION_KEY = [KvKeys.meta, "position"] as const;

/** The KV key holding the feed position the stream index has caught up with. */
export const KV_INDEXED_KEY = [KvKeys.meta, "indexed"] as const;

/** Deno KV's limits for one atomic operation and one value. */
export const KV_LIMITS = {
  checks: 100,
  mutations: 1000,
  bytes: 800 * 1024,
  valueBytes: 64 * 1024,
  getMany: 10,
} as const;

/** Most bytes of one feed chunk (and so of one commit). */
export const CHUNK_BYTES = 32 * 1024;
/** Most commits of one feed chunk. */
export const CHUNK_COMMITS = 64;
/** Most estimated bytes of one group commit (below `KV_LIMITS.bytes`). */
export const BATCH_BYTES = 600 * 1024;
/** Estimated bytes of a commit besides its events and meta. */
export const COMMIT_OVERHEAD = 256;
/**
 * Index entries land on random B-tree pages; an atomic of 100 of them holds
 * the write lock ~15 ms (measured), small atomics let appends interleave.
 */
const INDEX_ENTRIES_PER_ATOMIC = 10;

/** A commit not yet in the stream index, with the feed chunk that holds it. */
export interface Located {
  commit: Commit;
  chunk: number;
}

/** A stream index entry: versions `from..to` live in these feed chunks. */
interface IndexEntry {
  to: number;
  chunks: number[];
}

/** The in-memory key of a stream. */
export function streamKey(type: string, id: string): string {
  return `${type}\u0000${id}`;
}

/** Upper bound of the serialized size: V8 stores non-Latin-1 text as UTF-16. */
export function estimateBytes(request: AppendRequest): number {
  const text = JSON.stringify([
    request.events,
    request.meta ?? null,
    request.type,
    request.id,
    request.commandId,
  ]);
  return /[^\x20-\xff]/.test(text) ? text.length * 2 : text.length;
}

/**
 * Builds the commits of a group commit at the positions after `position` and
 * packs them into feed chunks (each keyed by its first position) within
 * `CHUNK_COMMITS` and `CHUNK_BYTES`.
 */
export function packCommits(
  batch: readonly { request: AppendRequest; bytes: number }[],
  position: number,
  timestamp: number,
): { chunks: Commit[][]; located: Located[] } {
  const chunks: Commit[][] = [];
  const located: Located[] = [];
  let chunk: Commit[] = [];
  let chunkBytes = 0;
  for (const { request, bytes } of batch) {
    if (
      chunk.length >= CHUNK_COMMITS ||
      (chunk.length > 0 && chunkBytes + bytes + COMMIT_OVERHEAD > CHUNK_BYTES)
    ) {
      chunks.push(chunk);
      chunk = [];
      chunkBytes = 0;
    }
    position += 1;
    const commit: Commit = {
      type: request.type,
      id: request.id,
      version: request.expectedVersion + 1,
      position,
      commandId: request.commandId,
      timestamp,
      events: request.events,
      ...(request.meta ? { meta: request.meta } : {}),
    };
    chunk.push(commit);
    chunkBytes += bytes + COMMIT_OVERHEAD;
    located.push({ commit, chunk: chunk[0].position });
  }
  if (chunk.length > 0) chunks.push(chunk);
  return { chunks, located };
}

/**
 * Feed chunks from the one holding `position` onwards, fetched `batchSize`
 * chunks at a time (a chunk holds 1 to 64 commits).
 */
export async function* feedChunksFrom(
  kv: Deno.Kv,
  position: number,
  batchSize = 100,
): AsyncGenerator<Deno.KvEntry<Commit[]>> {
  let start = position;
  const holder = kv.list<Commit[]>({
    start: [KvKeys.feed, 0],
    end: [KvKeys.feed, position + 1],
  }, { reverse: true, limit: 1 });
  for await (const entry of holder) start = entry.key[1] as number;
  yield* kv.list<Commit[]>({
    start: [KvKeys.feed, start],
    end: [KvKeys.feed, Number.MAX_SAFE_INTEGER],
  }, { batchSize });
}

/** Commits of one stream with after < version < before, from the index. */
export async function readIndexed(
  kv: Deno.Kv,
  type: string,
  id: string,
  after: number,
  before: number,
): Promise<Commit[]> {
  const wanted = new Map<number, number>();
  let start = after + 1;
  const holder = kv.list<IndexEntry>({
    start: [KvKeys.stream, type, id, 0],
    end: [KvKeys.stream, type, id, after + 2],
  }, { reverse: true, limit: 1 });
  for await (const entry of holder) start = entry.key[3] as number;
  const entries = kv.list<IndexEntry>({
    start: [KvKeys.stream, type, id, start],
    end: [KvKeys.stream, type, id, before],
  });
  for await (const entry of entries) {
    const from = entry.key[3] as number;
    entry.value.chunks.forEach((chunk, i) => {
      const version = from + i;
      if (version > after && version < before) wanted.set(version, chunk);
    });
  }
  const chunkKeys = [...new Set(wanted.values())];
  const found = new Map<number, Commit>();
  for (let i = 0; i < chunkKeys.length; i += KV_LIMITS.getMany) {
    const chunks = await kv.getMany<Commit[][]>(
      chunkKeys.slice(i, i + KV_LIMITS.getMany).map((c) => [KvKeys.feed, c]),
    );
    for (const chunk of chunks) {
      for (const commit of chunk.value ?? []) {
        if (
          commit.type === type && commit.id === id &&
          wanted.has(commit.version)
        ) {
          found.set(commit.version, commit);
        }
      }
    }
  }
  const versions = [...wanted.keys()].sort((a, b) => a - b);
  return versions.map((version) => {
    const commit = found.get(version);
    if (!commit) {
      throw new Error(
        `Index points at a missing commit ${type}/${id}@${version}`,
      );
    }
    return commit;
  });
}

/** The newest indexed version of a stream (0 when it has none). */
export async function readIndexedHead(
  kv: Deno.Kv,
  type: string,
  id: string,
): Promise<number> {
  const iter = kv.list<IndexEntry>(
    { prefix: [KvKeys.stream, type, id] },
    { reverse: true, limit: 1 },
  );
  for await (const entry of iter) return entry.value.to;
  return 0;
}

/**
 * Writes one index entry per stream (its commits must be consecutive
 * versions), in small atomics so appends are never held up for long (an
 * import, which no append waits behind, passes a larger `perAtomic`).
 */
export async function writeIndexEntries(
  kv: Deno.Kv,
  streams: readonly (readonly Located[])[],
  perAtomic: number = INDEX_ENTRIES_PER_ATOMIC,
): Promise<void> {
  for (let i = 0; i < streams.length; i += perAtomic) {
    const atomic = kv.atomic();
    for (const located of streams.slice(i, i + perAtomic)) {
      const first = located[0].commit;
      atomic.set(
        [KvKeys.stream, first.type, first.id, first.version],
        {
          to: located.at(-1)!.commit.version,
          chunks: located.map((l) => l.chunk),
        } satisfies IndexEntry,
      );
    }
    await atomic.commit();
  }
}
