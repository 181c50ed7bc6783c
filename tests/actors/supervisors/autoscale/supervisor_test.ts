import assert from "node:assert/strict";
import { registerActors } from "../../../../actors/mod.ts";
import {
  AUTOSCALE,
  AUTOSCALE_STREAM,
  AutoscaleSupervisor,
} from "../../../../actors/supervisors/autoscale/mod.ts";
import type {
  AutoscaleEvent,
  AutoscaleSettings,
} from "../../../../actors/supervisors/autoscale/mod.ts";
import { ActorSystem } from "../../../../runtime/actor/mod.ts";
import { defaultPolicyConfig } from "../../../../runtime/autoscale/mod.ts";
import type {
  Actuator,
  NodeSample,
} from "../../../../runtime/autoscale/mod.ts";
import { DomainError } from "../../../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../../../runtime/log/memory/mod.ts";

const T0 = Date.UTC(2026, 0, 5, 8);
const S = 1000;

/** Replicas as a process manager keeps them: node-1 … node-n. */
class FakeActuator implements Actuator {
  readonly name = "fake";
  replicas = 1;
  calls: string[] = [];
  fail: string | null = null;
  current() {
    return Promise.resolve(this.replicas);
  }
  scale(replicas: number, options: { keep?: string } = {}) {
    this.calls.push(`${replicas} keep ${options.keep}`);
    if (this.fail) return Promise.reject(new Error(this.fail));
    const removed = [];
    for (let i = replicas + 1; i <= this.replicas; i++) {
      removed.push(`node-${i}`);
    }
    this.replicas = replicas;
    return Promise.resolve({ replicas, removed });
  }
}

function sample(
  node: string,
  at: number,
  commandRate: number,
  over: Partial<NodeSample> = {},
): NodeSample {
  return {
    node,
    at,
    intervalMs: S,
    commands: commandRate,
    commandRate,
    asks: commandRate,
    latencyP99Ms: 5,
    mailboxMax: 1,
    mailboxSum: 1,
    activeActors: 10,
    cpu: 0.1,
    eventLoopDelayMs: 1,
    projectionLagMs: null,
    consumerLag: null,
    missing: [],
    ...over,
  };
}

function setup(mode: "on" | "recommend" = "on") {
  const log = new MemoryEventLog();
  const system = registerActors(new ActorSystem({ log }));
  const actuator = new FakeActuator();
  let now = T0;
  const settings: AutoscaleSettings = {
    mode,
    intervalMs: S,
    seasonMs: 60 * S,
    policy: defaultPolicyConfig({
      minReplicas: 1,
      maxReplicas: 3,
      targets: { commandRate: 100, cpu: 0.7 },
      stabilizationMs: 20 * S,
      cooldownMs: 5 * S,
      forecastHorizonMs: 5 * S,
    }),
  };
  const errors: unknown[] = [];
  const make = () =>
    new AutoscaleSupervisor({
      nodeId: "node-1",
      settings,
      client: system,
      actuator,
      clock: () => now,
      timer: false,
      onError: (e) => errors.push(e),
    });
  const events = async () =>
    (await log.readStream(AUTOSCALE, AUTOSCALE_STREAM, 0)).flatMap((c) =>
      c.events as AutoscaleEvent[]
    );
  return {
    system,
    close: () => system.shutdown(),
    actuator,
    settings,
    errors,
    make,
    events,
    at: (s: number) => now = T0 + s * S,
  };
}

/** Feeds every running node a sample at second `s`, the load split evenly. */
function feed(
  sup: AutoscaleSupervisor,
  actuator: FakeActuator,
  s: number,
  total: number,
) {
  for (let i = 1; i <= actuator.replicas; i++) {
    sup.accept(sample(`node-${i}`, T0 + s * S, total / actuator.replicas));
  }
}

Deno.test("supervisor: scales out as load rises, in after the stabilization window; every decision and action is in its stream", async () => {
  const t = setup();
  const sup = t.make();
  await sup.activate();
  try {
    t.at(0);
    feed(sup, t.actuator, 0, 50);
    assert.equal((await sup.evaluate()).action, "hold");
    // 250 commands/s against 100 per node: 3.
    t.at(1);
    feed(sup, t.actuator, 1, 250);
    const up = await sup.evaluate();
    assert.equal(up.action, "scale_up");
    assert.equal(up.desired, 3);
    await sup.settled();
    assert.deepEqual(t.actuator.calls, ["3 keep node-1"]);
    // The load stays: three nodes at ~83/s each are fine.
    for (let s = 2; s <= 8; s++) {
      t.at(s);
      feed(sup, t.actuator, s, 250);
      assert.equal((await sup.evaluate()).action, "hold");
    }
    // The load falls to 30/s: wanted 1, held until the window has no 3 in it.
    let down = null;
    for (let s = 9; s <= 40 && !down; s++) {
      t.at(s);
      feed(sup, t.actuator, s, 30);
      const d = await sup.evaluate();
      if (d.action === "scale_down") down = { s, d };
      else if (s < 27) assert.equal(d.desired, 3, `at ${s} s`);
    }
    assert.ok(down, "never scaled in");
    // The last 3 was recommended at 8 s; at 28 s it is no longer after the
    // window's cutoff (the HPA keeps recommendations newer than now − window).
    assert.equal(down.s, 28);
    assert.equal(down.d.desired, 1);
    await sup.settled();
    assert.deepEqual(t.actuator.calls, ["3 keep node-1", "1 keep node-1"]);
    // The stopped nodes were forgotten at once: no hold for stale samples.
    t.at(30);
    feed(sup, t.actuator, 30, 30);
    const after = await sup.evaluate();
    assert.equal(after.held, null);
    const events = await t.events();
    const types = events.map((e) => e.type);
    assert.deepEqual(
      types.filter((x) => x !== "autoscale.decided"),
      ["autoscale.scaled", "autoscale.scaled"],
    );
    const decisions = events.filter((e) => e.type === "autoscale.decided");
    const upEvent = decisions.find((e) => e.data.action === "scale_up")!;
    assert.deepEqual(
      upEvent.data.reasons.map((r) => [r.metric, r.value, r.replicas]),
      [
        ["commandRate", 250, 3],
        ["cpu", 0.1, 1],
      ],
    );
    // Holds are recorded when they change, not every second.
    assert.ok(decisions.length < 15, `${decisions.length} decisions`);
    assert.ok(
      decisions.some((e) =>
        e.data.limits.some((l) => l.startsWith("stabilization"))
      ),
    );
    assert.deepEqual(t.errors, []);
  } finally {
    await sup.deactivate();
    await t.close();
  }
});

Deno.test("supervisor: a missing metric or a silent node holds; a failed action is recorded and cools down", async () => {
  const t = setup();
  const sup = t.make();
  await sup.activate();
  try {
    t.at(0);
    sup.accept(sample("node-1", T0, 500, { missing: ["cpu"] }));
    const missing = await sup.evaluate();
    assert.equal(missing.action, "hold");
    assert.equal(missing.held, "metrics missing: cpu");
    assert.deepEqual(t.actuator.calls, []);
    // node-2 reported once, then went silent for more than two intervals.
    sup.accept(sample("node-2", T0, 100));
    t.at(3);
    sup.accept(sample("node-1", T0 + 3 * S, 500));
    const stale = await sup.evaluate();
    assert.equal(stale.held, "no fresh sample from node-2");
    // Forgotten after ten intervals; then the actuator fails.
    t.at(11);
    sup.accept(sample("node-1", T0 + 11 * S, 500));
    t.actuator.fail = "quota exceeded";
    assert.equal((await sup.evaluate()).action, "scale_up");
    await sup.settled();
    const failed = (await t.events()).find((e) =>
      e.type === "autoscale.failed"
    );
    assert.equal(failed?.data.error, "quota exceeded");
    t.actuator.fail = null;
    t.at(12);
    sup.accept(sample("node-1", T0 + 12 * S, 500));
    const cooling = await sup.evaluate();
    assert.equal(cooling.action, "hold");
    assert.match(cooling.held!, /^cooldown/);
  } finally {
    await sup.deactivate();
    await t.close();
  }
});

Deno.test("supervisor: a manual scale is checked, recorded, acted on and holds automatic actions — across a take-over", async () => {
  const t = setup();
  const sup = t.make();
  await sup.activate();
  t.at(0);
  await assert.rejects(
    sup.manualScale({ replicas: 5, reason: "kampanje", by: "u1" }),
    DomainError,
  );
  const result = await sup.manualScale({
    replicas: 3,
    reason: "kampanje",
    by: "u1",
  });
  assert.deepEqual(result, {
    from: 1,
    to: 3,
    holdUntil: new Date(T0 + 20 * S).toISOString(),
  });
  await sup.settled();
  assert.deepEqual(t.actuator.calls, ["3 keep node-1"]);
  await sup.deactivate();
  // Another supervisor takes over: it resumes the hold from the stream.
  const next = t.make();
  await next.activate();
  try {
    t.at(5);
    feed(next, t.actuator, 5, 10);
    const held = await next.evaluate();
    assert.equal(held.desired, 3); // a fresh window: no scale-in yet either
    assert.match(
      JSON.stringify(next.status()),
      /"manualHoldUntil":"2026-01-05T08:00:20.000Z"/,
    );
    const types = (await t.events()).map((e) => e.type);
    assert.deepEqual(types.slice(0, 2), [
      "autoscale.manual_scaled",
      "autoscale.scaled",
    ]);
    const scaled = (await t.events()).find((e) =>
      e.type === "autoscale.scaled"
    );
    assert.equal(
      scaled?.type === "autoscale.scaled" && scaled.data.trigger,
      "manual",
    );
  } finally {
    await next.deactivate();
    await t.close();
  }
});

Deno.test("supervisor in recommend mode: decides and records, never acts", async () => {
  const t = setup("recommend");
  const sup = t.make();
  await sup.activate();
  try {
    t.at(0);
    sup.accept(sample("node-1", T0, 300));
    const d = await sup.evaluate();
    assert.equal(d.action, "scale_up");
    assert.equal(d.desired, 3);
    await sup.settled();
    assert.deepEqual(t.actuator.calls, []);
    const status = sup.status();
    assert.equal(status.mode, "recommend");
    assert.equal(status.replicas, 1);
    assert.equal(status.desired, 3);
    assert.equal(status.nodes.length, 1);
    assert.equal(status.lastDecision?.reasons[0].metric, "commandRate");
    assert.equal(sup.recommendations().window.length, 1);
  } finally {
    await sup.deactivate();
    await t.close();
  }
});

Deno.test("supervisor: forecasts the rate with its error, and notes anomalies far outside the band", async () => {
  const t = setup("recommend");
  const sup = t.make();
  await sup.activate();
  try {
    // A steady minute-long season of 100 ± 10, then a spike of 1000.
    for (let s = 0; s < 150; s++) {
      t.at(s);
      const rate = 100 + 10 * Math.sin((2 * Math.PI * s) / 60);
      sup.accept(sample("node-1", T0 + s * S, s === 140 ? 1000 : rate));
      await sup.evaluate();
    }
    const status = sup.status();
    assert.equal(status.forecast.seasonal, true);
    assert.ok(status.forecast.points > 50);
    assert.ok(status.forecast.mape !== null);
    const predictions = sup.predictions(30 * S);
    assert.equal(predictions.points.length, 30);
    assert.ok(
      predictions.points.every((p) => p.low <= p.rate && p.rate <= p.high),
    );
    const anomalies = sup.anomalies();
    const spike = anomalies.find((a) => a.metric === "commandRate");
    assert.ok(spike, JSON.stringify(anomalies));
    assert.equal(spike.at, T0 + 140 * S);
    assert.equal(spike.value, 1000);
  } finally {
    await sup.deactivate();
    await t.close();
  }
});
