import assert from "node:assert/strict";
import {
  autoscaleEvent,
  costOf,
} from "../../../../actors/supervisors/autoscale/mod.ts";
import type { AutoscaleEvent } from "../../../../actors/supervisors/autoscale/mod.ts";
import type { Commit } from "../../../../runtime/core/mod.ts";

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);
const at = (h: number) => new Date(T0 + h * H).toISOString();

function commits(events: AutoscaleEvent[]): Commit[] {
  return events.map((event, i) => ({
    type: "autoscale",
    id: "cluster",
    version: i + 1,
    position: i + 1,
    commandId: `c${i}`,
    timestamp: Date.parse(event.data.at),
    events: [event],
  }));
}

const decided = (h: number, current: number) =>
  autoscaleEvent("autoscale.decided", {
    current,
    desired: current,
    recommendation: current,
    action: "hold",
    reasons: [],
    forecast: null,
    held: null,
    limits: [],
    mode: "on",
    nodes: current,
    at: at(h),
  });
const scaled = (h: number, from: number, to: number) =>
  autoscaleEvent("autoscale.scaled", {
    from,
    to,
    actuator: "local",
    trigger: "automatic",
    durationMs: 5000,
    at: at(h),
  });

const day = commits([
  decided(0, 1),
  scaled(1, 1, 3),
  decided(1.5, 3),
  scaled(2, 3, 1),
  decided(3, 1),
]);

Deno.test("cost: node-hours integrated from the log against a static cluster of the period's peak", () => {
  // 1 node for 1 h, 3 for 1 h, 1 for 2 h: 6 node-hours; static 3 × 4 h = 12.
  assert.deepEqual(costOf(day, { from: T0, to: T0 + 4 * H }), {
    from: at(0),
    to: at(4),
    knownFrom: at(0),
    hours: 4,
    nodeHours: 6,
    peakReplicas: 3,
    staticNodeHours: 12,
    savedNodeHours: 6,
    savedPercent: 50,
    actions: 2,
  });
});

Deno.test("cost: a period starting mid-way takes the count in effect; before the log it is unknown", () => {
  // From 1.5 h (3 nodes) to 2.5 h: 3 × 0.5 + 1 × 0.5 = 2 node-hours.
  const mid = costOf(day, { from: T0 + 1.5 * H, to: T0 + 2.5 * H });
  assert.equal(mid.knownFrom, at(1.5));
  assert.equal(mid.nodeHours, 2);
  assert.equal(mid.peakReplicas, 3);
  assert.equal(mid.actions, 1);
  // A period from before the first event: known from the first event on.
  const early = costOf(day, { from: T0 - 2 * H, to: T0 + H });
  assert.equal(early.knownFrom, at(0));
  assert.equal(early.hours, 1);
  assert.equal(early.nodeHours, 1);
  // Nothing in the log: nothing known.
  const none = costOf([], { from: T0, to: T0 + H });
  assert.equal(none.knownFrom, null);
  assert.equal(none.nodeHours, 0);
  assert.equal(none.savedPercent, 0);
});
