/**
 * The policy against the Kubernetes HPA's documented behaviour
 * (kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/):
 * `desiredReplicas = ceil(currentReplicas × currentMetricValue /
 * desiredMetricValue)`, the 0.1 tolerance, the largest proposal of several
 * metrics, the default scale-up policy (the larger of 100 % and 4 pods per
 * 15 s, no stabilization), the scale-down stabilization window (300 s, the
 * highest recommendation in it), min/max — and what TMS adds: a stale or
 * missing metric holds, a forecast never scales in, a cooldown, a manual
 * hold.
 */
import assert from "node:assert/strict";
import {
  decide,
  defaultPolicyConfig,
  initialPolicyState,
  recordAction,
} from "../../../runtime/autoscale/mod.ts";
import type {
  PolicyConfig,
  PolicyInput,
  PolicyState,
} from "../../../runtime/autoscale/mod.ts";

const T0 = Date.UTC(2026, 0, 5, 8);
const S = 1000;
/** A supervisor that has watched for a long time, with no action behind it. */
const settled = (): PolicyState => initialPolicyState(T0 - 3600 * S);

function input(over: Partial<PolicyInput>): PolicyInput {
  return {
    now: T0,
    current: 2,
    values: {},
    missing: [],
    stale: [],
    reporting: over.current ?? 2,
    ...over,
  };
}

const cpuOnly = (over: Partial<PolicyConfig> = {}) =>
  defaultPolicyConfig({ targets: { cpu: 0.5 }, maxReplicas: 100, ...over });

Deno.test("HPA formula: ceil(current × value / target) — the docs' 200m/100m doubles, 50m/100m halves", () => {
  const config = defaultPolicyConfig({
    targets: { cpu: 0.1 },
    maxReplicas: 100,
  });
  const up = decide(
    config,
    settled(),
    input({ current: 3, values: { cpu: 0.2 } }),
  );
  assert.equal(up.decision.desired, 6);
  assert.equal(up.decision.action, "scale_up");
  assert.deepEqual(up.decision.reasons, [{
    metric: "cpu",
    value: 0.2,
    target: 0.1,
    ratio: 2,
    replicas: 6,
    withinTolerance: false,
  }]);
  const down = decide(
    config,
    settled(),
    input({ current: 4, values: { cpu: 0.05 } }),
  );
  assert.equal(down.decision.recommendation, 2);
  assert.equal(down.decision.desired, 2);
  assert.equal(down.decision.action, "scale_down");
  // Rounded up: 3 × 0.7/0.5 = 4.2 → 5.
  assert.equal(
    decide(cpuOnly(), settled(), input({ current: 3, values: { cpu: 0.7 } }))
      .decision.desired,
    5,
  );
});

Deno.test("HPA tolerance: no change while |ratio − 1| ≤ 0.1", () => {
  for (const cpu of [0.45, 0.5, 0.55]) {
    const { decision } = decide(
      cpuOnly(),
      settled(),
      input({ current: 10, values: { cpu } }),
    );
    assert.equal(decision.desired, 10, `cpu ${cpu}`);
    assert.equal(decision.action, "hold");
    assert.equal(decision.reasons[0].withinTolerance, true);
  }
  // Just outside: 0.56/0.5 = 1.12 → ceil(11.2) = 12; 0.44/0.5 = 0.88 → 9.
  assert.equal(
    decide(cpuOnly(), settled(), input({ current: 10, values: { cpu: 0.56 } }))
      .decision.desired,
    12,
  );
  assert.equal(
    decide(cpuOnly(), settled(), input({ current: 10, values: { cpu: 0.44 } }))
      .decision.desired,
    9,
  );
});

Deno.test("HPA multiple metrics: the largest proposal wins", () => {
  const config = defaultPolicyConfig({ maxReplicas: 100 });
  const { decision } = decide(
    config,
    settled(),
    input({
      current: 2,
      values: {
        cpu: 0.35, // 2 × 0.5 = 1
        latencyP99Ms: 120, // 2 × 2.4 = 4.8 → 5
        mailboxMax: 150, // 2 × 1.5 = 3
        consumerLag: 100, // 2 × 0.1 → 1
        eventLoopDelayMs: 500, // no target: does not decide
      },
    }),
  );
  assert.equal(decision.desired, 5);
  assert.deepEqual(
    decision.reasons.map((r) => [r.metric, r.replicas]),
    [["cpu", 1], ["latencyP99Ms", 5], ["mailboxMax", 3], ["consumerLag", 1]],
  );
});

Deno.test("HPA scale-up policy: the larger of 100 % and 4 pods per 15 s, at once", () => {
  // From 2: 100 % → 4, 4 pods → 6: at most 6.
  const small = decide(
    cpuOnly(),
    settled(),
    input({ current: 2, values: { cpu: 5 } }),
  );
  assert.equal(small.decision.recommendation, 20);
  assert.equal(small.decision.desired, 6);
  assert.deepEqual(small.decision.limits, ["scale-up policy allows 6 now"]);
  // From 10: 100 % → 20 beats 4 pods → 14.
  const large = decide(
    cpuOnly(),
    settled(),
    input({ current: 10, values: { cpu: 5 } }),
  );
  assert.equal(large.decision.desired, 20);
  // Within the same 15 s after going 2 → 6, the period started at 2: no more.
  let state = recordAction(small.state, T0, 2, 6);
  const again = decide(
    cpuOnly({ cooldownMs: 0 }),
    state,
    input({ now: T0 + 10 * S, current: 6, values: { cpu: 5 } }),
  );
  assert.equal(again.decision.desired, 6);
  assert.equal(again.decision.action, "hold");
  // Once the period has passed, from 6: 12 (100 %) beats 10 (4 pods).
  state = again.state;
  const later = decide(
    cpuOnly({ cooldownMs: 0 }),
    state,
    input({ now: T0 + 16 * S, current: 6, values: { cpu: 5 } }),
  );
  assert.equal(later.decision.desired, 12);
});

Deno.test("HPA stabilization: a scale-down takes the highest recommendation of the last 300 s", () => {
  const config = cpuOnly();
  let state = settled();
  const at = (s: number, cpu: number, current = 8) => {
    const out = decide(
      config,
      state,
      input({ now: T0 + s * S, current, values: { cpu } }),
    );
    state = out.state;
    return out.decision;
  };
  // Load falls: recommendations 6, then 3, then 2 (current 8 throughout).
  assert.equal(at(0, 0.375).desired, 6);
  assert.equal(at(60, 0.1875).desired, 6); // 3 wanted, 6 still in the window
  assert.equal(at(120, 0.125).desired, 6);
  // At 301 s the 6 has left the window: the highest left is 3.
  const d = at(301, 0.125);
  assert.equal(d.recommendation, 2);
  assert.equal(d.desired, 3);
  assert.deepEqual(d.limits, ["stabilization: highest recommendation 3"]);
  // A short spike within the window keeps the replicas up.
  assert.equal(at(320, 0.5).desired, 8);
  assert.equal(at(330, 0.125).desired, 8);
  // A scale-up is never delayed by the window.
  assert.equal(at(340, 1.0).desired, 16);
});

Deno.test("stabilization: a supervisor that just started (or took over) scales in only after a whole window", () => {
  const config = cpuOnly({ stabilizationMs: 20 * S });
  let state = initialPolicyState(T0);
  const first = decide(
    config,
    state,
    input({ current: 3, values: { cpu: 0.1 } }),
  );
  state = first.state;
  assert.equal(first.decision.desired, 3);
  assert.deepEqual(first.decision.limits, [
    "stabilization: window not yet observed in full",
  ]);
  const later = decide(
    config,
    state,
    input({ now: T0 + 21 * S, current: 3, values: { cpu: 0.1 } }),
  );
  assert.equal(later.decision.desired, 1);
});

Deno.test("HPA min/max: the desired count is clamped", () => {
  const config = cpuOnly({ minReplicas: 2, maxReplicas: 3 });
  const high = decide(
    config,
    settled(),
    input({ current: 2, values: { cpu: 2 } }),
  );
  assert.equal(high.decision.recommendation, 8);
  assert.equal(high.decision.desired, 3);
  assert.ok(high.decision.limits.includes("max 3"));
  const low = decide(
    config,
    settled(),
    input({ current: 3, values: { cpu: 0.01 } }),
  );
  assert.equal(low.decision.desired, 2);
  assert.ok(low.decision.limits.includes("min 2"));
  // Below the minimum (someone scaled by hand): back to it.
  const below = decide(
    config,
    settled(),
    input({ current: 1, values: { cpu: 0.5 } }),
  );
  assert.equal(below.decision.desired, 2);
  assert.equal(below.decision.action, "scale_up");
});

Deno.test("missing or stale metrics hold, never scale — and are not remembered as recommendations", () => {
  const config = defaultPolicyConfig({ maxReplicas: 10 });
  const state = settled();
  const stale = decide(
    config,
    state,
    input({ current: 2, values: { cpu: 5 }, stale: ["node-2"] }),
  );
  assert.equal(stale.decision.action, "hold");
  assert.equal(stale.decision.desired, 2);
  assert.equal(stale.decision.held, "no fresh sample from node-2");
  assert.equal(stale.state, state);
  // A targeted metric a node failed to read: hold even though cpu says 10×.
  const missing = decide(
    config,
    state,
    input({ current: 2, values: { cpu: 5 }, missing: ["consumerLag"] }),
  );
  assert.equal(missing.decision.action, "hold");
  assert.equal(missing.decision.held, "metrics missing: consumerLag");
  // KEDA's "missing metric → max replicas" cannot happen: no input scales.
  const none = decide(config, state, input({ current: 2, reporting: 0 }));
  assert.equal(none.decision.action, "hold");
  assert.equal(none.decision.desired, 2);
  // A metric without a target may be missing: it decides nothing anyway.
  const untargeted = decide(
    config,
    state,
    input({ current: 2, values: { cpu: 0.7 }, missing: ["eventLoopDelayMs"] }),
  );
  assert.equal(untargeted.decision.held, null);
  // No value at all for a targeted metric (measured nowhere) is not missing.
  assert.equal(
    decide(config, state, input({ current: 2, values: { cpu: 1.4 } }))
      .decision.desired,
    4,
  );
});

Deno.test("forecast: a trusted forecast pulls a scale-up forward; it never scales in", () => {
  const config = defaultPolicyConfig({
    targets: { cpu: 0.5, latencyP99Ms: 50 },
    maxReplicas: 10,
  });
  const trusted = { mape: 0.08, points: 60 };
  // Now within target; the rate is forecast to double: cpu 0.5 → 1.0 → 4.
  const rising = decide(
    config,
    settled(),
    input({
      current: 2,
      values: { cpu: 0.5, latencyP99Ms: 20 },
      forecast: { rate: 400, currentRate: 200, ...trusted },
    }),
  );
  assert.equal(rising.decision.desired, 4);
  assert.equal(rising.decision.action, "scale_up");
  assert.equal(rising.decision.forecast!.used, true);
  assert.equal(rising.decision.forecast!.replicas, 4);
  // Forecast to halve while the metrics want 3 now: 3, not fewer.
  const falling = decide(
    config,
    settled(),
    input({
      current: 2,
      values: { cpu: 0.7, latencyP99Ms: 20 },
      forecast: { rate: 100, currentRate: 200, ...trusted },
    }),
  );
  assert.equal(falling.decision.desired, 3);
  assert.equal(falling.decision.forecast!.used, false);
  assert.equal(
    falling.decision.forecast!.note,
    "forecast lower: never scales in",
  );
  // Forecast to fall to nothing while within target: no scale-in from it.
  const idle = decide(
    config,
    settled(),
    input({
      current: 4,
      values: { cpu: 0.5, latencyP99Ms: 50 },
      forecast: { rate: 0, currentRate: 200, ...trusted },
    }),
  );
  assert.equal(idle.decision.desired, 4);
  assert.equal(idle.decision.action, "hold");
  // Not trusted yet (too few scored, or too wrong): ignored.
  for (
    const forecast of [{ mape: 0.05, points: 5 }, { mape: 0.6, points: 60 }]
  ) {
    const out = decide(
      config,
      settled(),
      input({
        current: 2,
        values: { cpu: 0.5 },
        forecast: { rate: 800, currentRate: 200, ...forecast },
      }),
    );
    assert.equal(out.decision.desired, 2);
    assert.equal(out.decision.forecast!.used, false);
    assert.match(out.decision.forecast!.note!, /not trusted/);
  }
});

Deno.test("cooldown: no automatic action too soon after the last one (or a failed one)", () => {
  const config = cpuOnly({ cooldownMs: 30 * S });
  const state = recordAction(settled(), T0, 2, 4);
  const soon = decide(
    config,
    state,
    input({ now: T0 + 20 * S, current: 4, values: { cpu: 1 } }),
  );
  assert.equal(soon.decision.desired, 8);
  assert.equal(soon.decision.action, "hold");
  assert.match(soon.decision.held!, /^cooldown after the last action until /);
  const after = decide(
    config,
    soon.state,
    input({ now: T0 + 31 * S, current: 4, values: { cpu: 1 } }),
  );
  assert.equal(after.decision.action, "scale_up");
  const failed = recordAction(settled(), T0, 2, 4, false);
  assert.deepEqual(failed.changes, []);
  assert.equal(
    decide(
      config,
      failed,
      input({ now: T0 + S, current: 2, values: { cpu: 1 } }),
    )
      .decision.action,
    "hold",
  );
});

Deno.test("an action still under way holds the next one", () => {
  const out = decide(
    cpuOnly(),
    settled(),
    input({ current: 2, values: { cpu: 2 }, acting: true }),
  );
  assert.equal(out.decision.desired, 6);
  assert.equal(out.decision.action, "hold");
  assert.equal(out.decision.held, "the last action is still under way");
});

Deno.test("manual hold: automatic actions wait until it ends", () => {
  const out = decide(
    cpuOnly(),
    settled(),
    input({
      current: 5,
      values: { cpu: 0.1 },
      manualHoldUntil: T0 + 60 * S,
    }),
  );
  assert.equal(out.decision.desired, 1);
  assert.equal(out.decision.action, "hold");
  assert.match(
    out.decision.held!,
    /manual scale holds automatic actions until/,
  );
});

Deno.test("the policy is deterministic: the same inputs give the same decision", () => {
  const run = () =>
    decide(
      defaultPolicyConfig(),
      settled(),
      input({ current: 3, values: { cpu: 1.2, mailboxMax: 40 } }),
    );
  assert.deepEqual(run(), run());
});
