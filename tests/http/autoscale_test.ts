/**
 * `/api/v1/autoscale` over an embedded autoscaler (mode on, a fake actuator
 * of one to three replicas): status, predictions, recommendations, the
 * decision log paged, a manual scale checked, recorded and acted on,
 * anomalies, the cost, and the metrics.
 */
import assert from "node:assert/strict";
import { registerActors, withDomainUpcasters } from "../../actors/mod.ts";
import { AutoscaleNode } from "../../actors/supervisors/autoscale/mod.ts";
import { createApp } from "../../http/mod.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { defaultPolicyConfig } from "../../runtime/autoscale/mod.ts";
import type { Actuator } from "../../runtime/autoscale/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { MemoryKeyStore } from "../../runtime/storage/mod.ts";
import { adminTokenOf } from "../support/app.ts";
import { bearer, testAuth } from "../support/auth.ts";
import { waitFor } from "../support/cluster.ts";

async function edge() {
  const log = withDomainUpcasters(new MemoryEventLog());
  const system = registerActors(new ActorSystem({ log }));
  const keys = new MemoryKeyStore();
  const identity = await testAuth(keys);
  let replicas = 1;
  const scaled: number[] = [];
  const actuator: Actuator = {
    name: "fake",
    current: () => Promise.resolve(replicas),
    scale(n) {
      scaled.push(n);
      replicas = n;
      return Promise.resolve({ replicas: n });
    },
  };
  const autoscale = await AutoscaleNode.start({
    nodeId: "node-1",
    settings: {
      mode: "on",
      intervalMs: 100,
      seasonMs: 10_000,
      policy: defaultPolicyConfig({
        minReplicas: 1,
        maxReplicas: 3,
        targets: { cpu: 100 },
        stabilizationMs: 60_000,
      }),
    },
    client: system,
    log,
    actuator,
    sources: { actors: () => system.stats() },
  });
  const app = createApp({
    system,
    keys,
    auth: identity.auth,
    autoscale,
    metrics: () => autoscale.metrics(),
  });
  const token = await adminTokenOf(system, identity);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { "content-type": "application/json", ...bearer(token) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      // deno-lint-ignore no-explicit-any
      body: text.startsWith("{") ? JSON.parse(text) : text as any,
    };
  };
  return {
    call,
    scaled,
    async close() {
      await autoscale.stop();
      await system.shutdown();
    },
  };
}

Deno.test("autoscale API: status, predictions, recommendations from the running supervisor", async () => {
  const e = await edge();
  try {
    assert.ok(
      await waitFor(
        async () =>
          (await e.call("GET", "/api/v1/autoscale/status")).body
            .lastDecision !== null,
        5000,
      ),
    );
    const status = await e.call("GET", "/api/v1/autoscale/status");
    assert.equal(status.status, 200);
    assert.equal(status.body.mode, "on");
    assert.equal(status.body.active, true);
    assert.equal(status.body.supervisor, "node-1");
    assert.equal(status.body.actuator, "fake");
    assert.equal(status.body.replicas, 1);
    assert.equal(status.body.maxReplicas, 3);
    assert.deepEqual(status.body.targets, { cpu: 100 });
    assert.equal(status.body.nodes[0].node, "node-1");
    assert.equal(status.body.lastDecision.reasons[0].metric, "cpu");
    assert.equal(typeof status.body.forecast.trusted, "boolean");
    const predictions = await e.call(
      "GET",
      "/api/v1/autoscale/predictions?horizon=2s",
    );
    assert.equal(predictions.status, 200);
    assert.equal(predictions.body.horizonMs, 2000);
    assert.ok(predictions.body.points.length <= 20);
    for (const horizon of ["soon", "30d", "0s"]) {
      const bad = await e.call(
        "GET",
        `/api/v1/autoscale/predictions?horizon=${horizon}`,
      );
      assert.equal(bad.status, 422, horizon);
    }
    const recommendations = await e.call(
      "GET",
      "/api/v1/autoscale/recommendations",
    );
    assert.equal(recommendations.status, 200);
    assert.ok(recommendations.body.window.length >= 1);
    assert.equal(
      (await e.call("GET", "/api/v1/autoscale/anomalies")).body.items.length,
      0,
    );
    const metrics = await e.call("GET", "/metrics");
    assert.match(metrics.body, /^tms_autoscale_replicas 1$/m);
    assert.match(metrics.body, /^tms_autoscale_max_replicas 3$/m);
    assert.match(metrics.body, /^tms_autoscale_desired_replicas 1$/m);
  } finally {
    await e.close();
  }
});

Deno.test("autoscale API: a manual scale is checked, recorded and acted on; the decision log pages newest first; the cost counts node-hours", async () => {
  const e = await edge();
  try {
    const tooMany = await e.call("POST", "/api/v1/autoscale/scale", {
      replicas: 5,
      reason: "kampanje",
    });
    assert.equal(tooMany.status, 422);
    assert.equal(tooMany.body.code, "autoscale.replicas_out_of_range");
    const noReason = await e.call("POST", "/api/v1/autoscale/scale", {
      replicas: 2,
    });
    assert.equal(noReason.status, 422);
    const scaled = await e.call("POST", "/api/v1/autoscale/scale", {
      replicas: 3,
      reason: "kampanje i morgen",
    });
    assert.equal(scaled.status, 202);
    assert.equal(scaled.body.from, 1);
    assert.equal(scaled.body.to, 3);
    assert.ok(Date.parse(scaled.body.holdUntil) >= Date.now() + 59_000);
    assert.ok(
      await waitFor(() => Promise.resolve(e.scaled.length === 1), 5000),
    );
    assert.deepEqual(e.scaled, [3]);
    // The log, newest first, one event at a time.
    let all: {
      type: string;
      version: number;
      data: Record<string, unknown>;
    }[] = [];
    assert.ok(
      await waitFor(async () => {
        const page = await e.call(
          "GET",
          "/api/v1/autoscale/decisions?limit=100",
        );
        all = page.body.items;
        return all.some((i) => i.type === "autoscale.scaled");
      }, 5000),
    );
    const manual = all.find((i) => i.type === "autoscale.manual_scaled")!;
    assert.equal(manual.data.reason, "kampanje i morgen");
    assert.equal(manual.data.to, 3);
    const done = all.find((i) => i.type === "autoscale.scaled")!;
    assert.equal(done.data.trigger, "manual");
    let cursor: string | null = null;
    const paged: number[] = [];
    do {
      const page: {
        body: { items: { version: number }[]; nextCursor: string | null };
      } = await e.call(
        "GET",
        `/api/v1/autoscale/decisions?limit=2${
          cursor ? `&cursor=${cursor}` : ""
        }`,
      );
      paged.push(...page.body.items.map((i) => i.version));
      cursor = page.body.nextCursor;
    } while (cursor);
    const versions = all.map((i) => i.version);
    assert.deepEqual(paged.slice(0, versions.length), versions);
    assert.deepEqual(paged, [...paged].sort((a, b) => b - a));
    assert.equal(paged.at(-1), 1);
    assert.equal(
      (await e.call("GET", "/api/v1/autoscale/decisions?cursor=x")).status,
      422,
    );
    const cost = await e.call("GET", "/api/v1/autoscale/cost?period=1h");
    assert.equal(cost.status, 200);
    assert.equal(cost.body.peakReplicas, 3);
    assert.equal(cost.body.actions, 1);
    assert.ok(
      cost.body.nodeHours > 0 &&
        cost.body.nodeHours <= cost.body.staticNodeHours,
    );
    assert.equal(
      (await e.call("GET", "/api/v1/autoscale/cost?period=1y")).status,
      422,
    );
  } finally {
    await e.close();
  }
});

Deno.test("autoscale API without an autoscaler: off — status says so, reads are empty, a scale is 409", async () => {
  const log = new MemoryEventLog();
  const system = registerActors(new ActorSystem({ log }));
  const keys = new MemoryKeyStore();
  const identity = await testAuth(keys);
  const app = createApp({ system, keys, auth: identity.auth });
  const token = await adminTokenOf(system, identity);
  try {
    const get = async (path: string) =>
      await (await app.request(path, { headers: bearer(token) })).json();
    assert.deepEqual(await get("/api/v1/autoscale/status"), {
      mode: "off",
      active: false,
      minReplicas: 1,
      maxReplicas: 10,
    });
    assert.deepEqual((await get("/api/v1/autoscale/predictions")).points, []);
    assert.deepEqual(await get("/api/v1/autoscale/recommendations"), {
      decision: null,
      window: [],
    });
    assert.deepEqual((await get("/api/v1/autoscale/decisions")).items, []);
    assert.equal((await get("/api/v1/autoscale/cost")).knownFrom, null);
    const res = await app.request("/api/v1/autoscale/scale", {
      method: "POST",
      headers: { ...bearer(token), "content-type": "application/json" },
      body: JSON.stringify({ replicas: 2, reason: "x" }),
    });
    assert.equal(res.status, 409);
    assert.equal((await res.json()).code, "autoscale.off");
  } finally {
    await system.shutdown();
  }
});
