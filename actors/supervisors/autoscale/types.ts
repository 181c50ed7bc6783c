/** Commands, state and error codes of the autoscale supervisor's actor. */
import type {
  AutoscaleMode,
  Decision,
  ForecastAccuracy,
  NodeSample,
  PolicyConfig,
} from "../../../runtime/autoscale/mod.ts";
import type { AutoscaleFailed, AutoscaleScaled } from "./events.ts";

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
  | ({ type: "record_scaled" } & AutoscaleScaled["data"])
  | ({ type: "record_failed" } & AutoscaleFailed["data"])
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

/** How the autoscaler is configured on every node. */
export interface AutoscaleSettings {
  mode: AutoscaleMode;
  /** Sample and evaluation interval. */
  intervalMs: number;
  policy: PolicyConfig;
  /** Length of the forecast's season (a day). */
  seasonMs: number;
}

/** What the status endpoint shows of the supervisor. */
export interface SupervisorStatus {
  mode: AutoscaleMode;
  supervisor: string;
  actuator: string | null;
  replicas: number | null;
  desired: number | null;
  minReplicas: number;
  maxReplicas: number;
  targets: PolicyConfig["targets"];
  intervalMs: number;
  stabilizationMs: number;
  cooldownMs: number;
  /** The fresh samples, with their age. */
  nodes: (NodeSample & { ageMs: number })[];
  /** Nodes whose samples are too old (the policy holds). */
  staleNodes: string[];
  lastDecision: Decision | null;
  forecast: ForecastAccuracy & {
    horizonMs: number;
    trusted: boolean;
    seasonal: boolean;
    observations: number;
  };
  manualHoldUntil: string | null;
  lastActionAt: string | null;
  actuating: boolean;
}

/** A forecast of the cluster's command rate. */
export interface Predictions {
  at: string;
  intervalMs: number;
  horizonMs: number;
  currentRate: number;
  accuracy: ForecastAccuracy;
  points: { at: string; rate: number; low: number; high: number }[];
}

/** What the policy recommends now, with its stabilization window. */
export interface Recommendations {
  decision: Decision | null;
  window: { at: string; replicas: number }[];
}

/** The answer to a manual scale. */
export interface ManualScaleResult {
  from: number;
  to: number;
  holdUntil: string;
}
