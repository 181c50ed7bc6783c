/** The Prometheus lines a node adds of its own: the log's health, the embedded log's group commits, the newest backup. */
import { newestArchive } from "./backup_support.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import type { KvEventLog } from "../runtime/log/kv/mod.ts";

let newestBackup: { at: number; checked: number } | null = null;

/**
 * `tms_backup_last_success_timestamp_seconds`: when the newest data archive
 * in the backup directory was taken (by its name; an archive gets its name
 * only once complete), 0 when there is none. Read at most every 30 s.
 */
export async function backupMetric(dir: string): Promise<string> {
  if (!newestBackup || Date.now() - newestBackup.checked > 30_000) {
    const newest = await newestArchive(dir).catch(() => null);
    newestBackup = {
      at: newest ? newest.at.getTime() / 1000 : 0,
      checked: Date.now(),
    };
  }
  return [
    "# HELP tms_backup_last_success_timestamp_seconds When the newest complete data backup in TMS_BACKUP_DIR was taken",
    "# TYPE tms_backup_last_success_timestamp_seconds gauge",
    `tms_backup_last_success_timestamp_seconds ${newestBackup.at}`,
  ].join("\n") + "\n";
}

/** `tms_event_log_up`: 1 when the log answers a head read within a second. */
export async function logUpMetric(log: EventLog): Promise<string> {
  let up = 1;
  try {
    await log.headPosition({ signal: AbortSignal.timeout(1000) });
  } catch {
    up = 0;
  }
  return [
    "# HELP tms_event_log_up 1 when the event log answers a head read within a second",
    "# TYPE tms_event_log_up gauge",
    `tms_event_log_up ${up}`,
  ].join("\n") + "\n";
}

/** Prometheus lines of the embedded log: its group commits and index backlog. */
export function kvLogMetrics(log: KvEventLog): string {
  const s = log.stats();
  return [
    "# TYPE tms_event_log_commits_total counter",
    `tms_event_log_commits_total ${s.commits}`,
    "# TYPE tms_event_log_atomics_total counter",
    `tms_event_log_atomics_total ${s.atomics}`,
    "# HELP tms_event_log_unindexed_commits Commits not yet in the stream index (served from memory)",
    "# TYPE tms_event_log_unindexed_commits gauge",
    `tms_event_log_unindexed_commits ${s.unindexed}`,
    log.commitLatency.prometheus(
      "tms_event_log_commit_seconds",
      "Duration of one group-commit atomic of the Deno KV log, fsync included",
    ),
  ].join("\n");
}
