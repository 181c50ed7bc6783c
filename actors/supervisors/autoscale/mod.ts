/**
 * The autoscale supervisor: an actor whose stream `autoscale/cluster`
 * records each decision with its inputs (`autoscale.decided`), each action
 * with its outcome (`autoscale.scaled`, `autoscale.failed`) and each manual
 * scale (`autoscale.manual_scaled`); the loop that samples, forecasts,
 * decides and acts on the node holding the lease; and what the API reads.
 */
export { autoscaleActor, autoscaleDecider } from "./decider.ts";
export {
  AUTOSCALE_EVENT_TYPES,
  autoscaleEvent,
  AutoscaleEventVersions,
} from "./events.ts";
export type {
  AutoscaleDecided,
  AutoscaleEvent,
  AutoscaleFailed,
  AutoscaleManualScaled,
  AutoscaleScaled,
  ScaleTrigger,
} from "./events.ts";
export { AUTOSCALE, AUTOSCALE_STREAM, AutoscaleErrorCode } from "./types.ts";
export type {
  AutoscaleCommand,
  AutoscaleSettings,
  AutoscaleState,
  ManualScaleResult,
  Predictions,
  Recommendations,
  SupervisorStatus,
} from "./types.ts";
export { costOf, decisionLog } from "./queries.ts";
export type {
  CostReport,
  DecisionLogItem,
  DecisionLogPage,
} from "./queries.ts";
export { AutoscaleSupervisor } from "./supervisor.ts";
export type { AutoscaleSupervisorOptions } from "./supervisor.ts";
export { AutoscaleNode } from "./node.ts";
export type {
  AutoscaleApi,
  AutoscaleNodeOptions,
  AutoscaleStatus,
} from "./node.ts";
export { MeasuredClient } from "./measure.ts";
