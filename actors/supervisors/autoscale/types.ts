/** Commands, state and error codes of the autoscale supervisor's actor. */
import type { Decision } from "../../../runtime/autoscale/mod.ts";
import type { ScaleTrigger } from "./events.ts";

/** Actor type of the autoscale supervisor's stream. */
export const AUTOSCALE = "autoscale";
/** Its one stream: the cluster's. */
export const AUTOSCALE_STREAM = "cluster";

/** Stable error codes of the autoscaler. */
export const AutoscaleErrorCode = {
  REPLICAS_OUT_OF_RANGE: "autoscale.replicas_out_of_range",
  REASON_REQUIRED: "autoscale.reason_required",
  OFF: "autoscale.off",
  NO_ACTUATOR: "autoscale.no_actuator",
} as const;

export type AutoscaleCommand =
  | {
    type: "record_decision";
    decision: Decision;
    mode: string;
    nodes: number;
    at: string;
  }
  | {
    type: "record_scaled";
    from: number;
    to: number;
    actuator: string;
    trigger: ScaleTrigger;
    durationMs: number;
    at: string;
  }
  | {
    type: "record_failed";
    from: number;
    to: number;
    actuator: string;
    trigger: ScaleTrigger;
    error: string;
    at: string;
  }
  | {
    type: "scale_manually";
    replicas: number;
    reason: string;
    by: string;
    /** Replicas running when asked. */
    current: number;
    minReplicas: number;
    maxReplicas: number;
    holdUntil: string;
    at: string;
  };

/** What the supervisor's stream says now (what a new supervisor resumes from). */
export interface AutoscaleState {
  decisions: number;
  lastDecision: {
    at: string;
    current: number;
    desired: number;
    action: string;
  } | null;
  /** Replicas after the last successful action. */
  replicas: number | null;
  /** The last action or failed attempt (the cooldown runs from it). */
  lastActionAt: string | null;
  manualHoldUntil: string | null;
  scaled: number;
  failed: number;
}
