/**
 * `deno task backup --out FILE|DIR [--keys] [--keep-days N]`: a hash-verified
 * archive of the node's store, taken while the node runs; see
 * {@linkcode backupTask} or `--help`.
 */
import { writeBackup, writeKeysExport } from "../runtime/backup/mod.ts";
import type { BackupManifest } from "../runtime/backup/mod.ts";
import { runTask, UsageError } from "./cli.ts";
import type { TaskArgs, TaskSpec } from "./cli.ts";
import {
  applyRetention,
  archiveName,
  BACKUP_ENV,
  domainHasher,
  openKeyStore,
  openSource,
  progressPrinter,
  storeConfig,
} from "./backup_support.ts";
import type { StoreConfig } from "./backup_support.ts";

/** `deno task backup`: its flags, environment and usage text. */
export const backupTask: TaskSpec = {
  name: "backup",
  summary:
    "Writes a hash-verified backup of the node's store (embedded or distributed) while it runs.",
  details:
    `The archive (a gzip-compressed tar) holds every commit up to the feed's head
when the backup starts (the position it is consistent at), the snapshots taken
at or before it, every stored file, the checkpoints and a manifest: counts, the
last position, the SHA-256 of every part and a state hash per stream.
Personal-data keys are NOT in it: export them separately with --keys, so a key
shredded later stays shredded when an old backup is restored. With --out a
directory the archive is named tms-data-<UTC time>-p<position>.tar.gz (or
tms-keys-<UTC time>.tar.gz) and --keep-days deletes the archives of that
directory older than N days. The archive is written under a .partial name and
renamed when complete. Shows progress (count, rate, ETA) on a terminal.`,
  flags: [
    {
      name: "out",
      value: "FILE|DIR",
      description:
        "where the archive goes (a directory: a named archive in it)",
    },
    {
      name: "keys",
      description: "export the personal-data keys instead (a separate archive)",
    },
    {
      name: "keep-days",
      value: "N",
      description:
        "after a backup into a directory, delete its archives older than N days",
    },
  ],
  env: BACKUP_ENV,
  examples: [
    "deno task backup --out /var/backups/tms --keep-days 30",
    "deno task backup --keys --out /var/backups/tms-keys --keep-days 30",
    "TMS_NATS_URL=nats://127.0.0.1:4222 deno task backup --out tms.tar.gz",
  ],
};

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return path.endsWith("/");
    throw error;
  }
}

/** What one run of the task did. */
export interface BackupOutcome {
  path: string;
  manifest: BackupManifest;
  deleted: string[];
  seconds: number;
}

/** Runs the task for parsed arguments against `config`. */
export async function runBackup(
  args: TaskArgs,
  config: StoreConfig,
): Promise<BackupOutcome> {
  const out = args.string("out");
  if (!out) throw new UsageError("--out FILE|DIR is required");
  const keys = args.has("keys");
  const keepDays = args.int("keep-days", undefined, { min: 1 });
  const intoDir = await isDirectory(out);
  if (keepDays !== undefined && !intoDir) {
    throw new UsageError("--keep-days needs --out to be a directory");
  }
  if (intoDir) await Deno.mkdir(out, { recursive: true });
  const started = performance.now();
  const at = new Date();
  const partial = intoDir
    ? `${out.replace(/\/+$/, "")}/.${
      archiveName(keys ? "keys" : "data", at)
    }.partial`
    : `${out}.partial`;
  const progress = progressPrinter(keys ? "backup --keys" : "backup");
  const file = await Deno.open(partial, {
    write: true,
    create: true,
    truncate: true,
    mode: keys ? 0o600 : 0o640,
  });
  let manifest: BackupManifest;
  try {
    if (keys) {
      const store = await openKeyStore(config);
      try {
        manifest = await writeKeysExport(
          store.value,
          config.natsUrl ? "distributed" : "embedded",
          file.writable,
          { onProgress: progress.report },
        );
      } finally {
        await store.close();
      }
    } else {
      const source = await openSource(config);
      try {
        manifest = await writeBackup(source.value, file.writable, {
          hasher: domainHasher(),
          onProgress: progress.report,
        });
      } finally {
        await source.value.close();
        await source.close();
      }
    }
  } catch (error) {
    progress.done();
    try {
      file.close();
    } catch { /* closed by the stream */ }
    await Deno.remove(partial).catch(() => {});
    throw error;
  }
  progress.done();
  const path = intoDir
    ? `${out.replace(/\/+$/, "")}/${
      archiveName(
        keys ? "keys" : "data",
        at,
        keys ? undefined : manifest.position,
      )
    }`
    : out;
  await Deno.rename(partial, path);
  const deleted = keepDays === undefined
    ? []
    : await applyRetention(out.replace(/\/+$/, ""), keepDays);
  return {
    path,
    manifest,
    deleted,
    seconds: (performance.now() - started) / 1000,
  };
}

if (import.meta.main) {
  await runTask(backupTask, async (args) => {
    const outcome = await runBackup(args, storeConfig());
    const { counts, position } = outcome.manifest;
    const rate = Math.round(counts.commits / Math.max(outcome.seconds, 0.001));
    console.log(
      args.has("keys")
        ? `Exported ${counts.keys} keys to ${outcome.path} in ${
          outcome.seconds.toFixed(1)
        } s`
        : `Backed up ${counts.commits} commits (${counts.streams} streams, ${counts.snapshots} snapshots, ${counts.files} files) at position ${position} to ${outcome.path} in ${
          outcome.seconds.toFixed(1)
        } s (${rate} commits/s)`,
    );
    for (const name of outcome.deleted) {
      console.log(
        `Deleted ${name} (older than ${args.string("keep-days")} days)`,
      );
    }
  });
}
