const START_SECONDS = Date.now() / 1000 - performance.now() / 1000;

let limit: Promise<number | null> | undefined;

/** The memory limit of this process's cgroup (v2 or v1) in bytes, null when unlimited or unknown. */
export function memoryLimit(): Promise<number | null> {
  limit ??= (async () => {
    for (
      const path of [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
      ]
    ) {
      try {
        const text = (await Deno.readTextFile(path)).trim();
        const bytes = Number(text);
        // v1 reports "no limit" as a huge number near 2^63.
        if (Number.isFinite(bytes) && bytes > 0 && bytes < 2 ** 60) {
          return bytes;
        }
        return null;
      } catch {
        // not this cgroup version, or not readable
      }
    }
    return null;
  })();
  return limit;
}

/**
 * Prometheus lines of the process: resident memory and V8 heap (the standard
 * `process_*` names), start time, and the cgroup's memory limit when one is
 * set (`tms_memory_limit_bytes`), so an alert can compare the two.
 */
export async function processMetrics(): Promise<string> {
  const memory = Deno.memoryUsage();
  const max = await memoryLimit();
  return [
    "# TYPE process_resident_memory_bytes gauge",
    `process_resident_memory_bytes ${memory.rss}`,
    "# TYPE process_heap_bytes gauge",
    `process_heap_bytes ${memory.heapUsed}`,
    "# TYPE process_start_time_seconds gauge",
    `process_start_time_seconds ${Math.round(START_SECONDS)}`,
    ...(max === null ? [] : [
      "# HELP tms_memory_limit_bytes Memory limit of the node's cgroup",
      "# TYPE tms_memory_limit_bytes gauge",
      `tms_memory_limit_bytes ${max}`,
    ]),
  ].join("\n") + "\n";
}
