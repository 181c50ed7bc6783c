/**
 * Reading an archive back: one hashed pass checks every part against the
 * manifest; verify replays every stream's state hash; restore writes into an
 * empty target only after a whole verifying pass.
 */
import { ArchiveError, readTar } from "./tar.ts";
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
  ManifestPart,
} from "./format.ts";
import type { Commit } from "../core/mod.ts";
import type { FileInfo } from "../storage/mod.ts";
import type { StoredKey } from "../storage/mod.ts";
import { Meter } from "./progress.ts";
import type {
  BackupProgress,
  KeyTarget,
  RestoreOptions,
  RestoreTarget,
  StoredSnapshot,
  VerifyResult,
} from "./types.ts";
import { RestoreRefused } from "./types.ts";

const decoder = new TextDecoder();

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
