/** The events of the autoscale supervisor, declared once. */
import { eventFactory, eventTypesOf } from "../../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../../runtime/core/mod.ts";
import type {
  DecisionAction,
  ForecastReason,
  MetricReason,
} from "../../../runtime/autoscale/mod.ts";

/** Who started an action: the policy, or an operator's manual scale. */
export type ScaleTrigger = "automatic" | "manual";

/**
 * One evaluation with its inputs: the replicas running, what each metric
 * asked for (value, target, ratio, replicas), what the forecast did, what
 * bounded the result and why it was held. Recorded when the outcome
 * changes, for every action, and at least every few minutes.
 */
export type AutoscaleDecided = DomainEvent<"autoscale.decided", {
  current: number;
  desired: number;
  recommendation: number;
  action: DecisionAction;
  reasons: MetricReason[];
  forecast: ForecastReason | null;
  held: string | null;
  limits: string[];
  /** `recommend` or `on`. */
  mode: string;
  /** Nodes whose samples were fresh. */
  nodes: number;
  at: string;
}>;

/** The actuator changed the replica count. */
export type AutoscaleScaled = DomainEvent<"autoscale.scaled", {
  from: number;
  to: number;
  actuator: string;
  trigger: ScaleTrigger;
  durationMs: number;
  at: string;
}>;

/** The actuator failed to change the replica count. */
export type AutoscaleFailed = DomainEvent<"autoscale.failed", {
  from: number;
  to: number;
  actuator: string;
  trigger: ScaleTrigger;
  error: string;
  at: string;
}>;

/** An operator set the replica count; automatic actions wait until `holdUntil`. */
export type AutoscaleManualScaled = DomainEvent<"autoscale.manual_scaled", {
  from: number;
  to: number;
  reason: string;
  /** The user who asked. */
  by: string;
  holdUntil: string;
  at: string;
}>;

export type AutoscaleEvent =
  | AutoscaleDecided
  | AutoscaleScaled
  | AutoscaleFailed
  | AutoscaleManualScaled;

/** Current schema version of each autoscale event. */
export const AutoscaleEventVersions = {
  "autoscale.decided": 1,
  "autoscale.scaled": 1,
  "autoscale.failed": 1,
  "autoscale.manual_scaled": 1,
} as const satisfies EventVersions<AutoscaleEvent>;

/** Every autoscale event type. */
export const AUTOSCALE_EVENT_TYPES = eventTypesOf(AutoscaleEventVersions);

/** Builds an autoscale event at its current schema version. */
export const autoscaleEvent = eventFactory<AutoscaleEvent>(
  AutoscaleEventVersions,
);
