/**
 * The autoscale supervisor as an aggregate: its stream `autoscale/cluster`
 * records every decision with its inputs and every action with its outcome.
 * The decider checks a manual scale; the rest are facts the supervisor
 * reports. Only a platform principal may touch it.
 */
import { DomainError } from "../../../runtime/core/mod.ts";
import type { Decider } from "../../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../../runtime/actor/mod.ts";
import { autoscaleEvent } from "./events.ts";
import type { AutoscaleEvent } from "./events.ts";
import { AUTOSCALE, AutoscaleErrorCode } from "./types.ts";
import type { AutoscaleCommand, AutoscaleState } from "./types.ts";

/** Longest reason of a manual scale. */
const MAX_REASON = 500;

export const autoscaleDecider: Decider<
  AutoscaleCommand,
  AutoscaleEvent,
  AutoscaleState
> = {
  initialState: {
    decisions: 0,
    lastDecision: null,
    replicas: null,
    lastActionAt: null,
    manualHoldUntil: null,
    scaled: 0,
    failed: 0,
  },
  decide(command) {
    switch (command.type) {
      case "record_decision": {
        const d = command.decision;
        return [autoscaleEvent("autoscale.decided", {
          current: d.current,
          desired: d.desired,
          recommendation: d.recommendation,
          action: d.action,
          reasons: d.reasons,
          forecast: d.forecast,
          held: d.held,
          limits: d.limits,
          mode: command.mode,
          nodes: command.nodes,
          at: command.at,
        })];
      }
      case "record_scaled": {
        const { type: _, ...data } = command;
        return [autoscaleEvent("autoscale.scaled", data)];
      }
      case "record_failed": {
        const { type: _, ...data } = command;
        return [autoscaleEvent("autoscale.failed", data)];
      }
      case "scale_manually": {
        const { replicas, minReplicas, maxReplicas } = command;
        if (
          !Number.isInteger(replicas) || replicas < minReplicas ||
          replicas > maxReplicas
        ) {
          throw new DomainError(
            AutoscaleErrorCode.REPLICAS_OUT_OF_RANGE,
            `Replicas must be a whole number from ${minReplicas} to ${maxReplicas}`,
            { status: 422 },
          );
        }
        const reason = command.reason.trim();
        if (reason.length === 0 || reason.length > MAX_REASON) {
          throw new DomainError(
            AutoscaleErrorCode.REASON_REQUIRED,
            `A manual scale needs a reason of 1-${MAX_REASON} characters`,
            { status: 422 },
          );
        }
        return [autoscaleEvent("autoscale.manual_scaled", {
          from: command.current,
          to: replicas,
          reason,
          by: command.by,
          holdUntil: command.holdUntil,
          at: command.at,
        })];
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case "autoscale.decided":
        return {
          ...state,
          decisions: state.decisions + 1,
          lastDecision: {
            at: event.data.at,
            current: event.data.current,
            desired: event.data.desired,
            action: event.data.action,
          },
        };
      case "autoscale.scaled":
        return {
          ...state,
          replicas: event.data.to,
          lastActionAt: event.data.at,
          scaled: state.scaled + 1,
        };
      case "autoscale.failed":
        return {
          ...state,
          lastActionAt: event.data.at,
          failed: state.failed + 1,
        };
      case "autoscale.manual_scaled":
        return { ...state, manualHoldUntil: event.data.holdUntil };
    }
  },
};

export const autoscaleActor: ActorDefinition<
  AutoscaleCommand,
  AutoscaleEvent,
  AutoscaleState
> = {
  type: AUTOSCALE,
  decider: autoscaleDecider,
  tenantOf: () => null,
};
