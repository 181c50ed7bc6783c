/**
 * The chaos supervisor: the `chaos_experiment` and `chaos_safety` actors
 * (their events are the history of every drill), the `chaos_experiments`
 * read model, the run of an experiment, its probes and journal, the
 * recorder that writes while the log is failing, and the node's
 * `ChaosSupervisor`.
 */
export {
  experimentActor,
  experimentDecider,
  methodDurationS,
  safetyActor,
  safetyDecider,
} from "./decider.ts";
export {
  EXPERIMENT_EVENT_TYPES,
  experimentEvent,
  ExperimentEventVersions,
  SAFETY_EVENT_TYPES,
  safetyEvent,
  SafetyEventVersions,
} from "./events.ts";
export type { ExperimentEvent, SafetyEvent } from "./events.ts";
export {
  AbortReasons,
  CHAOS_EXPERIMENT,
  CHAOS_SAFETY,
  CHAOS_SAFETY_STREAM,
  ChaosErrorCode,
  ExperimentStatus,
  Outcomes,
  ProbePhases,
  ProbeTypes,
  RollbackTypes,
} from "./types.ts";
export type {
  AbortReason,
  Experiment,
  ExperimentCommand,
  ExperimentDefinition,
  ExperimentState,
  MethodFault,
  Outcome,
  Probe,
  ProbePhase,
  ProbeResult,
  ProbeType,
  RollbackType,
  SafetyCommand,
  SafetyState,
  StopConfirmation,
} from "./types.ts";
export {
  CHAOS_EXPERIMENTS_PROJECTION,
  chaosExperimentsProjection,
} from "./projection.ts";
export type { ExperimentRow } from "./projection.ts";
export { listExperiments } from "./queries.ts";
export type { ExperimentListItem } from "./queries.ts";
export { journalOf } from "./journal.ts";
export type { Journal } from "./journal.ts";
export { checkProbes, judge, NodeProbes, p99Ms } from "./probes.ts";
export type { NodeProbesOptions, ProbeSource } from "./probes.ts";
export { ChaosRecorder } from "./recorder.ts";
export { ExperimentRun, targetsOf, targetsOverlap } from "./runner.ts";
export type { RunContext } from "./runner.ts";
export { ChaosSupervisor, DEFAULT_CHAOS_SETTINGS } from "./supervisor.ts";
export type {
  AdhocReport,
  ChaosSettings,
  ChaosSupervisorOptions,
  ExperimentView,
  SafetyStatus,
  StopReport,
} from "./supervisor.ts";
