import type { ChaosAgent } from "./control.ts";
import type { ProcessFaults } from "./process_faults.ts";

function label(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}

/**
 * Prometheus lines of a node's chaos seams: faults active per kind, the
 * experiments running here (seconds running and their maximum, which the
 * `TmsChaosExperimentTooLong` alert compares), what the process faults hold,
 * and the last emergency stop.
 */
export function chaosMetrics(
  agent: ChaosAgent,
  process?: ProcessFaults,
): string {
  const counts = agent.registry.counts();
  const lines = [
    "# HELP tms_chaos_faults_active Faults this node holds, by kind",
    "# TYPE tms_chaos_faults_active gauge",
    ...Object.entries(counts).map(([kind, n]) =>
      `tms_chaos_faults_active{kind="${kind}"} ${n}`
    ),
    "# HELP tms_chaos_experiment_running_seconds How long each experiment running on this node has run",
    "# TYPE tms_chaos_experiment_running_seconds gauge",
  ];
  const experiments = agent.hooks.experiments();
  const now = Date.now();
  for (const e of experiments) {
    lines.push(
      `tms_chaos_experiment_running_seconds{experiment="${label(e.id)}"} ${
        Math.max(0, (now - Date.parse(e.startedAt)) / 1000)
      }`,
    );
  }
  lines.push(
    "# HELP tms_chaos_experiment_max_duration_seconds The maximum duration of each experiment running on this node",
    "# TYPE tms_chaos_experiment_max_duration_seconds gauge",
    ...experiments.map((e) =>
      `tms_chaos_experiment_max_duration_seconds{experiment="${label(e.id)}"} ${
        e.maxDurationMs / 1000
      }`
    ),
  );
  if (process) {
    const s = process.stats();
    lines.push(
      "# TYPE tms_chaos_cpu_workers gauge",
      `tms_chaos_cpu_workers ${s.cpuWorkers}`,
      "# TYPE tms_chaos_memory_held_bytes gauge",
      `tms_chaos_memory_held_bytes ${s.heldBytes}`,
    );
  }
  const stop = agent.lastStop;
  lines.push(
    "# HELP tms_chaos_last_emergency_stop_timestamp_seconds When this node last acted on an emergency stop (0: never)",
    "# TYPE tms_chaos_last_emergency_stop_timestamp_seconds gauge",
    `tms_chaos_last_emergency_stop_timestamp_seconds ${
      stop ? Date.parse(stop.actedAt) / 1000 : 0
    }`,
  );
  return lines.join("\n") + "\n";
}
