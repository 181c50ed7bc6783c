/**
 * `deno task backup:verify FILE`: checks an archive through and replays its
 * states; see {@linkcode backupVerifyTask} or `--help`.
 */
import { verifyBackup } from "../runtime/backup/mod.ts";
import { runTask, UsageError } from "./cli.ts";
import type { TaskSpec } from "./cli.ts";
import {
  domainHasher,
  openArchive,
  progressPrinter,
} from "./backup_support.ts";

/** `deno task backup:verify`: its usage text. */
export const backupVerifyTask: TaskSpec = {
  name: "backup:verify",
  summary:
    "Verifies a backup: every part's SHA-256, the manifest, and every stream's state replayed against its state hash.",
  positionals: "FILE",
  details:
    `Reads the archive once, touching no store: checks the SHA-256 of every part
against the manifest and the manifest against its own hash, that the feed runs
from position 1 to the manifest's without a gap and every stream's versions
follow each other, then folds every stream with its aggregate's decider (events
upcast as actors see them) and compares each state's hash with the manifest's.
Exits 1 naming the first thing that does not hold (a corrupted or truncated
archive). Also verifies a keys export (hashes and counts).`,
  examples: [
    "deno task backup:verify /var/backups/tms/tms-data-20261201T030000Z-p48213.tar.gz",
  ],
};

if (import.meta.main) {
  await runTask(backupVerifyTask, async (args) => {
    if (args.positionals.length !== 1) {
      throw new UsageError("backup:verify takes exactly one FILE");
    }
    const progress = progressPrinter("verify");
    const started = performance.now();
    try {
      const { manifest, streams } = await verifyBackup(
        await openArchive(args.positionals[0]),
        domainHasher(),
        { onProgress: progress.report },
      );
      progress.done();
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `OK: ${manifest.kind} backup (${manifest.mode}) of ${manifest.createdAt}, position ${manifest.position}: ${manifest.parts.length} parts, ${manifest.counts.commits} commits, ${streams} stream states, ${manifest.counts.files} files, ${manifest.counts.keys} keys verified in ${
          seconds.toFixed(1)
        } s`,
      );
    } catch (error) {
      progress.done();
      throw error;
    }
  });
}
