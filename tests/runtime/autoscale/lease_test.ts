import assert from "node:assert/strict";
import { jetstream, natsConnect } from "../../../deps.ts";
import type { NatsConnection } from "../../../deps.ts";
import {
  LocalActuator,
  openSupervisorBucket,
  serveLocalActuator,
  SupervisorLease,
} from "../../../runtime/autoscale/mod.ts";
import { SupervisorKeys } from "../../../runtime/core/mod.ts";
import { NatsServer } from "../../support/nats_server.ts";

const TTL = 900;

async function lease(url: string, nodeId: string, changes: boolean[]) {
  const nc = await natsConnect({ servers: url });
  const kv = await openSupervisorBucket(jetstream(nc), {
    ttlMs: TTL,
    replicas: 1,
  });
  const l = new SupervisorLease({
    kv,
    key: SupervisorKeys.autoscale,
    nodeId,
    ttlMs: TTL,
    onChange: (active) => {
      changes.push(active);
    },
  });
  await l.start();
  return { nc, lease: l };
}

/** Polls every 20 ms until `predicate`, asserting `invariant` on the way. */
async function until(
  predicate: () => boolean,
  invariant: () => void,
  timeoutMs: number,
): Promise<number> {
  const started = performance.now();
  while (!predicate()) {
    invariant();
    if (performance.now() - started > timeoutMs) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - started;
}

Deno.test("supervisor lease: one active of two; a graceful stop hands over at the next tick, a crash after a TTL, never two at once", async () => {
  const server = await NatsServer.start();
  const aChanges: boolean[] = [];
  const bChanges: boolean[] = [];
  const a = await lease(server.url, "node-a", aChanges);
  const b = await lease(server.url, "node-b", bChanges);
  let c: { nc: NatsConnection; lease: SupervisorLease } | null = null;
  try {
    const one = () =>
      assert.ok(!(a.lease.active && b.lease.active), "two active supervisors");
    await until(() => a.lease.active || b.lease.active, one, 2000);
    const [first, second] = a.lease.active ? [a, b] : [b, a];
    assert.equal(second.lease.holder, first.lease.nodeId);
    // Renewals keep it where it is for several TTLs.
    const stay = performance.now();
    while (performance.now() - stay < 3 * TTL) {
      one();
      assert.ok(first.lease.active);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Graceful: the key is deleted; the other takes it at its next tick.
    await first.lease.stop();
    assert.equal(first.lease.active, false);
    const handover = await until(() => second.lease.active, one, 3 * TTL);
    assert.ok(handover < TTL, `hand-over took ${handover} ms`);
    // A third node joins; then the active one's connection dies (a crash).
    const cChanges: boolean[] = [];
    c = await lease(server.url, "node-c", cChanges);
    const pair = () =>
      assert.ok(!(second.lease.active && c!.lease.active), "two active");
    await second.nc.close();
    const crash = await until(() => c!.lease.active, pair, 6 * TTL);
    assert.equal(second.lease.active, false);
    // It waited for the revision to stand still for a TTL (or to expire).
    assert.ok(crash >= TTL * 0.8, `took over after ${crash} ms`);
    assert.deepEqual(cChanges, [true]);
    assert.equal([...aChanges, ...bChanges].filter((x) => x).length, 2);
  } finally {
    await c?.lease.stop();
    await c?.nc.close();
    for (const x of [a, b]) {
      await x.lease.stop();
      if (!x.nc.isClosed()) await x.nc.close();
    }
    await server.dispose();
  }
});

Deno.test("local actuator: the supervisor asks the cluster's process manager over NATS, one scale at a time", async () => {
  const server = await NatsServer.start();
  const nc = await natsConnect({ servers: server.url });
  const manager = await natsConnect({ servers: server.url });
  const actuator = new LocalActuator(nc, { timeoutMs: 5000 });
  try {
    // Nobody serves the subject yet.
    await assert.rejects(actuator.current(), /process manager did not answer/);
    let nodes = ["node-1"];
    const calls: string[] = [];
    let running = 0;
    const served = serveLocalActuator(manager, {
      current: () => Promise.resolve({ replicas: nodes.length, nodes }),
      async scale(replicas, keep) {
        calls.push(`scale ${replicas} keep ${keep}`);
        running++;
        assert.equal(running, 1, "scales overlapped");
        await new Promise((r) => setTimeout(r, 50));
        running--;
        if (replicas > 5) throw new Error("over the machine's budget");
        const removed = nodes.slice(replicas);
        nodes = Array.from({ length: replicas }, (_, i) => `node-${i + 1}`);
        return { replicas, removed };
      },
    });
    // The server knows the subscription before anyone asks.
    await manager.flush();
    assert.equal(await actuator.current(), 1);
    const [up, down] = await Promise.all([
      actuator.scale(3, { keep: "node-1" }),
      actuator.scale(2, { keep: "node-1" }),
    ]);
    assert.deepEqual(up, { replicas: 3, removed: [] });
    assert.deepEqual(down, { replicas: 2, removed: ["node-3"] });
    assert.deepEqual(calls, ["scale 3 keep node-1", "scale 2 keep node-1"]);
    await assert.rejects(actuator.scale(9), /over the machine's budget/);
    await served.stop();
  } finally {
    await nc.close();
    await manager.close();
    await server.dispose();
  }
});
