import assert from "node:assert/strict";
import {
  experimentDecider,
  experimentEvent,
  safetyDecider,
} from "../../../../actors/supervisors/chaos/mod.ts";
import type {
  ExperimentDefinition,
  ExperimentEvent,
} from "../../../../actors/supervisors/chaos/mod.ts";
import { DomainError } from "../../../../runtime/core/mod.ts";
import { deciderSpec } from "../../../support/decider_spec.ts";

const spec = deciderSpec(experimentDecider);
const at = "2026-12-02T10:00:00.000Z";

const definition: ExperimentDefinition = {
  title: "Log latency on a fifth of the actors",
  description: null,
  hypothesis: {
    probes: [{
      name: "ready",
      type: "readiness",
      tolerance: 0,
      windowS: 5,
      phases: ["before", "after"],
    }],
    recoveryS: 10,
  },
  method: [{
    kind: "log_latency",
    selector: { percent: 20 },
    params: { latencyMs: 100 },
    afterS: 0,
    durationS: 30,
  }],
  rollbacks: ["clear_faults"],
  autoRollback: true,
  maxDurationS: null,
};

const create = {
  type: "create" as const,
  definition,
  blastRadius: 0.2,
  blastRadiusLimit: 0.25,
  force: false,
  maxDurationS: 1800,
  by: "admin-1",
  at,
};

const created = experimentEvent("chaos.experiment_created", {
  definition,
  blastRadius: 0.2,
  blastRadiusLimit: 0.25,
  forced: false,
  maxDurationS: 1800,
  createdBy: "admin-1",
  at,
});
const started = experimentEvent("chaos.experiment_started", {
  node: "n1",
  targets: "all",
  by: "admin-1",
  at,
});
const okBefore = experimentEvent("chaos.probe_checked", {
  phase: "before",
  results: [{ probe: "ready", value: 1, tolerance: 0, ok: true }],
  ok: true,
  at,
});
const aborted = experimentEvent("chaos.aborted", {
  reason: "deviation",
  detail: "ready: 0",
  by: "supervisor",
  at,
});
const rolledBack = experimentEvent("chaos.rolled_back", {
  actions: ["clear_faults"],
  faultsCleared: 1,
  at,
});

Deno.test("create: given nothing, when create within the limits, then created", () => {
  spec.given([]).when(create).then([created]);
});

Deno.test("create: above the blast-radius limit is refused with 422 unless forced, and the force is recorded", () => {
  spec.given([]).when({ ...create, blastRadius: 1 }).thenThrows(
    DomainError,
    "chaos.blast_radius_exceeded",
  );
  try {
    experimentDecider.decide({ ...create, blastRadius: 1 }, null);
  } catch (error) {
    assert.equal((error as DomainError).status, 422);
    assert.match(
      (error as DomainError).message,
      /100 % is above the limit of 25 %/,
    );
  }
  spec.given([]).when({ ...create, blastRadius: 1, force: true }).thenState(
    (state, events) => {
      assert.equal(state?.forced, true);
      assert.equal(
        (events[0] as Extract<
          ExperimentEvent,
          { type: "chaos.experiment_created" }
        >)
          .data.blastRadius,
        1,
      );
    },
  );
});

Deno.test("create: a method longer than the maximum duration, or a maximum above the node's, is refused", () => {
  spec.given([]).when({
    ...create,
    definition: {
      ...definition,
      method: [{ ...definition.method[0], afterS: 20, durationS: 1790 }],
    },
  }).thenThrows(DomainError, "chaos.duration_exceeded");
  spec.given([]).when({
    ...create,
    definition: { ...definition, maxDurationS: 3600 },
  }).thenThrows(DomainError, "chaos.duration_exceeded");
  spec.given([]).when({
    ...create,
    definition: { ...definition, maxDurationS: 20 },
  }).thenThrows(DomainError, "chaos.duration_exceeded");
  spec.given([]).when({
    ...create,
    definition: { ...definition, method: [] },
  }).thenThrows(DomainError, "chaos.no_method");
});

Deno.test("run order: start only once created; probes, faults and deviations only while running", () => {
  spec.given([created]).when({
    type: "start",
    node: "n1",
    targets: "all",
    by: "admin-1",
    at,
  }).then([started]);
  spec.given([created, started]).when({
    type: "start",
    node: "n1",
    targets: "all",
    by: "admin-1",
    at,
  }).thenThrows(DomainError, "chaos.not_startable");
  spec.given([created]).when({
    type: "record_probe",
    phase: "before",
    results: [],
    at,
  }).thenThrows(DomainError, "chaos.not_running");
  spec.given([created, started, aborted]).when({
    type: "record_fault",
    faultId: "f",
    fault: definition.method[0],
    nodes: ["n1"],
    missing: [],
    at,
  }).thenThrows(DomainError, "chaos.not_running");
  spec.given([created, started]).when({ type: "complete", at }).thenThrows(
    DomainError,
    "chaos.not_ended",
  );
});

Deno.test("outcome: passed when the hypothesis held; aborted after an abort; failed after a deviation without abort", () => {
  const afterOk = experimentEvent("chaos.probe_checked", {
    phase: "after",
    results: [],
    ok: true,
    at,
  });
  const complete = { type: "complete" as const, at };
  spec.given([created, started, okBefore, afterOk, rolledBack]).when(complete)
    .then([experimentEvent("chaos.completed", { outcome: "passed", at })]);
  spec.given([created, started, okBefore, aborted, rolledBack]).when(complete)
    .then([experimentEvent("chaos.completed", { outcome: "aborted", at })]);
  const deviated = experimentEvent("chaos.deviated", {
    phase: "during",
    result: { probe: "errors", value: 0.5, tolerance: 0.1, ok: false },
    at,
  });
  spec.given([created, started, okBefore, deviated, afterOk, rolledBack])
    .when(complete)
    .thenState((state) => {
      assert.equal(state?.outcome, "failed");
      assert.equal(state?.deviations, 1);
      assert.equal(state?.status, "completed");
    });
});

Deno.test("safety record: ad hoc faults and emergency stops are counted, the last stop kept", () => {
  const stop = {
    type: "record_stop" as const,
    stopId: "s1",
    by: "admin-1",
    nodes: [{ node: "n1", cleared: 2, ms: 3 }],
    missing: [],
    at,
  };
  const [event] = safetyDecider.decide(stop, safetyDecider.initialState);
  assert.equal(event.type, "chaos.emergency_stopped");
  const state = safetyDecider.evolve(safetyDecider.initialState, event);
  assert.deepEqual(state.lastStop, { stopId: "s1", by: "admin-1", at });
  assert.equal(state.stops, 1);
});
