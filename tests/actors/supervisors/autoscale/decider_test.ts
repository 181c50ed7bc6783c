import assert from "node:assert/strict";
import {
  autoscaleDecider,
  AutoscaleErrorCode as Code,
  autoscaleEvent,
} from "../../../../actors/supervisors/autoscale/mod.ts";
import type { Decision } from "../../../../runtime/autoscale/mod.ts";
import { DomainError } from "../../../../runtime/core/mod.ts";
import { deciderSpec } from "../../../support/decider_spec.ts";

const spec = deciderSpec(autoscaleDecider);
const AT = "2026-01-05T08:00:00.000Z";
const HOLD_UNTIL = "2026-01-05T08:05:00.000Z";

const decision: Decision = {
  at: Date.parse(AT),
  current: 1,
  desired: 3,
  recommendation: 3,
  action: "scale_up",
  reasons: [{
    metric: "commandRate",
    value: 250,
    target: 100,
    ratio: 2.5,
    replicas: 3,
    withinTolerance: false,
  }],
  forecast: null,
  held: null,
  limits: [],
};

const decided = autoscaleEvent("autoscale.decided", {
  current: 1,
  desired: 3,
  recommendation: 3,
  action: "scale_up",
  reasons: decision.reasons,
  forecast: null,
  held: null,
  limits: [],
  mode: "on",
  nodes: 1,
  at: AT,
});
const scaled = autoscaleEvent("autoscale.scaled", {
  from: 1,
  to: 3,
  actuator: "local",
  trigger: "automatic",
  durationMs: 4200,
  at: AT,
});
const manual = {
  type: "scale_manually" as const,
  replicas: 2,
  reason: "  Kampanje i morgen  ",
  by: "user-1",
  current: 3,
  minReplicas: 1,
  maxReplicas: 3,
  holdUntil: HOLD_UNTIL,
  at: AT,
};

Deno.test("autoscale: a decision is recorded with its inputs, an action with its outcome", () => {
  spec.given([]).when({
    type: "record_decision",
    decision,
    mode: "on",
    nodes: 1,
    at: AT,
  }).then([decided]);
  spec.given([decided]).when({
    type: "record_scaled",
    from: 1,
    to: 3,
    actuator: "local",
    trigger: "automatic",
    durationMs: 4200,
    at: AT,
  }).thenState((state, events) => {
    assert.deepEqual(events, [scaled]);
    assert.equal(state.replicas, 3);
    assert.equal(state.lastActionAt, AT);
    assert.deepEqual(state.lastDecision, {
      at: AT,
      current: 1,
      desired: 3,
      action: "scale_up",
    });
  });
  spec.given([decided]).when({
    type: "record_failed",
    from: 1,
    to: 3,
    actuator: "kubernetes",
    trigger: "automatic",
    error: "403 Forbidden",
    at: AT,
  }).thenState((state) => {
    // A failed attempt starts the cooldown too; the replicas are unchanged.
    assert.equal(state.lastActionAt, AT);
    assert.equal(state.replicas, null);
    assert.equal(state.failed, 1);
  });
});

Deno.test("autoscale: a manual scale within min/max with a reason is recorded with its hold", () => {
  spec.given([scaled]).when(manual).thenState((state, events) => {
    assert.deepEqual(events, [autoscaleEvent("autoscale.manual_scaled", {
      from: 3,
      to: 2,
      reason: "Kampanje i morgen",
      by: "user-1",
      holdUntil: HOLD_UNTIL,
      at: AT,
    })]);
    assert.equal(state.manualHoldUntil, HOLD_UNTIL);
  });
});

Deno.test("autoscale: a manual scale outside min/max, fractional, or without a reason is refused (422)", () => {
  for (const replicas of [0, 4, 1.5]) {
    spec.given([]).when({ ...manual, replicas }).thenThrows(
      DomainError,
      Code.REPLICAS_OUT_OF_RANGE,
    );
  }
  spec.given([]).when({ ...manual, reason: "   " }).thenThrows(
    DomainError,
    Code.REASON_REQUIRED,
  );
  spec.given([]).when({ ...manual, reason: "x".repeat(501) }).thenThrows(
    DomainError,
    Code.REASON_REQUIRED,
  );
});
