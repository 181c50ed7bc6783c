/**
 * `deno task restore FILE`: restores a data backup (or a keys export) into
 * the node's empty store, verifying every hash first; see
 * {@linkcode restoreTask} or `--help`.
 */
import {
  archiveKind,
  BackupKinds,
  keyTarget,
  restoreBackup,
  restoreKeys,
} from "../runtime/backup/mod.ts";
import type { BackupManifest } from "../runtime/backup/mod.ts";
import { readModelProjections } from "../actors/mod.ts";
import { runTask, UsageError } from "./cli.ts";
import type { TaskArgs, TaskSpec } from "./cli.ts";
import {
  BACKUP_ENV,
  domainHasher,
  openArchive,
  openKeyStore,
  openTarget,
  progressPrinter,
  storeConfig,
} from "./backup_support.ts";
import type { StoreConfig } from "./backup_support.ts";
import { openEventLog, openReadStore } from "./read_side_env.ts";
import { runRebuild } from "./rebuild.ts";

/** `deno task restore`: its arguments, environment and usage text. */
export const restoreTask: TaskSpec = {
  name: "restore",
  summary:
    "Restores a backup (or a keys export) into the node's empty store, after verifying every hash.",
  positionals: "FILE",
  details:
    `Stop the node(s) first. The target must be empty: embedded, no commit or
snapshot in TMS_DATA_DIR/events.kv, no file in files/, no readmodel/;
distributed, no TMS_EVENTS stream (or one never written), no snapshot, no file
in tms_files. Before anything is written the whole archive is read and checked:
the SHA-256 of every part and of the manifest, a gap-free feed, and every
stream's state replayed against its state hash; a corrupted or truncated
archive is refused with the part it failed on. Commits keep their positions,
times and trace context. A keys export (from backup --keys) is recognised by
its header and goes into the key store (TMS_DATA_DIR/keys or tms_keys), which
must be empty too. Restore the keys export first: with DATABASE_URL set, the
PostgreSQL read models are rebuilt from the restored log afterwards, personal
data opened with the key store (without the keys it reads as null); PGlite
read models are built by the node at its next start.`,
  env: [
    ...BACKUP_ENV,
    {
      name: "DATABASE_URL",
      description: "read models in PostgreSQL: rebuilt after a data restore",
    },
  ],
  examples: [
    "deno task restore /var/backups/tms/tms-data-20261201T030000Z-p48213.tar.gz",
    "deno task restore /var/backups/tms-keys/tms-keys-20261201T030000Z.tar.gz",
  ],
};

/** Restores the archive at the one positional argument into `config`'s store. */
export async function runRestore(
  args: TaskArgs,
  config: StoreConfig,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<{ manifest: BackupManifest; rebuilt: string | null }> {
  if (args.positionals.length !== 1) {
    throw new UsageError("restore takes exactly one FILE");
  }
  const path = args.positionals[0];
  const open = () => openArchive(path);
  const kind = await archiveKind(await open());
  if (kind === BackupKinds.keys) {
    const store = await openKeyStore(config);
    try {
      return {
        manifest: await restoreKeys(open, keyTarget(store.value)),
        rebuilt: null,
      };
    } finally {
      await store.value.close();
      await store.close();
    }
  }
  const progress = progressPrinter("restore");
  const target = await openTarget(config);
  let manifest: BackupManifest;
  try {
    manifest = await restoreBackup(open, target.value, {
      hasher: domainHasher(),
      onProgress: progress.report,
    });
  } finally {
    progress.done();
    await target.value.close();
    await target.close();
  }
  let rebuilt: string | null = null;
  if (env.DATABASE_URL) {
    const log = await openEventLog(env);
    const store = await openReadStore(env);
    try {
      rebuilt = await runRebuild(store, log, {
        projections: [...readModelProjections],
        batchSize: 5000,
      });
    } finally {
      await store.close();
      await log.close();
    }
  }
  return { manifest, rebuilt };
}

if (import.meta.main) {
  await runTask(restoreTask, async (args) => {
    const { manifest, rebuilt } = await runRestore(args, storeConfig());
    const { counts } = manifest;
    console.log(
      manifest.kind === BackupKinds.keys
        ? `Restored ${counts.keys} keys`
        : `Restored ${counts.commits} commits (${counts.streams} streams, ${counts.snapshots} snapshots, ${counts.files} files) up to position ${manifest.position}; every state hash verified`,
    );
    if (rebuilt) console.log(rebuilt);
  });
}
