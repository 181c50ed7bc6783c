/**
 * Value types, commands, state and error codes of the chaos supervisor's
 * aggregates: `chaos_experiment` (one stream per experiment) and
 * `chaos_safety` (one stream, `cluster`: ad hoc faults and emergency stops).
 */
import type {
  FaultKind,
  FaultParams,
  FaultSelector,
} from "../../../runtime/chaos/mod.ts";

/** Actor type of an experiment. */
export const CHAOS_EXPERIMENT = "chaos_experiment";
/** Actor type of the safety record (ad hoc faults, emergency stops). */
export const CHAOS_SAFETY = "chaos_safety";
/** The one stream of `chaos_safety`. */
export const CHAOS_SAFETY_STREAM = "cluster";

/** What a probe measures. */
export const ProbeTypes = {
  /** Share of /api/ answers ≥ 500 in the window (tolerance: the most, 0–1). */
  errorRate: "error_rate",
  /** p99 of /api/ writes in the window (tolerance: the most, ms). */
  commandLatencyP99: "command_latency_p99",
  /** /health/ready passes (tolerance unused). */
  readiness: "readiness",
  /** The largest projection lag (tolerance: the most, ms). */
  projectionLag: "projection_lag",
} as const;
export type ProbeType = typeof ProbeTypes[keyof typeof ProbeTypes];

/** When a probe of the hypothesis is checked. */
export const ProbePhases = {
  /** Before any fault: the steady state must hold, or nothing is injected. */
  before: "before",
  /** Every second while the method runs: a deviation aborts. */
  during: "during",
  /** After the method: the steady state must come back (within `recoveryS`). */
  after: "after",
} as const;
export type ProbePhase = typeof ProbePhases[keyof typeof ProbePhases];

/** One probe of the steady-state hypothesis. */
export interface Probe {
  name: string;
  type: ProbeType;
  /** The bound the measure must stay within (see `ProbeTypes`). */
  tolerance: number;
  /** Seconds of traffic an error rate or p99 covers. */
  windowS: number;
  /** The phases it is checked in. */
  phases: ProbePhase[];
}

/** One fault of the method. */
export interface MethodFault {
  kind: FaultKind;
  selector: FaultSelector;
  params: FaultParams;
  /** Seconds after the method starts that it is injected. */
  afterS: number;
  durationS: number;
}

/** A rollback action, run when the experiment ends or aborts. */
export const RollbackTypes = {
  /** Clear the experiment's faults on every node. */
  clearFaults: "clear_faults",
  /** Clear every fault on every node. */
  emergencyStop: "emergency_stop",
} as const;
export type RollbackType = typeof RollbackTypes[keyof typeof RollbackTypes];

/** An experiment as it is declared (Chaos Toolkit's model, trimmed). */
export interface ExperimentDefinition {
  title: string;
  description: string | null;
  hypothesis: {
    probes: Probe[];
    /** How long the after-phase may take to pass again (0: once). */
    recoveryS: number;
  };
  method: MethodFault[];
  rollbacks: RollbackType[];
  /** Abort and roll back at the first deviation. */
  autoRollback: boolean;
  /** Its own maximum duration in s (at most the node's; null: the node's). */
  maxDurationS: number | null;
}

/** Why an experiment aborted. */
export const AbortReasons = {
  /** The steady state did not hold before any fault. */
  hypothesisNotMet: "hypothesis_not_met",
  /** A probe deviated while the method ran (with `autoRollback`). */
  deviation: "deviation",
  /** It ran past its maximum duration. */
  maxDuration: "max_duration",
  emergencyStop: "emergency_stop",
  /** An operator stopped it. */
  stopped: "stopped",
  /** A fault could not be injected. */
  injectionFailed: "injection_failed",
  /** The node running it stopped. */
  nodeStopped: "node_stopped",
} as const;
export type AbortReason = typeof AbortReasons[keyof typeof AbortReasons];

/** How an experiment ended. */
export const Outcomes = {
  /** The hypothesis held before, during and after. */
  passed: "passed",
  /** It ran to the end, but a probe deviated or the steady state did not come back. */
  failed: "failed",
  aborted: "aborted",
} as const;
export type Outcome = typeof Outcomes[keyof typeof Outcomes];

/** One probe's measure. */
export interface ProbeResult {
  probe: string;
  value: number | null;
  tolerance: number;
  ok: boolean;
}

/** Stable error codes of the chaos supervisor. */
export const ChaosErrorCode = {
  BLAST_RADIUS_EXCEEDED: "chaos.blast_radius_exceeded",
  DURATION_EXCEEDED: "chaos.duration_exceeded",
  NO_METHOD: "chaos.no_method",
  ALREADY_CREATED: "chaos.already_created",
  NOT_STARTABLE: "chaos.not_startable",
  NOT_RUNNING: "chaos.not_running",
  NOT_ENDED: "chaos.not_ended",
  TARGET_BUSY: "chaos.target_busy",
  DISABLED: "chaos.disabled",
  INVALID_FAULT: "chaos.invalid_fault",
} as const;

/** Commands of an experiment; the runner issues all but `create`/`start`. */
export type ExperimentCommand =
  | {
    type: "create";
    definition: ExperimentDefinition;
    /** The share of the system its largest fault reaches (0–1). */
    blastRadius: number;
    /** The node's `blastRadiusLimit` (0–1). */
    blastRadiusLimit: number;
    /** An ADMIN's override of the limit; recorded. */
    force: boolean;
    /** The node's `maxExperimentDuration`, in s (the definition's own may be less). */
    maxDurationS: number;
    by: string;
    at: string;
  }
  | {
    type: "start";
    node: string;
    targets: string[] | "all";
    by: string;
    at: string;
  }
  | {
    type: "record_probe";
    phase: ProbePhase;
    results: ProbeResult[];
    at: string;
  }
  | {
    type: "record_fault";
    faultId: string;
    fault: MethodFault;
    nodes: string[];
    missing: string[];
    at: string;
  }
  | {
    type: "deviate";
    phase: ProbePhase;
    result: ProbeResult;
    at: string;
  }
  | {
    type: "abort";
    reason: AbortReason;
    detail: string | null;
    by: string;
    at: string;
  }
  | {
    type: "roll_back";
    actions: RollbackType[];
    faultsCleared: number;
    at: string;
  }
  | { type: "complete"; at: string };

/** Lifecycle of an experiment. */
export const ExperimentStatus = {
  CREATED: "created",
  RUNNING: "running",
  ABORTED: "aborted",
  ROLLED_BACK: "rolled_back",
  COMPLETED: "completed",
} as const;
export type ExperimentStatus =
  typeof ExperimentStatus[keyof typeof ExperimentStatus];

/** An experiment's state; `null` until created. */
export interface Experiment {
  status: ExperimentStatus;
  definition: ExperimentDefinition;
  blastRadius: number;
  forced: boolean;
  maxDurationS: number;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  startedOn: string | null;
  faultsInjected: number;
  probeChecks: number;
  deviations: number;
  /** The before-phase held (null: not checked yet). */
  hypothesisBefore: boolean | null;
  /** The after-phase held (null: not checked yet). */
  hypothesisAfter: boolean | null;
  abortReason: AbortReason | null;
  rolledBackAt: string | null;
  completedAt: string | null;
  outcome: Outcome | null;
}

export type ExperimentState = Experiment | null;

/** One node's part of an emergency stop. */
export interface StopConfirmation {
  node: string;
  cleared: number;
  /** Milliseconds from the stop's send to the node acting on it. */
  ms: number | null;
}

/** Commands of the safety record. */
export type SafetyCommand =
  | {
    type: "record_adhoc";
    faultId: string;
    fault: MethodFault;
    blastRadius: number;
    forced: boolean;
    nodes: string[];
    missing: string[];
    by: string;
    at: string;
  }
  | {
    type: "record_stop";
    stopId: string;
    by: string;
    nodes: StopConfirmation[];
    missing: string[];
    /** When it acted (it may be recorded later, once the log is back). */
    at: string;
  };

/** The safety record's state. */
export interface SafetyState {
  adhocFaults: number;
  stops: number;
  lastStop: { stopId: string; by: string; at: string } | null;
}
