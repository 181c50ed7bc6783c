/**
 * The archive format on its own: a backup written from a memory source
 * verifies, replays to the same state hashes, restores into a memory target,
 * and every kind of damage — a changed byte in a part, a cut-off end, a
 * changed manifest, a gap in the feed — is refused with a clear error before
 * anything is written.
 */
import assert from "node:assert/strict";
import {
  ArchiveError,
  canonicalJson,
  readTar,
  restoreBackup,
  RestoreRefused,
  StateHasher,
  TarWriter,
  verifyBackup,
  writeBackup,
} from "../../../runtime/backup/mod.ts";
import type {
  BackupSource,
  RestoreTarget,
  StoredSnapshot,
} from "../../../runtime/backup/mod.ts";
import type {
  Commit,
  Decider,
  DomainEvent,
} from "../../../runtime/core/mod.ts";
import type { FileInfo } from "../../../runtime/storage/mod.ts";
import { sha256Hex } from "../../../runtime/storage/mod.ts";

type CounterEvent = DomainEvent<"added", { n: number }>;
const counter: Decider<unknown, CounterEvent, { total: number; adds: number }> =
  {
    initialState: { total: 0, adds: 0 },
    decide: () => [],
    evolve: (s, e) => ({ total: s.total + e.data.n, adds: s.adds + 1 }),
  };
const definitions = [{ type: "counter", decider: counter }];

function commits(count: number, streams = 5): Commit[] {
  const versions = new Map<string, number>();
  return Array.from({ length: count }, (_, i) => {
    const id = `c${i % streams}`;
    const version = (versions.get(id) ?? 0) + 1;
    versions.set(id, version);
    return {
      type: "counter",
      id,
      version,
      position: i + 1,
      commandId: `cmd-${i}`,
      timestamp: 1_700_000_000_000 + i,
      events: [{ type: "added", v: 1, data: { n: i } }],
      ...(i % 2 === 0
        ? { meta: { traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01` } }
        : {}),
    };
  });
}

function memorySource(
  feed: Commit[],
  files: { info: FileInfo; data: Uint8Array }[] = [],
  snapshots: StoredSnapshot[] = [],
): BackupSource {
  return {
    mode: "embedded",
    headPosition: () => Promise.resolve(feed.length),
    readFeed: (after, limit) =>
      Promise.resolve(feed.slice(after, after + limit)),
    async *snapshots() {
      yield* snapshots;
    },
    async *files() {
      yield* files.map((f) => f.info);
    },
    readFile: (id) =>
      Promise.resolve(files.find((f) => f.info.id === id)?.data ?? null),
    checkpoints: () => Promise.resolve({ relay: 3 }),
  };
}

class MemoryTarget implements RestoreTarget {
  readonly mode = "embedded" as const;
  commits: Commit[] = [];
  snapshots: StoredSnapshot[] = [];
  files: FileInfo[] = [];
  checkpoints: Record<string, number> = {};
  writes = 0;
  constructor(readonly empty = true) {}
  assertEmpty() {
    if (!this.empty) throw new RestoreRefused("not empty");
    return Promise.resolve();
  }
  writeCommits(commits: readonly Commit[]) {
    this.writes++;
    this.commits.push(...commits);
    return Promise.resolve();
  }
  writeSnapshot(s: StoredSnapshot) {
    this.writes++;
    this.snapshots.push(s);
    return Promise.resolve();
  }
  writeFile(info: FileInfo) {
    this.writes++;
    this.files.push(info);
    return Promise.resolve();
  }
  writeCheckpoints(c: Record<string, number>) {
    this.checkpoints = c;
    return Promise.resolve();
  }
}

async function archive(
  source: BackupSource,
  segmentBytes?: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await writeBackup(
    source,
    new WritableStream({ write: (c) => void chunks.push(c) }),
    { hasher: new StateHasher(definitions), segmentBytes },
  );
  return new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
}

const stream = (bytes: Uint8Array) =>
  new Blob([bytes as BlobPart]).stream() as ReadableStream<Uint8Array>;

/** Rewrites the archive with `edit` applied to its entries (a valid gzip). */
async function tamper(
  bytes: Uint8Array,
  edit: (name: string, data: Uint8Array) => Uint8Array | null,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const tar = new TarWriter(
    new WritableStream({ write: (c) => void chunks.push(c) }),
  );
  for await (const entry of readTar(stream(bytes))) {
    const data = edit(entry.name, entry.data);
    if (data) await tar.add(entry.name, data);
  }
  await tar.close();
  return new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
}

const photo = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);

async function photoFile(): Promise<{ info: FileInfo; data: Uint8Array }> {
  return {
    info: {
      id: "photo-1",
      contentType: "image/jpeg",
      size: photo.byteLength,
      sha256: await sha256Hex(photo),
      createdAt: "2026-01-01T00:00:00.000Z",
    },
    data: photo,
  };
}

Deno.test("backup format: write → verify (replayed state hashes) → restore in feed order", async () => {
  const feed = commits(2500);
  const snapshot: StoredSnapshot = {
    type: "counter",
    id: "c1",
    snapshot: {
      version: 3,
      position: 12,
      stateVersion: 1,
      state: { adds: 3, total: 18 },
      recent: [],
    },
  };
  const newer: StoredSnapshot = {
    ...snapshot,
    id: "c2",
    snapshot: { ...snapshot.snapshot, version: 900, position: 9000 },
  };
  const source = memorySource(feed, [await photoFile()], [
    snapshot,
    newer,
  ]);
  const bytes = await archive(source, 16 * 1024);
  const { manifest, streams } = await verifyBackup(
    stream(bytes),
    new StateHasher(definitions),
  );
  assert.equal(manifest.position, 2500);
  assert.equal(manifest.counts.commits, 2500);
  assert.equal(manifest.counts.streams, 5);
  assert.equal(streams, 5);
  // A snapshot past the backup's position is left out.
  assert.equal(manifest.counts.snapshots, 1);
  assert.equal(manifest.counts.files, 1);
  assert.deepEqual(manifest.checkpoints, { relay: 3 });
  assert.ok(
    manifest.parts.filter((p) => p.name.startsWith("commits/")).length > 3,
  );
  const expected = new StateHasher(definitions);
  for (const c of feed) expected.apply(c);
  assert.deepEqual(manifest.streams, expected.hashes());

  const target = new MemoryTarget();
  await restoreBackup(() => Promise.resolve(stream(bytes)), target, {
    hasher: new StateHasher(definitions),
    batchSize: 700,
  });
  assert.equal(canonicalJson(target.commits), canonicalJson(feed));
  assert.deepEqual(target.snapshots, [snapshot]);
  assert.deepEqual(target.files.map((f) => f.id), ["photo-1"]);
  assert.deepEqual(target.checkpoints, { relay: 3 });
});

Deno.test("backup format: a changed byte, a cut-off end, a changed manifest or a gap is refused before anything is written", async () => {
  const bytes = await archive(
    memorySource(commits(300), [await photoFile()]),
    4096,
  );
  const refused = async (damaged: Uint8Array, message: RegExp) => {
    await assert.rejects(
      verifyBackup(stream(damaged), new StateHasher(definitions)),
      (error: Error) =>
        error instanceof ArchiveError && message.test(error.message),
    );
    const target = new MemoryTarget();
    await assert.rejects(
      restoreBackup(() => Promise.resolve(stream(damaged)), target, {
        hasher: new StateHasher(definitions),
      }),
      message,
    );
    assert.equal(target.writes, 0);
  };

  // One event's data changed inside a valid archive: its part's hash fails.
  await refused(
    await tamper(
      bytes,
      (name, data) =>
        name === "commits/000002.ndjson"
          ? new TextEncoder().encode(
            new TextDecoder().decode(data).replace('"n":40', '"n":41'),
          )
          : data,
    ),
    /commits\/000002\.ndjson does not match its SHA-256/,
  );
  // A photo's bytes changed.
  await refused(
    await tamper(
      bytes,
      (name, data) =>
        name === "files/photo-1"
          ? data.map((b, i) => i === 5 ? b ^ 1 : b)
          : data,
    ),
    /file photo-1 does not match its SHA-256/,
  );
  // The manifest edited (without its hash).
  await refused(
    await tamper(
      bytes,
      (name, data) =>
        name === "manifest.json"
          ? new TextEncoder().encode(
            new TextDecoder().decode(data).replace(
              '"position": 300',
              '"position": 299',
            ),
          )
          : data,
    ),
    /manifest does not match its SHA-256/,
  );
  // A part dropped: the manifest lists it.
  await refused(
    await tamper(
      bytes,
      (name, data) => name === "commits/000003.ndjson" ? null : data,
    ),
    /(found|missing|gap)/,
  );
  // Cut short at half: gzip or tar says so.
  await refused(
    bytes.slice(0, Math.floor(bytes.length / 2)),
    /truncated|corrupt/,
  );
  // A flipped byte in the compressed stream.
  const flipped = bytes.slice();
  flipped[Math.floor(bytes.length / 3)] ^= 0xff;
  await refused(flipped, /corrupt|truncated|SHA-256/);
  // A non-empty target is refused before the archive is even read.
  await assert.rejects(
    restoreBackup(
      () => Promise.resolve(stream(bytes)),
      new MemoryTarget(false),
      {
        hasher: new StateHasher(definitions),
      },
    ),
    RestoreRefused,
  );
});

Deno.test("state hasher: key order does not matter; a version gap or an unknown type is refused", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: 2, c: 3 } }),
    canonicalJson({ a: { c: 3, d: 2 }, b: 1 }),
  );
  const feed = commits(4, 2);
  const h = new StateHasher(definitions);
  h.apply(feed[0]);
  assert.throws(() => h.apply(feed[2]), /gap/);
  const g = new StateHasher(definitions);
  g.apply(feed[0]);
  assert.throws(
    () => g.apply({ ...feed[1], version: 3, id: "c0", position: 2 }),
    /jumps/,
  );
  assert.throws(() => new StateHasher([]).apply(feed[0]), /No decider/);
});
