/** The events of the chaos supervisor's aggregates, declared once. */
import { eventFactory, eventTypesOf } from "../../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../../runtime/core/mod.ts";
import type {
  AbortReason,
  ExperimentDefinition,
  MethodFault,
  Outcome,
  ProbePhase,
  ProbeResult,
  RollbackType,
  StopConfirmation,
} from "./types.ts";

export type ExperimentCreated = DomainEvent<"chaos.experiment_created", {
  definition: ExperimentDefinition;
  blastRadius: number;
  blastRadiusLimit: number;
  /** The limit was overridden by an ADMIN. */
  forced: boolean;
  maxDurationS: number;
  createdBy: string;
  at: string;
}>;

export type ExperimentStarted = DomainEvent<"chaos.experiment_started", {
  /** The node that runs it. */
  node: string;
  targets: string[] | "all";
  by: string;
  at: string;
}>;

export type ProbeChecked = DomainEvent<"chaos.probe_checked", {
  phase: ProbePhase;
  results: ProbeResult[];
  ok: boolean;
  at: string;
}>;

export type FaultInjected = DomainEvent<"chaos.fault_injected", {
  faultId: string;
  fault: MethodFault;
  /** Nodes that hold it. */
  nodes: string[];
  /** Live nodes that did not answer. */
  missing: string[];
  at: string;
}>;

export type Deviated = DomainEvent<"chaos.deviated", {
  phase: ProbePhase;
  result: ProbeResult;
  at: string;
}>;

export type Aborted = DomainEvent<"chaos.aborted", {
  reason: AbortReason;
  detail: string | null;
  by: string;
  at: string;
}>;

export type RolledBack = DomainEvent<"chaos.rolled_back", {
  actions: RollbackType[];
  faultsCleared: number;
  at: string;
}>;

export type Completed = DomainEvent<"chaos.completed", {
  outcome: Outcome;
  at: string;
}>;

export type ExperimentEvent =
  | ExperimentCreated
  | ExperimentStarted
  | ProbeChecked
  | FaultInjected
  | Deviated
  | Aborted
  | RolledBack
  | Completed;

/** Current schema version of each experiment event. */
export const ExperimentEventVersions = {
  "chaos.experiment_created": 1,
  "chaos.experiment_started": 1,
  "chaos.probe_checked": 1,
  "chaos.fault_injected": 1,
  "chaos.deviated": 1,
  "chaos.aborted": 1,
  "chaos.rolled_back": 1,
  "chaos.completed": 1,
} as const satisfies EventVersions<ExperimentEvent>;

/** Every experiment event type. */
export const EXPERIMENT_EVENT_TYPES = eventTypesOf(ExperimentEventVersions);

/** Builds an experiment event at its current schema version. */
export const experimentEvent = eventFactory<ExperimentEvent>(
  ExperimentEventVersions,
);

export type AdhocFaultInjected = DomainEvent<"chaos.adhoc_fault_injected", {
  faultId: string;
  fault: MethodFault;
  blastRadius: number;
  forced: boolean;
  nodes: string[];
  missing: string[];
  by: string;
  at: string;
}>;

export type EmergencyStopped = DomainEvent<"chaos.emergency_stopped", {
  stopId: string;
  by: string;
  nodes: StopConfirmation[];
  missing: string[];
  /** When the nodes acted (the event may be written later, once the log is back). */
  at: string;
}>;

export type SafetyEvent = AdhocFaultInjected | EmergencyStopped;

/** Current schema version of each safety event. */
export const SafetyEventVersions = {
  "chaos.adhoc_fault_injected": 1,
  "chaos.emergency_stopped": 1,
} as const satisfies EventVersions<SafetyEvent>;

/** Every safety event type. */
export const SAFETY_EVENT_TYPES = eventTypesOf(SafetyEventVersions);

/** Builds a safety event at its current schema version. */
export const safetyEvent = eventFactory<SafetyEvent>(SafetyEventVersions);
