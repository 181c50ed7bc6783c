/**
 * Two nodes' autoscalers on a real NATS server: one supervisor is active
 * (the lease), the other node's API asks it over NATS, samples of both
 * nodes reach it, and when it stops the other takes over.
 */
import assert from "node:assert/strict";
import { registerActors } from "../../../../actors/mod.ts";
import {
  AUTOSCALE,
  AUTOSCALE_STREAM,
  AutoscaleNode,
} from "../../../../actors/supervisors/autoscale/mod.ts";
import type { AutoscaleSettings } from "../../../../actors/supervisors/autoscale/mod.ts";
import { natsConnect } from "../../../../deps.ts";
import { ActorSystem } from "../../../../runtime/actor/mod.ts";
import { defaultPolicyConfig } from "../../../../runtime/autoscale/mod.ts";
import type { Actuator } from "../../../../runtime/autoscale/mod.ts";
import { MemoryEventLog } from "../../../../runtime/log/memory/mod.ts";
import { NatsServer } from "../../../support/nats_server.ts";
import { waitFor } from "../../../support/cluster.ts";

const TTL = 900;

Deno.test("autoscale failover: one active supervisor; the other node's API asks it; it stops, the other takes over", async () => {
  const server = await NatsServer.start();
  const log = new MemoryEventLog();
  const system = registerActors(new ActorSystem({ log }));
  const actuator: Actuator = {
    name: "fake",
    current: () => Promise.resolve(2),
    scale: (replicas) => Promise.resolve({ replicas }),
  };
  const settings: AutoscaleSettings = {
    mode: "recommend",
    intervalMs: 200,
    seasonMs: 60_000,
    policy: defaultPolicyConfig({
      targets: { commandRate: 100 },
      maxReplicas: 3,
    }),
  };
  let commands = 0;
  const start = async (nodeId: string) => {
    const nc = await natsConnect({ servers: server.url });
    const node = await AutoscaleNode.start({
      nodeId,
      settings,
      client: system,
      log,
      actuator,
      sources: {
        actors: () => ({
          commands: commands += 10,
          active: 1,
          queued: 0,
          maxMailboxDepth: 0,
        }),
      },
      nats: { nc, replicas: 1, leaseTtlMs: TTL },
    });
    return { nodeId, nc, node };
  };
  const a = await start("node-a");
  const b = await start("node-b");
  const nodes = [a, b];
  let twice = false;
  const watch = setInterval(() => {
    if (a.node.supervisor!.active && b.node.supervisor!.active) twice = true;
  }, 20);
  try {
    assert.ok(
      await waitFor(
        () => Promise.resolve(nodes.some((n) => n.node.supervisor!.active)),
        5000,
      ),
    );
    const active = nodes.find((n) => n.node.supervisor!.active)!;
    const standby = nodes.find((n) => n !== active)!;
    // The standby's API answers with the active supervisor's status, which
    // has both nodes' samples.
    assert.ok(
      await waitFor(async () => {
        const s = await standby.node.status();
        return s.active && s.supervisor === active.nodeId &&
          s.nodes.length === 2;
      }, 5000),
    );
    const status = await standby.node.status();
    assert.ok(status.active);
    assert.deepEqual(status.nodes.map((n) => n.node).sort(), [
      "node-a",
      "node-b",
    ]);
    assert.equal(status.replicas, 2);
    const before = await standby.node.recommendations();
    assert.ok(before.decision !== null);
    // Metrics: only the active node reports the replica gauges.
    assert.match(active.node.metrics(), /^tms_autoscale_replicas 2$/m);
    assert.match(active.node.metrics(), /^tms_autoscale_max_replicas 3$/m);
    assert.doesNotMatch(standby.node.metrics(), /tms_autoscale_replicas/);
    // The active one stops: the lease is released and the standby takes over.
    await active.node.stop();
    assert.ok(
      await waitFor(
        () => Promise.resolve(standby.node.supervisor!.active),
        3 * TTL,
      ),
    );
    assert.ok(
      await waitFor(async () => {
        const s = await standby.node.status();
        return s.active && s.supervisor === standby.nodeId &&
          s.lastDecision !== null;
      }, 5000),
    );
    // Both supervisors' decisions are in the one stream.
    const page = await standby.node.decisions({ limit: 100 });
    assert.ok(page.items.length >= 2);
    assert.ok(page.items.every((i) => i.type === "autoscale.decided"));
    const { version } = await system.read(AUTOSCALE, AUTOSCALE_STREAM);
    assert.equal(page.items[0].version, version);
    assert.equal(twice, false, "two supervisors were active at once");
  } finally {
    clearInterval(watch);
    for (const n of nodes) {
      await n.node.stop();
      await n.nc.close();
    }
    await system.shutdown();
    await server.dispose();
  }
});
