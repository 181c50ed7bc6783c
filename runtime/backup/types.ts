/**
 * The contracts of backup and restore: the source a backup reads, the
 * target a restore writes, their options and progress reports.
 */
import { StateHasher } from "./format.ts";
import type { BackupManifest, BackupMode } from "./format.ts";
import type { Commit, Snapshot } from "../core/mod.ts";
import type { FileInfo } from "../storage/mod.ts";
import type { StoredKey } from "../storage/mod.ts";

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

/** What `verifyBackup` found. */
export interface VerifyResult {
  manifest: BackupManifest;
  /** Streams whose replayed state hash matched the manifest's. */
  streams: number;
}

/** Options of `restoreBackup`. */
export interface RestoreOptions {
  /** A fresh hasher for the verification pass. */
  hasher: StateHasher;
  /** Commits per write (default 1000). */
  batchSize?: number;
  onProgress?: (progress: BackupProgress) => void;
}
