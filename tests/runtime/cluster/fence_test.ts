/**
 * The fence under forced double ownership: two in-process nodes on one
 * nats-server both serve every shard (test hook), write one aggregate, and
 * the expected-sequence append keeps its history one line. Also the shard
 * hash and the error codec of remote asks.
 */
import assert from "node:assert/strict";
import { natsConnect } from "../../../deps.ts";
import type { NatsConnection } from "../../../deps.ts";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import { ClusterNode, shardOf } from "../../../runtime/cluster/mod.ts";
import {
  ConcurrencyError,
  decodeError,
  DomainError,
  encodeError,
  NotFoundError,
  UnavailableError,
} from "../../../runtime/core/mod.ts";
import { JetStreamEventLog } from "../../../runtime/log/jetstream/mod.ts";
import type {
  AppendRequest,
  Decider,
  DomainEvent,
  EventLog,
} from "../../../runtime/core/mod.ts";
import { NatsServer } from "../../support/nats_server.ts";
import { checkLinear } from "../../support/cluster.ts";

type Counted = DomainEvent & { type: "counted"; data: { by: string } };

const counter: Decider<{ by: string }, Counted, number> = {
  initialState: 0,
  decide: (command) => [{ type: "counted", v: 1, data: { by: command.by } }],
  evolve: (state) => state + 1,
};

/** Counts the appends the log refused as stale. */
function fenced(log: EventLog): { log: EventLog; refused: () => number } {
  let refused = 0;
  const wrapped: EventLog = {
    append: async (request: AppendRequest, options) => {
      try {
        return await log.append(request, options);
      } catch (error) {
        if (error instanceof ConcurrencyError) refused++;
        throw error;
      }
    },
    readStream: (...args) => log.readStream(...args),
    readFeed: (...args) => log.readFeed(...args),
    headPosition: (...args) => log.headPosition(...args),
    loadSnapshot: (...args) => log.loadSnapshot(...args),
    saveSnapshot: (...args) => log.saveSnapshot(...args),
    watch: (...args) => log.watch(...args),
    close: () => log.close(),
  };
  return { log: wrapped, refused: () => refused };
}

interface TestNode {
  nc: NatsConnection;
  log: JetStreamEventLog;
  system: ActorSystem;
  cluster: ClusterNode;
  refused: () => number;
}

async function startNode(url: string, nodeId: string): Promise<TestNode> {
  const nc = await natsConnect({ servers: url, name: nodeId });
  const log = await JetStreamEventLog.open(nc);
  const { log: counting, refused } = fenced(log);
  const system = new ActorSystem({ log: counting });
  system.register({ type: "counter", decider: counter });
  const cluster = await ClusterNode.start({
    nc,
    system,
    nodeId,
    shards: 4,
    leaseTtlMs: 2000,
    assumeOwnership: () => true,
  });
  return { nc, log, system, cluster, refused };
}

async function stopNode(node: TestNode): Promise<void> {
  await node.cluster.stop();
  await node.system.shutdown();
  await node.log.close();
  await node.nc.close();
}

Deno.test({
  name: "cluster: forced double ownership is fenced, the history never forks",
  async fn() {
    const nats = await NatsServer.start();
    const nodes: TestNode[] = [];
    try {
      nodes.push(await startNode(nats.url, "owner-a"));
      nodes.push(await startNode(nats.url, "owner-b"));
      const [a, b] = nodes;
      const ask = (node: TestNode, by: string, commandId: string) =>
        node.cluster.client.ask("counter", "x", { by }, { commandId });

      // Both nodes serve the actor; each caches its state.
      assert.equal((await ask(a, "a", "c1")).version, 1);
      assert.equal((await ask(b, "b", "c2")).version, 2);
      // A's cached state is stale: its append is refused, it reloads, retries.
      assert.equal((await ask(a, "a", "c3")).version, 3);
      assert.ok(a.refused() >= 1, "the stale append was not refused");
      // A stale append straight to the log fails and writes nothing.
      await assert.rejects(
        a.log.append({
          type: "counter",
          id: "x",
          expectedVersion: 1,
          commandId: "stale",
          events: [{ type: "counted", v: 1, data: { by: "stale" } }],
        }),
        ConcurrencyError,
      );
      // Both write at once: every command lands once or is refused, never forked.
      const outcomes = await Promise.allSettled(
        Array.from(
          { length: 30 },
          (_, i) => ask(nodes[i % 2], `p${i}`, `p${i}`),
        ),
      );
      const acked = outcomes.flatMap((o, i) =>
        o.status === "fulfilled" ? [`p${i}`] : []
      );
      for (const o of outcomes) {
        if (o.status === "rejected") {
          assert.ok(o.reason instanceof ConcurrencyError, String(o.reason));
        }
      }
      const commits = await a.log.readStream("counter", "x", 0);
      const commands = checkLinear(commits);
      assert.equal(commits.length, 3 + acked.length);
      for (const id of ["c1", "c2", "c3", ...acked]) {
        assert.equal(commands.get(id), 1, id);
      }
      assert.ok(!commands.has("stale"));
      console.log(
        `double ownership: ${acked.length}/30 concurrent commands landed, ` +
          `${
            a.refused() + b.refused()
          } stale appends refused, ${commits.length} commits, one line`,
      );
    } finally {
      for (const node of nodes) await stopNode(node);
      await nats.dispose();
    }
  },
});

Deno.test("cluster: shard hash is stable and spreads actors", () => {
  assert.equal(shardOf("bedrift", "42", 64), shardOf("bedrift", "42", 64));
  const counts = new Array(64).fill(0);
  for (let i = 0; i < 6400; i++) counts[shardOf("bedrift", `id-${i}`, 64)]++;
  assert.ok(Math.min(...counts) > 50 && Math.max(...counts) < 160);
  assert.ok(shardOf("a", "b", 1) === 0);
});

Deno.test("cluster: errors of remote asks keep their type", () => {
  const round = (e: unknown) =>
    decodeError(JSON.parse(JSON.stringify(encodeError(e))));
  const domain = round(
    new DomainError("bedrift.not_active", "Not active", { status: 422 }),
  );
  assert.ok(domain instanceof DomainError);
  assert.equal(domain.code, "bedrift.not_active");
  assert.equal(domain.status, 422);
  assert.ok(round(new NotFoundError("gone")) instanceof NotFoundError);
  const conflict = round(new ConcurrencyError("stale", 3, 4));
  assert.ok(conflict instanceof ConcurrencyError);
  assert.equal(conflict.expectedVersion, 3);
  assert.equal(conflict.actualVersion, 4);
  const busy = round(
    new UnavailableError("full", { retryAfter: 7, status: 429 }),
  );
  assert.ok(busy instanceof UnavailableError);
  assert.equal(busy.retryAfter, 7);
  assert.equal(busy.status, 429);
  const late = round(new DOMException("deadline", "TimeoutError"));
  assert.ok(late instanceof DOMException);
  assert.equal(late.name, "TimeoutError");
});
