/** Prometheus lines of the autoscale supervisor. */
import type { AutoscaleMode } from "./types.ts";

/** What `/metrics` tells of the autoscaler on one node. */
export interface AutoscaleGauges {
  mode: AutoscaleMode;
  /** True on the node whose supervisor holds the lease (always when embedded). */
  active: boolean;
  /** Known to the active supervisor only. */
  replicas?: number | null;
  desired?: number | null;
  minReplicas: number;
  maxReplicas: number;
  /** MAPE of the forecast over the last hour (null: nothing scored). */
  forecastMape?: number | null;
}

/**
 * `tms_autoscale_active{mode}` on every node; the active supervisor adds
 * `tms_autoscale_replicas`, `tms_autoscale_desired_replicas`,
 * `tms_autoscale_min_replicas`, `tms_autoscale_max_replicas` and
 * `tms_autoscale_forecast_mape`, so an aggregation over the nodes (`max`)
 * reads the one supervisor's values.
 */
export function autoscaleMetrics(g: AutoscaleGauges): string {
  const lines = [
    "# HELP tms_autoscale_active 1 on the node whose autoscale supervisor is the active one",
    "# TYPE tms_autoscale_active gauge",
    `tms_autoscale_active{mode="${g.mode}"} ${g.active ? 1 : 0}`,
  ];
  if (g.active) {
    const gauge = (name: string, help: string, value: number | null) => {
      if (value === null) return;
      lines.push(
        `# HELP ${name} ${help}`,
        `# TYPE ${name} gauge`,
        `${name} ${value}`,
      );
    };
    gauge(
      "tms_autoscale_replicas",
      "Replicas the autoscaler's actuator runs",
      g.replicas ?? null,
    );
    gauge(
      "tms_autoscale_desired_replicas",
      "Replicas the last decision wanted",
      g.desired ?? null,
    );
    gauge(
      "tms_autoscale_min_replicas",
      "The autoscaler's minimum",
      g.minReplicas,
    );
    gauge(
      "tms_autoscale_max_replicas",
      "The autoscaler's maximum",
      g.maxReplicas,
    );
    gauge(
      "tms_autoscale_forecast_mape",
      "Mean absolute percentage error of the command-rate forecast over the last hour",
      g.forecastMape ?? null,
    );
  }
  return lines.join("\n") + "\n";
}
