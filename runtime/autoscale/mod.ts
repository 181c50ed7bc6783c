/**
 * @module autoscale
 *
 * The parts of the autoscaler that know nothing of TMS's domain:
 *
 * - `NodeSampler`: every node measures itself each interval — commands
 *   handled (rate), p99 of the asks its edge timed, mailbox depth (max and
 *   sum), active actors, CPU of the process (`/proc/self/stat` in clock
 *   ticks), event-loop delay (timer drift), projection lag, and consumer
 *   lag against the stream head as the stream leader answers it
 *   (`streamLeaderHead`). Samples go to NATS on
 *   `tms.autoscale.sample.<node>` (or straight to the supervisor when
 *   embedded). A metric it cannot read is named missing, never guessed.
 * - `SampleBoard`: the latest sample per node; older than two intervals is
 *   stale (the policy holds), older than ten forgotten; the cluster's
 *   metrics (per-node metrics averaged, cluster metrics at their largest).
 * - `HoltWinters`, `RateForecaster`: additive Holt-Winters on the command
 *   rate with its MAPE against what then happened (last hour).
 * - `decide`: the HPA's algorithm as a pure function (formula, tolerance,
 *   scale-up policy, scale-down stabilization on the highest recommendation,
 *   min/max, cooldown, manual hold; a forecast only pulls a scale-up
 *   forward; stale or missing metrics hold).
 * - `AnomalyDetector`: values far outside their band.
 * - `SupervisorLease`: the lease `autoscale` in the bucket `tms_supervisors`
 *   that makes one supervisor of the cluster the active one.
 * - Actuators: `LocalActuator` (asks `deno task cluster --autoscale`'s
 *   process manager on `tms.autoscale.actuator.local`, served by
 *   `serveLocalActuator`) and `KubernetesActuator` (a Deployment's `scale`
 *   subresource).
 * - `autoscaleMetrics`: the `tms_autoscale_*` lines of `/metrics`.
 *
 * Imports `core`, `nats`.
 */
export {
  AutoscaleModes,
  DEFAULT_TARGETS,
  isAutoscaleMode,
  isMetric,
  LOAD_PROPORTIONAL,
  Metrics,
} from "./types.ts";
export type {
  Actuator,
  AutoscaleMode,
  ClusterMetrics,
  Metric,
  NodeSample,
  ScaleResult,
  Targets,
} from "./types.ts";
export { HoltWinters, RateForecaster } from "./forecast.ts";
export type {
  ForecastAccuracy,
  ForecastPoint,
  HoltWintersOptions,
  RateForecasterOptions,
} from "./forecast.ts";
export {
  decide,
  DecisionActions,
  defaultPolicyConfig,
  initialPolicyState,
  recordAction,
} from "./policy.ts";
export type {
  Decision,
  DecisionAction,
  ForecastInput,
  ForecastReason,
  MetricReason,
  PolicyConfig,
  PolicyInput,
  PolicyState,
  ScalingRule,
} from "./policy.ts";
export { aggregate, SampleBoard } from "./board.ts";
export type { BoardView, SampleBoardOptions } from "./board.ts";
export { LatencyWindow, NodeSampler, streamLeaderHead } from "./sampler.ts";
export type { NodeSamplerOptions, SamplerSources } from "./sampler.ts";
export {
  clockTicksPerSecond,
  CpuClock,
  EventLoopDelay,
} from "./process_load.ts";
export { AnomalyDetector } from "./anomalies.ts";
export type { Anomaly, AnomalyDetectorOptions } from "./anomalies.ts";
export { openSupervisorBucket, SupervisorLease } from "./lease.ts";
export type { SupervisorLeaseOptions } from "./lease.ts";
export { LocalActuator, serveLocalActuator } from "./local_actuator.ts";
export type { LocalClusterControl } from "./local_actuator.ts";
export { KubernetesActuator, SERVICE_ACCOUNT_DIR } from "./kubernetes.ts";
export type { KubernetesActuatorOptions, Scale } from "./kubernetes.ts";
export { autoscaleMetrics } from "./metrics.ts";
export type { AutoscaleGauges } from "./metrics.ts";
