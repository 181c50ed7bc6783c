/**
 * @module backup
 *
 * Hash-verified backups of the event log and what lives beside it, and
 * their restore. An archive is a gzip-compressed tar (`tar tzf` lists it):
 *
 * - `tms-backup.json` — format, kind (`data` or `keys`), mode, the position
 *   the backup is consistent at, the time;
 * - `commits/NNNNNN.ndjson` — every commit as stored, in feed order, in
 *   segments of at most 4 MiB;
 * - `snapshots/NNNNNN.ndjson` — `{ type, id, snapshot }` taken at or before
 *   the position;
 * - `files.ndjson` and `files/<id>` — every stored file (photos) with its
 *   info, bytes checked against the SHA-256 in it;
 * - `checkpoints.json` — named feed checkpoints kept beside the log (the
 *   integration relay's: `["checkpoint", name]` in `events.kv`,
 *   `checkpoint.<name>` in `tms_consumers`), each at most the backup's
 *   position, and restored with it;
 * - `manifest.json` — counts, last position, SHA-256, size and record count
 *   of every part, the version and state hash of every stream (SHA-256 of
 *   the canonical JSON of the state its decider folds); and
 *   `manifest.json.sha256`.
 *
 * Personal-data keys are never in a data archive: a keys export (`kind:
 * keys`, `keys/NNNNNN.ndjson`) is separate, so a key shredded after a backup
 * stays shredded when the backup is restored with a later keys export.
 * Restore refuses a non-empty target and verifies every hash (and replays
 * every state) before it writes; a second pass checks each part again as it
 * writes it. Embedded: `events.kv` and `files/` of the data directory;
 * distributed: `TMS_EVENTS`, `tms_snapshots`, `tms_files`, `tms_consumers`.
 *
 * Imports `core`, `log/kv`, `log/jetstream`, `nats`, `storage`.
 */
export { writeBackup, writeKeysExport } from "./write.ts";
export {
  archiveKind,
  restoreBackup,
  restoreKeys,
  verifyBackup,
} from "./restore.ts";
export { RestoreRefused } from "./types.ts";
export type {
  BackupProgress,
  BackupSource,
  KeySource,
  KeyTarget,
  RestoreOptions,
  RestoreTarget,
  StoredSnapshot,
  VerifyResult,
  WriteBackupOptions,
} from "./types.ts";
export {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupEntries,
  BackupKinds,
  canonicalJson,
  sha256,
  StateHasher,
} from "./format.ts";
export type {
  BackupHeader,
  BackupKind,
  BackupManifest,
  BackupMode,
  FoldDefinition,
  ManifestPart,
} from "./format.ts";
export { ArchiveError, readTar, TarWriter } from "./tar.ts";
export type { TarEntry } from "./tar.ts";
export {
  distributedSource,
  distributedTarget,
  EmbeddedPaths,
  embeddedSource,
  embeddedTarget,
  keyTarget,
} from "./stores.ts";
export type { ClosableSource, ClosableTarget } from "./stores.ts";
