/**
 * The chaos supervisor's API through `app.request()`: 403 when chaos is
 * off, ADMIN only, ad hoc faults with the blast-radius limit, the edge's
 * faults, an experiment created, started, listed and read with its
 * journal, stop, the emergency stop and the safety status; and the health
 * supervisor's ready going false under a log outage and back.
 */
import assert from "node:assert/strict";
import {
  readModelProjections,
  registerActors,
  withDomainUpcasters,
} from "../../actors/mod.ts";
import { createApp } from "../../http/mod.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { ChaosEventLog, FaultRegistry } from "../../runtime/chaos/mod.ts";
import { delay } from "../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { ProjectionEngine } from "../../runtime/projection/mod.ts";
import { MemoryKeyStore } from "../../runtime/storage/mod.ts";
import { adminTokenOf } from "../support/app.ts";
import { bearer, createUser, testAuth, tokenOf } from "../support/auth.ts";
import { testChaos } from "../support/chaos.ts";
import { pgliteFixture } from "../support/sql_stores.ts";

async function edge(settings: { enabled?: boolean } = {}) {
  const registry = new FaultRegistry({ node: "n1" });
  const log = withDomainUpcasters(
    new ChaosEventLog(new MemoryEventLog(), registry),
  );
  const system = registerActors(
    new ActorSystem({ log, faults: registry.seams.actor, parkMs: 50 }),
  );
  const keys = new MemoryKeyStore();
  const identity = await testAuth(keys);
  const fixture = pgliteFixture();
  const store = await fixture.open();
  const engine = new ProjectionEngine({
    store,
    log,
    projections: readModelProjections,
    pollIntervalMs: 50,
    faults: registry.seams.projection,
  });
  await engine.start();
  const chaos = testChaos(system, { registry, settings });
  const app = createApp({
    system,
    keys,
    auth: identity.auth,
    chaos: chaos.supervisor,
    readSide: { store, positions: engine },
  });
  const admin = await adminTokenOf(system, identity);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token: string | null = admin,
  ) => {
    const res = await app.request(path, {
      method,
      headers: {
        ...(token ? bearer(token) : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? JSON.parse(text) : null,
    };
  };
  return {
    app,
    system,
    registry,
    engine,
    identity,
    supervisor: chaos.supervisor,
    call,
    async close() {
      await chaos.close();
      await engine.stop();
      await system.shutdown();
      await fixture.cleanup();
    },
  };
}

const latency = {
  kind: "log_latency",
  selector: { percent: 10 },
  params: { latencyMs: 5 },
  durationS: 30,
};

Deno.test("chaos API: 403 'chaos is disabled on this node' unless TMS_CHAOS=on, and for every role but ADMIN", async () => {
  const off = await edge({ enabled: false });
  try {
    for (
      const [method, path] of [
        ["GET", "/api/v1/chaos/faults/types"],
        ["POST", "/api/v2/chaos/safety/emergency-stop"],
        ["GET", "/api/v1/chaos/experiments"],
      ]
    ) {
      const res = await off.call(method, path);
      assert.equal(res.status, 403, path);
      assert.equal(res.body.title, "chaos is disabled on this node");
      assert.equal(res.body.code, "chaos.disabled");
    }
  } finally {
    await off.close();
  }
  const on = await edge();
  try {
    const { id } = (await on.call("POST", "/api/v1/bedrifter", {
      organisasjonsnummer: "923609016",
      navn: "Skole",
    })).body;
    await createUser(on.system, on.identity.users, {
      email: "hb@a.no",
      role: "HOVEDBRUKER",
      bedriftId: id,
    });
    const token = await tokenOf(on.system, on.identity.users, "hb@a.no");
    const res = await on.call(
      "POST",
      "/api/v1/chaos/faults/inject",
      latency,
      token,
    );
    assert.equal(res.status, 403);
    assert.equal(res.body.code, "auth.role_not_allowed");
    assert.equal(
      (await on.call("GET", "/api/v1/chaos/faults/types", undefined, null))
        .status,
      401,
    );
    assert.deepEqual(on.registry.active(), []);
  } finally {
    await on.close();
  }
});

Deno.test("chaos API: fault types; an ad hoc fault is held for its duration, refused above the blast radius unless forced, checked against its kind", async () => {
  const e = await edge();
  try {
    const types = await e.call("GET", "/api/v1/chaos/faults/types");
    assert.equal(types.status, 200);
    assert.equal(types.body.items.length, 14);
    assert.ok(
      types.body.items.some((t: { kind: string }) => t.kind === "disk_full"),
    );
    const ok = await e.call("POST", "/api/v1/chaos/faults/inject", latency);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.nodes, ["n1"]);
    assert.equal(ok.body.blastRadius, 0.1);
    assert.equal(ok.body.forced, false);
    assert.equal(e.registry.active()[0].kind, "log_latency");
    const wide = { ...latency, selector: {} };
    const refused = await e.call("POST", "/api/v1/chaos/faults/inject", wide);
    assert.equal(refused.status, 422);
    assert.equal(refused.body.code, "chaos.blast_radius_exceeded");
    const forced = await e.call("POST", "/api/v1/chaos/faults/inject", {
      ...wide,
      force: true,
    });
    assert.equal(forced.status, 201);
    assert.equal(forced.body.forced, true);
    const badParam = await e.call("POST", "/api/v1/chaos/faults/inject", {
      ...latency,
      params: { latencyMs: -1 },
    });
    assert.equal(badParam.status, 422);
    assert.match(badParam.body.title, /latencyMs/);
    const noDuration = await e.call("POST", "/api/v1/chaos/faults/inject", {
      kind: "log_latency",
    });
    assert.equal(noDuration.status, 422);
    assert.ok(
      noDuration.body.errors.some((x: { path: string }) =>
        x.path === "durationS"
      ),
    );
  } finally {
    await e.close();
  }
});

Deno.test("edge seam: service_unavailable answers 503 with Retry-After to the share it selects, never to the chaos routes or the ops console's; the emergency stop ends it", async () => {
  const e = await edge();
  try {
    const injected = await e.call("POST", "/api/v1/chaos/faults/inject", {
      kind: "service_unavailable",
      params: { retryAfterS: 7 },
      durationS: 60,
      force: true,
    });
    assert.equal(injected.status, 201);
    const refused = await e.call("GET", "/api/v1/bedrifter");
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get("retry-after"), "7");
    assert.equal(refused.body.type, "/problems/unavailable");
    const status = await e.call("GET", "/api/v1/chaos/safety/status");
    assert.equal(status.status, 200, "the chaos routes stay reachable");
    const consoleStatus = await e.call("GET", "/api/v1/console/status");
    assert.equal(consoleStatus.status, 200, "so does the ops console");
    assert.equal(consoleStatus.body.chaos.status.nodes[0].faults.length, 1);
    assert.equal(status.body.nodes[0].faults[0].kind, "service_unavailable");
    const stop = await e.call("POST", "/api/v1/chaos/safety/emergency-stop");
    assert.equal(stop.status, 200);
    assert.deepEqual(
      stop.body.nodes.map((n: { node: string; cleared: number }) => [
        n.node,
        n.cleared,
      ]),
      [["n1", 1]],
    );
    assert.equal((await e.call("GET", "/api/v1/bedrifter")).status, 200);
    const after = await e.call("GET", "/api/v1/chaos/safety/status");
    assert.deepEqual(after.body.nodes[0].faults, []);
    assert.equal(after.body.lastStop.id, stop.body.stopId);
  } finally {
    await e.close();
  }
});

Deno.test("experiments: created, started, listed and read with the journal; a running one stops and rolls back", async () => {
  const e = await edge();
  try {
    const body = {
      title: "Mailbox delay on a tenth",
      hypothesis: {
        probes: [{ name: "ready", type: "readiness" }],
        recoveryS: 1,
      },
      method: [{
        kind: "mailbox_delay",
        selector: { percent: 10 },
        params: { delayMs: 5 },
        durationS: 0.3,
      }],
    };
    const created = await e.call("POST", "/api/v1/chaos/experiments", body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    assert.equal(created.body.state.status, "created");
    assert.equal(created.body.journal.status, "created");
    const started = await e.call(
      "POST",
      `/api/v1/chaos/experiments/${id}/start`,
    );
    assert.equal(started.status, 200);
    assert.equal(started.body.state.status, "running");
    await e.supervisor.settled(id);
    const done = await e.call("GET", `/api/v1/chaos/experiments/${id}`);
    assert.equal(done.body.state.outcome, "passed");
    assert.equal(done.body.journal.status, "completed");
    assert.equal(done.body.journal.run.length, 1);
    const head = await e.system.log.headPosition();
    await e.engine.waitFor(head);
    const list = await e.call("GET", "/api/v2/chaos/experiments");
    assert.equal(list.status, 200);
    assert.equal(list.body.items[0].id, id);
    assert.equal(list.body.items[0].outcome, "passed");

    const long = await e.call("POST", "/api/v1/chaos/experiments", {
      ...body,
      method: [{ ...body.method[0], durationS: 60 }],
    });
    await e.call("POST", `/api/v1/chaos/experiments/${long.body.id}/start`);
    assert.equal(e.registry.active().length, 1);
    const stopped = await e.call(
      "POST",
      `/api/v1/chaos/experiments/${long.body.id}/stop`,
    );
    assert.equal(stopped.status, 200);
    assert.equal(stopped.body.state.abortReason, "stopped");
    assert.equal(stopped.body.state.outcome, "aborted");
    assert.deepEqual(e.registry.active(), []);
    const again = await e.call(
      "POST",
      `/api/v1/chaos/experiments/${long.body.id}/start`,
    );
    assert.equal(again.status, 409);
    assert.equal(
      (await e.call("GET", "/api/v1/chaos/experiments/nope")).status,
      404,
    );
  } finally {
    await e.close();
  }
});

Deno.test("health: ready goes false under a log outage (503 at the edge with Retry-After, never 500) and back after it; startup passes", async () => {
  const e = await edge();
  try {
    assert.equal((await e.app.request("/health/startup")).status, 200);
    assert.equal((await e.app.request("/health/ready")).status, 200);
    await e.call("POST", "/api/v1/chaos/faults/inject", {
      kind: "log_outage",
      durationS: 60,
      force: true,
    });
    const ready = await e.app.request("/health/ready");
    assert.equal(ready.status, 503);
    assert.equal((await ready.json()).checks.eventLog.ok, false);
    const write = await e.call("POST", "/api/v1/bedrifter", {
      organisasjonsnummer: "923609016",
      navn: "Skole",
    });
    assert.equal(write.status, 503);
    assert.ok(Number(write.headers.get("retry-after")) >= 1);
    await e.call("POST", "/api/v1/chaos/safety/emergency-stop");
    await delay(100);
    const back = await e.app.request("/health/ready");
    assert.equal(back.status, 200, JSON.stringify(await back.clone().json()));
    await back.body?.cancel();
  } finally {
    await e.close();
  }
});
