/**
 * The shard map of `ShardPlacement`: two in-process nodes on a real
 * nats-server — who holds each shard, how old its lease is, and the moves a
 * node sees when another joins and when it leaves.
 */
import assert from "node:assert/strict";
import { natsConnect } from "../../../deps.ts";
import type { NatsConnection } from "../../../deps.ts";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import { ClusterNode } from "../../../runtime/cluster/mod.ts";
import { JetStreamEventLog } from "../../../runtime/log/jetstream/mod.ts";
import { NatsServer } from "../../support/nats_server.ts";
import { waitFor } from "../../support/cluster.ts";

const SHARDS = 8;
const TTL_MS = 900;

interface TestNode {
  nc: NatsConnection;
  log: JetStreamEventLog;
  system: ActorSystem;
  cluster: ClusterNode;
}

async function startNode(url: string, nodeId: string): Promise<TestNode> {
  const nc = await natsConnect({ servers: url, name: nodeId });
  const log = await JetStreamEventLog.open(nc);
  const system = new ActorSystem({ log });
  const cluster = await ClusterNode.start({
    nc,
    system,
    nodeId,
    shards: SHARDS,
    leaseTtlMs: TTL_MS,
  });
  return { nc, log, system, cluster };
}

async function stopNode(node: TestNode): Promise<void> {
  await node.cluster.stop();
  await node.system.shutdown();
  await node.log.close();
  await node.nc.close();
}

Deno.test("cluster: the shard map shows each shard's holder, its lease age and the moves between nodes", async () => {
  const nats = await NatsServer.start();
  const nodes: TestNode[] = [];
  try {
    const a = await startNode(nats.url, "map-a");
    nodes.push(a);
    const alone = a.cluster.placement.shardMap();
    assert.equal(alone.shards, SHARDS);
    assert.equal(alone.ttlMs, TTL_MS);
    assert.equal(alone.leases.length, SHARDS);
    assert.ok(alone.leases.every((l) => l.node === "map-a" && l.moves === 0));
    assert.ok(alone.leases.every((l) => l.ageMs !== null && l.ageMs < TTL_MS));
    assert.deepEqual(alone.moves, []);

    const b = await startNode(nats.url, "map-b");
    nodes.push(b);
    // B joins gradually: A gives shards up, B takes them; A sees them move.
    assert.ok(
      await waitFor(() => {
        const map = a.cluster.placement.shardMap();
        const held = map.leases.filter((l) => l.node === "map-b").length;
        return Promise.resolve(held === SHARDS / 2);
      }, 15_000),
      JSON.stringify(a.cluster.placement.shardMap()),
    );
    const split = a.cluster.placement.shardMap();
    const moved = split.leases.filter((l) => l.node === "map-b");
    assert.ok(moved.every((l) => l.moves === 1), JSON.stringify(moved));
    assert.deepEqual(
      split.moves.map((m) => m.shard).sort(),
      moved.map((l) => l.shard).sort(),
    );
    assert.ok(split.moves.every((m) => m.from === "map-a" && m.to === "map-b"));
    // Another node's lease age is as observed: renewed every third of the TTL.
    assert.ok(
      moved.every((l) => l.ageMs !== null && l.ageMs <= 2 * TTL_MS),
      JSON.stringify(moved),
    );
    // B's own view agrees on who holds what.
    const fromB = b.cluster.placement.shardMap();
    assert.deepEqual(
      fromB.leases.map((l) => l.node),
      split.leases.map((l) => l.node),
    );

    // B leaves: A takes its shards back, each a second move.
    await stopNode(nodes.pop()!);
    assert.ok(
      await waitFor(
        () =>
          Promise.resolve(
            a.cluster.placement.shardMap().leases.every((l) =>
              l.node === "map-a"
            ),
          ),
        15_000,
      ),
    );
    const back = a.cluster.placement.shardMap();
    for (const l of moved) {
      assert.equal(back.leases[l.shard].moves, 2);
    }
    assert.equal(back.moves.length, SHARDS);
    assert.ok(
      back.moves.slice(0, SHARDS / 2).every((m) =>
        m.from === "map-b" && m.to === "map-a"
      ),
    );
  } finally {
    for (const node of nodes) await stopNode(node);
    await nats.dispose();
  }
});
