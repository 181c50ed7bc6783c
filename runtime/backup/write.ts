/**
 * Writing a data backup or a keys export: a tar stream of NDJSON segments
 * and JSON parts, each hashed into the manifest written last. A data backup
 * is consistent at one feed position: the head when it starts.
 */
import { TarWriter } from "./tar.ts";
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupEntries,
  BackupKinds,
  sha256,
} from "./format.ts";
import type {
  BackupHeader,
  BackupManifest,
  BackupMode,
  ManifestPart,
} from "./format.ts";
import type { FileInfo } from "../storage/mod.ts";
import { Meter } from "./progress.ts";
import type {
  BackupProgress,
  BackupSource,
  KeySource,
  WriteBackupOptions,
} from "./types.ts";

const encoder = new TextEncoder();

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

    // A checkpoint past the backup's position would, once restored, skip
    // the commits written after the restore at those positions.
    const checkpoints = Object.fromEntries(
      Object.entries(await source.checkpoints()).map((
        [name, at],
      ) => [name, Math.min(at, position)]),
    );
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
