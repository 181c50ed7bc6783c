/**
 * The emergency stop across two real node processes on a nats-server
 * started here: a log outage injected on both (forced past the blast
 * radius), then one stop through one node clears both, each confirming
 * within the stop's one-second gather, without the log — and the stop is
 * in the log once the log is back.
 */
import assert from "node:assert/strict";
import { NatsServer } from "../support/nats_server.ts";
import {
  readWholeLog,
  send,
  startClusterNode,
  waitBalanced,
  waitFor,
} from "../support/cluster.ts";
import { authHeaders } from "../../ops/server_process.ts";
import type { ServerProcess } from "../../ops/server_process.ts";

async function get(node: ServerProcess, path: string) {
  const res = await fetch(`${node.url}${path}`, {
    headers: authHeaders(node.url),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("emergency stop: clears a log outage on two nodes, each confirming within 1 s, reaches a node whose NATS connection is cut, and is recorded once the log is back", async () => {
  const nats = await NatsServer.start();
  const dir = await Deno.makeTempDir({ prefix: "tms-chaos-stop-" });
  const nodes: ServerProcess[] = [];
  try {
    for (const id of ["node-a", "node-b"]) {
      nodes.push(
        await startClusterNode(nats.url, id, `${dir}/${id}`, {
          TMS_CHAOS: "on",
        }),
      );
    }
    const [a, b] = nodes;
    await waitBalanced(nodes);
    const before = await send(`${a.url}/api/v1/bedrifter`, "POST", {
      organisasjonsnummer: "923609016",
      navn: "Skole",
    });
    assert.equal(before.status, 201);

    const injected = await send(`${a.url}/api/v1/chaos/faults/inject`, "POST", {
      kind: "log_outage",
      durationS: 120,
      force: true,
    });
    assert.equal(injected.status, 201, JSON.stringify(injected.body));
    assert.deepEqual(injected.body!.nodes, ["node-a", "node-b"]);
    // Both nodes refuse writes (503 + Retry-After) and are not ready.
    for (const node of nodes) {
      const write = await send(`${node.url}/api/v1/bedrifter`, "POST", {
        organisasjonsnummer: "915933149",
        navn: "Under utfall",
      });
      assert.equal(write.status, 503, JSON.stringify(write.body));
      assert.ok(write.retryAfter !== null);
      assert.equal((await get(node, "/health/ready")).status, 503);
    }

    const stop = await send(
      `${b.url}/api/v1/chaos/safety/emergency-stop`,
      "POST",
      {},
    );
    assert.equal(stop.status, 200, JSON.stringify(stop.body));
    const report = stop.body as {
      stopId: string;
      nodes: { node: string; cleared: number; ms: number | null }[];
      missing: string[];
      durationMs: number;
    };
    console.log(
      `emergency stop: ${
        report.nodes.map((n) => `${n.node} cleared ${n.cleared} in ${n.ms} ms`)
          .join(", ")
      }; answered after ${report.durationMs} ms`,
    );
    // Every live node answered within the stop's gather of one second.
    assert.deepEqual(report.missing, []);
    assert.deepEqual(
      report.nodes.map((n) => [n.node, n.cleared]),
      [["node-a", 1], ["node-b", 1]],
    );
    for (const node of nodes) {
      const status = await get(node, "/api/v1/chaos/safety/status");
      assert.equal(status.status, 200);
      for (const n of status.body.nodes) assert.deepEqual(n.faults, []);
      assert.equal(status.body.lastStop.id, report.stopId);
    }
    assert.ok(
      await waitFor(
        async () => (await get(a, "/health/ready")).status === 200,
        15_000,
      ),
      "ready again after the stop",
    );
    const write = await send(`${a.url}/api/v1/bedrifter`, "POST", {
      organisasjonsnummer: "915933149",
      navn: "Etter stopp",
    });
    assert.equal(write.status, 201, JSON.stringify(write.body));
    // A node whose data connection is cut still hears the stop: the control
    // plane has a connection of its own.
    const cut = await send(`${a.url}/api/v1/chaos/faults/inject`, "POST", {
      kind: "nats_disconnect",
      selector: { nodes: ["node-b"] },
      durationS: 120,
      force: true,
    });
    assert.equal(cut.status, 201, JSON.stringify(cut.body));
    assert.deepEqual(cut.body!.nodes, ["node-b"]);
    assert.ok(
      await waitFor(async () => {
        const ready = await get(b, "/health/ready");
        return ready.body.checks?.nats?.ok === false;
      }, 15_000),
      "node-b lost its NATS connection",
    );
    const second = await send(
      `${a.url}/api/v1/chaos/safety/emergency-stop`,
      "POST",
      {},
    );
    assert.equal(second.status, 200);
    assert.deepEqual(second.body!.missing, []);
    assert.deepEqual(
      (second.body!.nodes as { node: string; cleared: number }[]).map((
        n,
      ) => [n.node, n.cleared]),
      [["node-a", 0], ["node-b", 1]],
    );
    assert.ok(
      await waitFor(
        async () => (await get(b, "/health/ready")).status === 200,
        20_000,
      ),
      "node-b reconnected",
    );
    // Recorded once the log took writes again.
    assert.ok(
      await waitFor(
        async () =>
          (await readWholeLog(nats.url)).some((c) =>
            c.events.some((e) =>
              e.type === "chaos.emergency_stopped" &&
              (e.data as { stopId: string }).stopId === report.stopId
            )
          ),
        15_000,
      ),
      "the stop is in the log",
    );
  } finally {
    await Promise.all(nodes.map((n) => n.stop("SIGKILL")));
    await nats.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
