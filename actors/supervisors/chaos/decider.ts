/**
 * The chaos supervisor as actors: a `chaos_experiment` per experiment — its
 * run order is the decider's (created → running → aborted? → rolled back →
 * completed), its safety rules too (the blast-radius limit unless an ADMIN
 * forces it, the maximum duration) — and the `chaos_safety` record of ad
 * hoc faults and emergency stops. Pure: time, ids and the node's limits
 * arrive in the commands. Only a platform principal may touch them.
 */
import { DomainError } from "../../../runtime/core/mod.ts";
import type { Decider } from "../../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../../runtime/actor/mod.ts";
import { experimentEvent, safetyEvent } from "./events.ts";
import type { ExperimentEvent, SafetyEvent } from "./events.ts";
import {
  CHAOS_EXPERIMENT,
  CHAOS_SAFETY,
  ChaosErrorCode,
  ExperimentStatus,
  Outcomes,
  ProbePhases,
} from "./types.ts";
import type {
  Experiment,
  ExperimentCommand,
  ExperimentDefinition,
  ExperimentState,
  SafetyCommand,
  SafetyState,
} from "./types.ts";

/** Seconds from the method's start until its last fault ends. */
export function methodDurationS(definition: ExperimentDefinition): number {
  return Math.max(0, ...definition.method.map((f) => f.afterS + f.durationS));
}

function running(state: ExperimentState): Experiment {
  if (state?.status !== ExperimentStatus.RUNNING) {
    throw new DomainError(
      ChaosErrorCode.NOT_RUNNING,
      `The experiment is ${state?.status ?? "not created"}, not running`,
    );
  }
  return state;
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10} %`;
}

export const experimentDecider: Decider<
  ExperimentCommand,
  ExperimentEvent,
  ExperimentState
> = {
  initialState: null,
  decide(command, state) {
    switch (command.type) {
      case "create": {
        if (state !== null) {
          throw new DomainError(
            ChaosErrorCode.ALREADY_CREATED,
            "The experiment exists already",
          );
        }
        const { definition } = command;
        if (definition.method.length === 0) {
          throw new DomainError(
            ChaosErrorCode.NO_METHOD,
            "An experiment needs at least one fault in its method",
            { status: 422 },
          );
        }
        if (
          definition.maxDurationS !== null &&
          definition.maxDurationS > command.maxDurationS
        ) {
          throw new DomainError(
            ChaosErrorCode.DURATION_EXCEEDED,
            `maxDurationS ${definition.maxDurationS} is above this node's maximum experiment duration of ${command.maxDurationS} s`,
            { status: 422 },
          );
        }
        const maxDurationS = definition.maxDurationS ?? command.maxDurationS;
        const duration = methodDurationS(definition);
        if (duration > maxDurationS) {
          throw new DomainError(
            ChaosErrorCode.DURATION_EXCEEDED,
            `The method lasts ${duration} s, more than the maximum experiment duration of ${maxDurationS} s`,
            { status: 422 },
          );
        }
        if (command.blastRadius > command.blastRadiusLimit && !command.force) {
          throw new DomainError(
            ChaosErrorCode.BLAST_RADIUS_EXCEEDED,
            `The blast radius ${
              percent(command.blastRadius)
            } is above the limit of ${
              percent(command.blastRadiusLimit)
            }; an ADMIN may force it`,
            { status: 422 },
          );
        }
        return [experimentEvent("chaos.experiment_created", {
          definition,
          blastRadius: command.blastRadius,
          blastRadiusLimit: command.blastRadiusLimit,
          forced: command.force,
          maxDurationS,
          createdBy: command.by,
          at: command.at,
        })];
      }
      case "start":
        if (state?.status !== ExperimentStatus.CREATED) {
          throw new DomainError(
            ChaosErrorCode.NOT_STARTABLE,
            `The experiment is ${
              state?.status ?? "not created"
            }: only a created experiment starts`,
          );
        }
        return [experimentEvent("chaos.experiment_started", {
          node: command.node,
          targets: command.targets,
          by: command.by,
          at: command.at,
        })];
      case "record_probe":
        running(state);
        return [experimentEvent("chaos.probe_checked", {
          phase: command.phase,
          results: command.results,
          ok: command.results.every((r) => r.ok),
          at: command.at,
        })];
      case "record_fault":
        running(state);
        return [experimentEvent("chaos.fault_injected", {
          faultId: command.faultId,
          fault: command.fault,
          nodes: command.nodes,
          missing: command.missing,
          at: command.at,
        })];
      case "deviate":
        running(state);
        return [experimentEvent("chaos.deviated", {
          phase: command.phase,
          result: command.result,
          at: command.at,
        })];
      case "abort":
        running(state);
        return [experimentEvent("chaos.aborted", {
          reason: command.reason,
          detail: command.detail,
          by: command.by,
          at: command.at,
        })];
      case "roll_back":
        if (
          state?.status !== ExperimentStatus.RUNNING &&
          state?.status !== ExperimentStatus.ABORTED
        ) {
          throw new DomainError(
            ChaosErrorCode.NOT_RUNNING,
            `The experiment is ${
              state?.status ?? "not created"
            }: nothing to roll back`,
          );
        }
        return [experimentEvent("chaos.rolled_back", {
          actions: command.actions,
          faultsCleared: command.faultsCleared,
          at: command.at,
        })];
      case "complete": {
        if (state?.status !== ExperimentStatus.ROLLED_BACK) {
          throw new DomainError(
            ChaosErrorCode.NOT_ENDED,
            "An experiment completes after its rollback",
          );
        }
        const outcome = state.abortReason !== null
          ? Outcomes.aborted
          : state.deviations === 0 && state.hypothesisBefore === true &&
              state.hypothesisAfter !== false
          ? Outcomes.passed
          : Outcomes.failed;
        return [experimentEvent("chaos.completed", {
          outcome,
          at: command.at,
        })];
      }
    }
  },
  evolve(state, event) {
    if (event.type === "chaos.experiment_created") {
      const d = event.data;
      return {
        status: ExperimentStatus.CREATED,
        definition: d.definition,
        blastRadius: d.blastRadius,
        forced: d.forced,
        maxDurationS: d.maxDurationS,
        createdBy: d.createdBy,
        createdAt: d.at,
        startedAt: null,
        startedOn: null,
        faultsInjected: 0,
        probeChecks: 0,
        deviations: 0,
        hypothesisBefore: null,
        hypothesisAfter: null,
        abortReason: null,
        rolledBackAt: null,
        completedAt: null,
        outcome: null,
      };
    }
    const s = state!;
    switch (event.type) {
      case "chaos.experiment_started":
        return {
          ...s,
          status: ExperimentStatus.RUNNING,
          startedAt: event.data.at,
          startedOn: event.data.node,
        };
      case "chaos.probe_checked": {
        const { phase, ok } = event.data;
        return {
          ...s,
          probeChecks: s.probeChecks + 1,
          hypothesisBefore: phase === ProbePhases.before
            ? ok
            : s.hypothesisBefore,
          hypothesisAfter: phase === ProbePhases.after ? ok : s.hypothesisAfter,
        };
      }
      case "chaos.fault_injected":
        return { ...s, faultsInjected: s.faultsInjected + 1 };
      case "chaos.deviated":
        return { ...s, deviations: s.deviations + 1 };
      case "chaos.aborted":
        return {
          ...s,
          status: ExperimentStatus.ABORTED,
          abortReason: event.data.reason,
        };
      case "chaos.rolled_back":
        return {
          ...s,
          status: ExperimentStatus.ROLLED_BACK,
          rolledBackAt: event.data.at,
        };
      case "chaos.completed":
        return {
          ...s,
          status: ExperimentStatus.COMPLETED,
          completedAt: event.data.at,
          outcome: event.data.outcome,
        };
    }
  },
};

export const experimentActor: ActorDefinition<
  ExperimentCommand,
  ExperimentEvent,
  ExperimentState
> = {
  type: CHAOS_EXPERIMENT,
  decider: experimentDecider,
  tenantOf: () => null,
};

export const safetyDecider: Decider<SafetyCommand, SafetyEvent, SafetyState> = {
  initialState: { adhocFaults: 0, stops: 0, lastStop: null },
  decide(command) {
    if (command.type === "record_adhoc") {
      const { type: _, ...data } = command;
      return [safetyEvent("chaos.adhoc_fault_injected", data)];
    }
    const { type: _, ...data } = command;
    return [safetyEvent("chaos.emergency_stopped", data)];
  },
  evolve(state, event) {
    if (event.type === "chaos.adhoc_fault_injected") {
      return { ...state, adhocFaults: state.adhocFaults + 1 };
    }
    return {
      ...state,
      stops: state.stops + 1,
      lastStop: {
        stopId: event.data.stopId,
        by: event.data.by,
        at: event.data.at,
      },
    };
  },
};

export const safetyActor: ActorDefinition<
  SafetyCommand,
  SafetyEvent,
  SafetyState
> = {
  type: CHAOS_SAFETY,
  decider: safetyDecider,
  tenantOf: () => null,
};
