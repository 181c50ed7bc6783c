/**
 * Writing, verifying and restoring a backup archive against a source and a
 * target that hide the backend (Deno KV and files, or JetStream). A backup is
 * consistent at one feed position: the head when it starts.
 */
import { ArchiveError, readTar, TarWriter } from "./tar.ts";
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupEntries,
  BackupKinds,
  sha256,
  StateHasher,
} from "./format.ts";
import type {
  BackupHeader,
  BackupKind,
  BackupManifest,
  BackupMode,
  ManifestPart,
} from "./format.ts";
import type { Commit, Snapshot } from "../core/types.ts";
import type { FileInfo } from "../storage/file_store.ts";
import type { StoredKey } from "../storage/key_store.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A snapshot with the stream it belongs to. */
export interface StoredSnapshot {
  type: string;
  id: string;
  snapshot: Snapshot;
}

/** What a backup reads: a live node's store, read only. */
export interface BackupSource {
  readonly mode: BackupMode;
  headPosition(): Promise<number>;
  /** Up to `limit` commits after `after`, as stored (not upcast), in feed order. */
  readFeed(after: number, limit: number): Promise<Commit[]>;
  snapshots(): AsyncIterable<StoredSnapshot>;
  files(): AsyncIterable<FileInfo>;
  readFile(id: string): Promise<Uint8Array | null>;
  /** Named feed checkpoints kept beside the log (the integration relay's). */
  checkpoints(): Promise<Record<string, number>>;
}

/** Where a restore writes: an empty store. */
export interface RestoreTarget {
  readonly mode: BackupMode;
  /** Throws `RestoreRefused` unless the target holds nothing. */
  assertEmpty(): Promise<void>;
  /** Commits in feed order, each at its own position (the next one). */
  writeCommits(commits: readonly Commit[]): Promise<void>;
  writeSnapshot(snapshot: StoredSnapshot): Promise<void>;
  writeFile(info: FileInfo, data: Uint8Array): Promise<void>;
  writeCheckpoints(checkpoints: Record<string, number>): Promise<void>;
}

/** Where the keys of a keys export come from and go to. */
export interface KeySource {
  exportKeys(): AsyncIterable<{ subject: string; key: StoredKey }>;
}
export interface KeyTarget {
  assertEmpty(): Promise<void>;
  importKey(subject: string, key: StoredKey): Promise<boolean>;
}

/** The target is not empty, or otherwise unfit: nothing was written. */
export class RestoreRefused extends Error {
  override name = "RestoreRefused";
}

/** How far a backup, verify or restore has come. */
export interface BackupProgress {
  phase: "commits" | "snapshots" | "files" | "keys" | "verify" | "write";
  /** Commits (or keys, files) done in this phase. */
  done: number;
  /** What the phase has in all (null when unknown). */
  total: number | null;
  perSecond: number;
  etaMs: number | null;
}

/** Options of `writeBackup`. */
export interface WriteBackupOptions {
  /** Folds every commit into the per-stream state hashes. */
  hasher: StateHasher;
  /** Largest NDJSON segment in bytes before a new one starts (default 4 MiB). */
  segmentBytes?: number;
  /** Commits per feed read (default 1000). */
  batchSize?: number;
  onProgress?: (progress: BackupProgress) => void;
  signal?: AbortSignal;
}

class Meter {
  readonly #started = performance.now();
  readonly #report?: (progress: BackupProgress) => void;
  #last = 0;
  constructor(report?: (progress: BackupProgress) => void) {
    this.#report = report;
  }
  tick(
    phase: BackupProgress["phase"],
    done: number,
    total: number | null,
    force = false,
  ): void {
    if (!this.#report) return;
    const now = performance.now();
    if (!force && now - this.#last < 200) return;
    this.#last = now;
    const seconds = Math.max(0.001, (now - this.#started) / 1000);
    const perSecond = done / seconds;
    this.#report({
      phase,
      done,
      total,
      perSecond,
      etaMs: total === null || perSecond === 0
        ? null
        : Math.max(0, ((total - done) / perSecond) * 1000),
    });
  }
}

/** NDJSON segments of bounded size, each becoming one archive entry. */
class Segments {
  readonly #tar: TarWriter;
  readonly #name: (n: number) => string;
  readonly #max: number;
  readonly parts: ManifestPart[];
  #lines: string[] = [];
  #bytes = 0;
  #first?: number;
  #last?: number;
  #n = 0;

  constructor(
    tar: TarWriter,
    name: (n: number) => string,
    max: number,
    parts: ManifestPart[],
  ) {
    this.#tar = tar;
    this.#name = name;
    this.#max = max;
    this.parts = parts;
  }

  async add(record: unknown, position?: number): Promise<void> {
    const line = JSON.stringify(record);
    this.#lines.push(line);
    this.#bytes += line.length + 1;
    if (position !== undefined) {
      this.#first ??= position;
      this.#last = position;
    }
    if (this.#bytes >= this.#max) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#lines.length === 0) return;
    const data = encoder.encode(this.#lines.join("\n") + "\n");
    const name = this.#name(++this.#n);
    await this.#tar.add(name, data);
    this.parts.push({
      name,
      sha256: sha256(data),
      bytes: data.byteLength,
      count: this.#lines.length,
      ...(this.#first !== undefined
        ? { first: this.#first, last: this.#last }
        : {}),
    });
    this.#lines = [];
    this.#bytes = 0;
    this.#first = undefined;
    this.#last = undefined;
  }
}

async function addJson(
  tar: TarWriter,
  parts: ManifestPart[],
  name: string,
  value: unknown,
  count = 1,
): Promise<void> {
  const data = encoder.encode(JSON.stringify(value, null, 2) + "\n");
  await tar.add(name, data);
  parts.push({ name, sha256: sha256(data), bytes: data.byteLength, count });
}

async function finish(
  tar: TarWriter,
  manifest: BackupManifest,
): Promise<void> {
  const data = encoder.encode(JSON.stringify(manifest, null, 2) + "\n");
  await tar.add(BackupEntries.manifest, data);
  await tar.add(
    BackupEntries.manifestHash,
    encoder.encode(sha256(data) + "\n"),
  );
  await tar.close();
}

/**
 * Streams a backup of `source` into `sink`: every commit up to the head as
 * it was when the backup started (the position it is consistent at), the
 * snapshots taken at or before it, every stored file (files are written
 * before the commits that name them, so every file a commit refers to is
 * there), the checkpoints, and the manifest. Personal-data keys are never in
 * it: see `writeKeysExport`. The source keeps serving meanwhile.
 */
export async function writeBackup(
  source: BackupSource,
  sink: WritableStream<Uint8Array>,
  options: WriteBackupOptions,
): Promise<BackupManifest> {
  const tar = new TarWriter(sink);
  try {
    const position = await source.headPosition();
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      version: BACKUP_FORMAT_VERSION,
      kind: BackupKinds.data,
      mode: source.mode,
      position,
      createdAt: new Date().toISOString(),
    };
    const parts: ManifestPart[] = [];
    await addJson(tar, parts, BackupEntries.header, header);
    const max = options.segmentBytes ?? 4 * 1024 * 1024;
    const meter = new Meter(options.onProgress);
    const hasher = options.hasher;

    const commits = new Segments(tar, BackupEntries.commits, max, parts);
    let after = 0;
    while (after < position) {
      options.signal?.throwIfAborted();
      const page = await source.readFeed(
        after,
        Math.min(options.batchSize ?? 1000, position - after),
      );
      if (page.length === 0) {
        throw new Error(
          `The feed ends at ${after}, before its head ${position}`,
        );
      }
      for (const commit of page) {
        if (commit.position > position) break;
        hasher.apply(commit);
        await commits.add(commit, commit.position);
        after = commit.position;
      }
      meter.tick("commits", after, position);
    }
    await commits.flush();
    meter.tick("commits", after, position, true);

    const snapshots = new Segments(tar, BackupEntries.snapshots, max, parts);
    const streams = hasher.hashes();
    let snapshotCount = 0;
    for await (const stored of source.snapshots()) {
      // A snapshot newer than the backup's position belongs to a later state.
      const stream = streams[`${stored.type}/${stored.id}`];
      if (
        !stream || stored.snapshot.position > position ||
        stored.snapshot.version > stream.version
      ) continue;
      await snapshots.add(stored);
      snapshotCount++;
      meter.tick("snapshots", snapshotCount, null);
    }
    await snapshots.flush();

    const infos: FileInfo[] = [];
    for await (const info of source.files()) infos.push(info);
    infos.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    await addJson(tar, parts, BackupEntries.fileIndex, infos, infos.length);
    let files = 0;
    for (const info of infos) {
      const data = await source.readFile(info.id);
      if (!data) throw new Error(`File ${info.id} vanished during the backup`);
      const name = BackupEntries.file(info.id);
      await tar.add(name, data);
      parts.push({
        name,
        sha256: sha256(data),
        bytes: data.byteLength,
        count: 1,
      });
      meter.tick("files", ++files, infos.length);
    }

    const checkpoints = await source.checkpoints();
    await addJson(tar, parts, BackupEntries.checkpoints, checkpoints);
    const manifest: BackupManifest = {
      ...header,
      counts: {
        commits: position,
        events: hasher.events,
        streams: hasher.streams,
        snapshots: snapshotCount,
        files: infos.length,
        keys: 0,
      },
      parts,
      streams,
      checkpoints,
    };
    await finish(tar, manifest);
    return manifest;
  } catch (error) {
    await tar.abort(error);
    throw error;
  }
}

/**
 * Streams the separate export of personal-data keys (`--keys`): kept apart
 * from the data backups so that a key shredded after a backup was taken
 * stays shredded when that backup is restored with a newer keys export.
 */
export async function writeKeysExport(
  source: KeySource,
  mode: BackupMode,
  sink: WritableStream<Uint8Array>,
  options: { onProgress?: (progress: BackupProgress) => void } = {},
): Promise<BackupManifest> {
  const tar = new TarWriter(sink);
  try {
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      version: BACKUP_FORMAT_VERSION,
      kind: BackupKinds.keys,
      mode,
      position: 0,
      createdAt: new Date().toISOString(),
    };
    const parts: ManifestPart[] = [];
    await addJson(tar, parts, BackupEntries.header, header);
    const segments = new Segments(tar, BackupEntries.keys, 4 << 20, parts);
    const meter = new Meter(options.onProgress);
    let keys = 0;
    for await (const entry of source.exportKeys()) {
      await segments.add(entry);
      meter.tick("keys", ++keys, null);
    }
    await segments.flush();
    const manifest: BackupManifest = {
      ...header,
      counts: {
        commits: 0,
        events: 0,
        streams: 0,
        snapshots: 0,
        files: 0,
        keys,
      },
      parts,
      streams: {},
      checkpoints: {},
    };
    await finish(tar, manifest);
    return manifest;
  } catch (error) {
    await tar.abort(error);
    throw error;
  }
}

/** Callbacks of one pass over an archive. */
interface PassHandlers {
  commits?: (commits: Commit[]) => Promise<void> | void;
  snapshot?: (snapshot: StoredSnapshot) => Promise<void> | void;
  file?: (info: FileInfo, data: Uint8Array) => Promise<void> | void;
  key?: (subject: string, key: StoredKey) => Promise<void> | void;
  checkpoints?: (value: Record<string, number>) => Promise<void> | void;
  /** Parts already proven (a second pass checks each against these first). */
  expected?: ManifestPart[];
}

function parseJson<T>(name: string, data: Uint8Array): T {
  try {
    return JSON.parse(decoder.decode(data)) as T;
  } catch {
    throw new ArchiveError(`The archive is corrupt: ${name} is not valid JSON`);
  }
}

function parseLines<T>(name: string, data: Uint8Array): T[] {
  const text = decoder.decode(data);
  try {
    return text.split("\n").filter((l) => l.length > 0).map((l) =>
      JSON.parse(l) as T
    );
  } catch {
    throw new ArchiveError(
      `The archive is corrupt: ${name} is not valid NDJSON`,
    );
  }
}

/**
 * Reads an archive once: every entry hashed and checked against the
 * manifest at its end (and the manifest against its own hash), handing what
 * it finds to `handlers`. With `expected` (a manifest's parts from an earlier
 * pass), each entry is checked before it is handed on, so a file that
 * changed between the passes is refused before its part is written.
 */
async function pass(
  stream: ReadableStream<Uint8Array>,
  handlers: PassHandlers,
): Promise<BackupManifest> {
  const seen: ManifestPart[] = [];
  let header: BackupHeader | null = null;
  let manifest: BackupManifest | null = null;
  let manifestBytes: Uint8Array | null = null;
  let fileIndex: Map<string, FileInfo> | null = null;
  let hashChecked = false;
  const expected = handlers.expected
    ? new Map(handlers.expected.map((p) => [p.name, p]))
    : null;
  for await (const entry of readTar(stream)) {
    const { name, data } = entry;
    if (hashChecked) {
      throw new ArchiveError(
        `The archive is corrupt: ${name} follows its manifest`,
      );
    }
    if (name === BackupEntries.manifest) {
      manifest = parseJson<BackupManifest>(name, data);
      manifestBytes = data;
      continue;
    }
    if (name === BackupEntries.manifestHash) {
      if (!manifestBytes) {
        throw new ArchiveError(
          "The archive is corrupt: no manifest before its hash",
        );
      }
      if (decoder.decode(data).trim() !== sha256(manifestBytes)) {
        throw new ArchiveError(
          "The archive is corrupt: the manifest does not match its SHA-256",
        );
      }
      hashChecked = true;
      continue;
    }
    if (manifest) {
      throw new ArchiveError(
        `The archive is corrupt: ${name} follows its manifest`,
      );
    }
    const digest = sha256(data);
    if (expected) {
      const want = expected.get(name);
      if (!want || want.sha256 !== digest) {
        throw new ArchiveError(
          `The archive changed since it was verified: ${name} does not match its SHA-256`,
        );
      }
    }
    if (!header) {
      if (name !== BackupEntries.header) {
        throw new ArchiveError(
          `Not a TMS backup: it starts with ${name}, not ${BackupEntries.header}`,
        );
      }
      header = parseJson<BackupHeader>(name, data);
      if (header.format !== BACKUP_FORMAT) {
        throw new ArchiveError("Not a TMS backup: unknown format");
      }
      if (header.version !== BACKUP_FORMAT_VERSION) {
        throw new ArchiveError(
          `Backup format version ${header.version} is not ${BACKUP_FORMAT_VERSION}`,
        );
      }
      seen.push({ name, sha256: digest, bytes: data.byteLength, count: 1 });
      continue;
    }
    let count = 1;
    let first: number | undefined;
    let last: number | undefined;
    if (name.startsWith("commits/")) {
      const commits = parseLines<Commit>(name, data);
      count = commits.length;
      first = commits[0]?.position;
      last = commits.at(-1)?.position;
      await handlers.commits?.(commits);
    } else if (name.startsWith("snapshots/")) {
      const snapshots = parseLines<StoredSnapshot>(name, data);
      count = snapshots.length;
      for (const s of snapshots) await handlers.snapshot?.(s);
    } else if (name.startsWith("keys/")) {
      const keys = parseLines<{ subject: string; key: StoredKey }>(name, data);
      count = keys.length;
      for (const k of keys) await handlers.key?.(k.subject, k.key);
    } else if (name === BackupEntries.fileIndex) {
      const infos = parseJson<FileInfo[]>(name, data);
      count = infos.length;
      fileIndex = new Map(infos.map((i) => [i.id, i]));
    } else if (name.startsWith("files/")) {
      const id = name.slice("files/".length);
      const info = fileIndex?.get(id);
      if (!info) {
        throw new ArchiveError(
          `The archive is corrupt: file ${id} is not in its index`,
        );
      }
      if (info.sha256 !== digest || info.size !== data.byteLength) {
        throw new ArchiveError(
          `The archive is corrupt: file ${id} does not match its SHA-256`,
        );
      }
      await handlers.file?.(info, data);
    } else if (name === BackupEntries.checkpoints) {
      await handlers.checkpoints?.(
        parseJson<Record<string, number>>(name, data),
      );
    } else {
      throw new ArchiveError(`The archive is corrupt: unknown entry ${name}`);
    }
    seen.push({
      name,
      sha256: digest,
      bytes: data.byteLength,
      count,
      ...(first !== undefined ? { first, last } : {}),
    });
  }
  if (!header) throw new ArchiveError("The archive is empty");
  if (!manifest || !hashChecked) {
    throw new ArchiveError("The archive is truncated: it has no manifest");
  }
  compareParts(manifest.parts ?? [], seen);
  if (manifest.kind !== header.kind || manifest.position !== header.position) {
    throw new ArchiveError(
      "The archive is corrupt: manifest and header disagree",
    );
  }
  return manifest;
}

function compareParts(listed: ManifestPart[], seen: ManifestPart[]): void {
  for (let i = 0; i < Math.max(listed.length, seen.length); i++) {
    const want = listed[i];
    const got = seen[i];
    if (!want) {
      throw new ArchiveError(
        `The archive is corrupt: ${got.name} is not in the manifest`,
      );
    }
    if (!got) {
      throw new ArchiveError(
        `The archive is truncated: ${want.name} is missing`,
      );
    }
    if (want.name !== got.name) {
      throw new ArchiveError(
        `The archive is corrupt: found ${got.name} where the manifest lists ${want.name}`,
      );
    }
    if (want.sha256 !== got.sha256 || want.bytes !== got.bytes) {
      throw new ArchiveError(
        `The archive is corrupt: ${got.name} does not match its SHA-256 in the manifest`,
      );
    }
    if (
      want.count !== got.count || want.first !== got.first ||
      want.last !== got.last
    ) {
      throw new ArchiveError(
        `The archive is corrupt: ${got.name} holds other records than the manifest lists`,
      );
    }
  }
}

/** What `verifyBackup` found. */
export interface VerifyResult {
  manifest: BackupManifest;
  /** Streams whose replayed state hash matched the manifest's. */
  streams: number;
}

/**
 * Checks an archive through: every part's SHA-256 against the manifest, the
 * manifest against its own hash, the feed gap-free from 1 to its position,
 * every stream's versions consecutive, and — replaying every commit with its
 * decider — every stream's state hash against the manifest's. Throws
 * `ArchiveError` naming what does not hold.
 */
export async function verifyBackup(
  stream: ReadableStream<Uint8Array>,
  hasher: StateHasher,
  options: { onProgress?: (progress: BackupProgress) => void } = {},
): Promise<VerifyResult> {
  const meter = new Meter(options.onProgress);
  let files = 0;
  let snapshots = 0;
  let keys = 0;
  const manifest = await pass(stream, {
    commits: (commits) => {
      for (const commit of commits) {
        try {
          hasher.apply(commit);
        } catch (error) {
          throw new ArchiveError(
            `The archive is corrupt: ${
              error instanceof Error ? error.message : error
            }`,
          );
        }
      }
      meter.tick("verify", hasher.position, null);
    },
    snapshot: () => void snapshots++,
    file: () => void files++,
    key: () => void keys++,
  });
  if (manifest.kind === BackupKinds.data) {
    if (hasher.position !== manifest.position) {
      throw new ArchiveError(
        `The archive is truncated: its feed ends at ${hasher.position}, its manifest says ${manifest.position}`,
      );
    }
    const replayed = hasher.hashes();
    const listed = manifest.streams ?? {};
    const keysListed = Object.keys(listed);
    if (keysListed.length !== Object.keys(replayed).length) {
      throw new ArchiveError(
        `The archive is corrupt: ${
          Object.keys(replayed).length
        } streams replayed, the manifest lists ${keysListed.length}`,
      );
    }
    for (const key of keysListed) {
      const got = replayed[key];
      const want = listed[key];
      if (!got || got.version !== want.version || got.state !== want.state) {
        throw new ArchiveError(
          `The state of ${key} replayed from the archive does not match its state hash in the manifest`,
        );
      }
    }
  }
  const counts = manifest.counts;
  if (
    counts.snapshots !== snapshots || counts.files !== files ||
    counts.keys !== keys ||
    (manifest.kind === BackupKinds.data && counts.commits !== hasher.position)
  ) {
    throw new ArchiveError("The archive is corrupt: its counts do not match");
  }
  meter.tick("verify", hasher.position, hasher.position, true);
  return { manifest, streams: Object.keys(manifest.streams ?? {}).length };
}

/** Options of `restoreBackup`. */
export interface RestoreOptions {
  /** A fresh hasher for the verification pass. */
  hasher: StateHasher;
  /** Commits per write (default 1000). */
  batchSize?: number;
  onProgress?: (progress: BackupProgress) => void;
}

/**
 * Restores a data backup into an empty target: refuses a target that holds
 * anything, verifies the whole archive first (`verifyBackup`, nothing is
 * written before every hash holds), then reads it again and writes commits,
 * snapshots, files and checkpoints, checking each part against the verified
 * manifest before it writes it. `open` is called once per pass.
 */
export async function restoreBackup(
  open: () => Promise<ReadableStream<Uint8Array>>,
  target: RestoreTarget,
  options: RestoreOptions,
): Promise<BackupManifest> {
  await target.assertEmpty();
  const { manifest } = await verifyBackup(await open(), options.hasher, {
    onProgress: options.onProgress,
  });
  if (manifest.kind !== BackupKinds.data) {
    throw new RestoreRefused(
      "This is a keys export: restore it with --keys",
    );
  }
  if (manifest.mode !== target.mode) {
    // Commits are the same in both modes; positions carry over as they are.
    console.warn(
      `Restoring a ${manifest.mode} backup into a ${target.mode} store`,
    );
  }
  const meter = new Meter(options.onProgress);
  const batch: Commit[] = [];
  const size = options.batchSize ?? 1000;
  let written = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await target.writeCommits(batch);
    written += batch.length;
    batch.length = 0;
    meter.tick("write", written, manifest.position);
  };
  await pass(await open(), {
    expected: manifest.parts,
    commits: async (commits) => {
      for (const commit of commits) {
        batch.push(commit);
        if (batch.length >= size) await flush();
      }
    },
    snapshot: async (snapshot) => {
      await flush();
      await target.writeSnapshot(snapshot);
    },
    file: async (info, data) => {
      await flush();
      await target.writeFile(info, data);
    },
    checkpoints: async (value) => {
      await flush();
      await target.writeCheckpoints(value);
    },
  });
  await flush();
  meter.tick("write", written, manifest.position, true);
  return manifest;
}

/** Restores a keys export into an empty key store (verified first). */
export async function restoreKeys(
  open: () => Promise<ReadableStream<Uint8Array>>,
  target: KeyTarget,
): Promise<BackupManifest> {
  await target.assertEmpty();
  const { manifest } = await verifyBackup(await open(), new StateHasher([]));
  if (manifest.kind !== BackupKinds.keys) {
    throw new RestoreRefused(
      "This is a data backup: restore it without --keys",
    );
  }
  await pass(await open(), {
    expected: manifest.parts,
    key: async (subject, key) => {
      await target.importKey(subject, key);
    },
  });
  return manifest;
}

/** The kind of an archive from its first entry, without reading the rest. */
export async function archiveKind(
  stream: ReadableStream<Uint8Array>,
): Promise<BackupKind> {
  for await (const entry of readTar(stream)) {
    if (entry.name !== BackupEntries.header) {
      throw new ArchiveError(`Not a TMS backup: it starts with ${entry.name}`);
    }
    return parseJson<BackupHeader>(entry.name, entry.data).kind;
  }
  throw new ArchiveError("The archive is empty");
}
