import { authHeaders } from "../../../ops/server_process.ts";
/**
 * Cluster drills against real nats-server and TMS node processes: one linear
 * history through two nodes, SIGKILL of a node under load, and a NATS restart
 * under load. A missing nats-server binary fails these tests.
 */
import assert from "node:assert/strict";
import { NatsServer } from "../../support/nats_server.ts";
import type { ServerProcess } from "../../../ops/server_process.ts";
import {
  checkLinear,
  clusterCheck,
  readWholeLog,
  registerBedrifter,
  send,
  startClusterNode,
  TEST_TTL_MS,
  waitBalanced,
  waitFor,
} from "../../support/cluster.ts";
import type { Outcome } from "../../support/cluster.ts";
import { loadPostgres } from "../../../deps.ts";
import { TEST_DATABASE_URL } from "../../support/sql_stores.ts";

const UPDATE_ROUTE = "bedrift.update";

/** Runs `fn` with a nats-server and a temp dir; stops the nodes it started. */
async function drill(
  fn: (ctx: {
    nats: NatsServer;
    node: (id: string, env?: Record<string, string>) => Promise<ServerProcess>;
  }) => Promise<void>,
): Promise<void> {
  const nats = await NatsServer.start();
  const dir = await Deno.makeTempDir({ prefix: "tms-cluster-" });
  const nodes: ServerProcess[] = [];
  try {
    await fn({
      nats,
      node: async (id, env) => {
        const n = await startClusterNode(nats.url, id, `${dir}/${id}`, env);
        nodes.push(n);
        return n;
      },
    });
  } finally {
    await Promise.all(nodes.map((n) => n.stop("SIGKILL")));
    await nats.dispose();
    await Deno.remove(dir, { recursive: true });
  }
}

function patch(
  node: ServerProcess,
  id: string,
  key: string,
  poststed: string,
  ifMatch?: number,
): Promise<Outcome> {
  const headers: Record<string, string> = { "Idempotency-Key": key };
  if (ifMatch !== undefined) headers["If-Match"] = `"${ifMatch}"`;
  return send(
    `${node.url}/api/v1/bedrifter/${id}`,
    "PATCH",
    { poststed },
    headers,
  );
}

/**
 * Registers a bedrift through `node`, patches its poststed, and checks that a
 * list query with the write's position as `X-TMS-Min-Position` shows it.
 * Returns the query's answer.
 */
async function assertReadsOwnWrite(
  node: ServerProcess,
  n: number,
  poststed: string,
): Promise<Response> {
  const [id] = await registerBedrifter(node.url, 1, n);
  const r = await patch(node, id, `own-write-${n}`, poststed);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const read = await fetch(`${node.url}/api/v1/bedrifter/${id}`, {
    headers: authHeaders(`${node.url}/api/v1/bedrifter/${id}`),
  });
  await read.body?.cancel();
  const res = await fetch(`${node.url}/api/v1/bedrifter?limit=10`, {
    headers: {
      ...authHeaders(node.url),
      "X-TMS-Min-Position": read.headers.get("X-TMS-Position")!,
    },
  });
  assert.equal(res.status, 200);
  const page = await res.clone().json();
  assert.deepEqual(
    page.items.map((b: { id: string; poststed: string }) => [
      b.id,
      b.poststed,
    ]),
    [[id, poststed]],
  );
  return res;
}

/** Runs `fn` with the env of read models in a fresh PostgreSQL schema, dropped after. */
async function withSharedSchema(
  fn: (shared: Record<string, string>) => Promise<void>,
): Promise<void> {
  const schema = `tms_shared_${crypto.randomUUID().slice(0, 8)}`;
  const sql = (await loadPostgres())(TEST_DATABASE_URL, {
    max: 1,
    onnotice: () => {},
  });
  try {
    await fn({ DATABASE_URL: TEST_DATABASE_URL, TMS_READ_SCHEMA: schema });
  } finally {
    await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await sql.end();
  }
}

Deno.test({
  name: "cluster: commands through two nodes make one linear history",
  async fn() {
    await drill(async ({ nats, node }) => {
      const a = await node("node-a");
      const b = await node("node-b");
      await waitBalanced([a, b]);
      const [id] = await registerBedrifter(a.url, 1, 11);
      const nodes = [a, b];
      const acked: string[] = [];

      // Alternately, one at a time: every command sees the one before.
      let version = 1;
      for (let i = 0; i < 20; i++) {
        const key = `seq-${i}`;
        const r = await patch(nodes[i % 2], id, key, `SEQ ${i}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body!.version, ++version);
        acked.push(key);
      }
      // Concurrently through both nodes: all land, in some order.
      const parallel = await Promise.all(
        Array.from(
          { length: 40 },
          (_, i) => patch(nodes[i % 2], id, `par-${i}`, `PAR ${i}`),
        ),
      );
      for (const [i, r] of parallel.entries()) {
        assert.equal(r.status, 200, JSON.stringify(r.body));
        acked.push(`par-${i}`);
      }
      const versions = parallel.map((r) => r.body!.version as number).sort(
        (x, y) => x - y,
      );
      assert.deepEqual(
        versions,
        Array.from({ length: 40 }, (_, i) => version + 1 + i),
      );
      version += 40;
      // Two writers at the same version: one wins, the other is refused.
      const race = await Promise.all([
        patch(a, id, "race-a", "RACE A", version),
        patch(b, id, "race-b", "RACE B", version),
      ]);
      assert.deepEqual(race.map((r) => r.status).sort(), [200, 412]);
      const winner = race[0].status === 200 ? "race-a" : "race-b";
      acked.push(winner);
      version++;

      for (const n of nodes) {
        const res = await fetch(`${n.url}/api/v1/bedrifter/${id}`, {
          headers: authHeaders(`${n.url}/api/v1/bedrifter/${id}`),
        });
        const body = await res.json();
        assert.equal(body.version, version);
        assert.equal(body.poststed, winner === "race-a" ? "RACE A" : "RACE B");
      }
      const commits = (await readWholeLog(nats.url)).filter((c) =>
        c.type === "bedrift" && c.id === id
      );
      const commands = checkLinear(commits);
      assert.equal(commits.length, version);
      for (const key of acked) {
        assert.equal(commands.get(`${UPDATE_ROUTE}:${key}`), 1, key);
      }
      // One node owns the aggregate; the other forwarded to it.
      const served = await Promise.all(nodes.map(async (n) => {
        const text = await (await fetch(`${n.url}/metrics`, {
          headers: authHeaders(`${n.url}/metrics`),
        })).text();
        return Number(/route="served"\} (\d+)/.exec(text)?.[1] ?? 0);
      }));
      assert.ok(served.some((n) => n > 0), "no command was forwarded");
    });
  },
});

Deno.test({
  name: "cluster: SIGKILL of a node under load loses no acknowledged command",
  async fn() {
    await drill(async ({ nats, node }) => {
      const a = await node("node-a");
      const b = await node("node-b");
      await waitBalanced([a, b]);
      const targets = await registerBedrifter(a.url, 40, 101);
      const acked: string[] = [];
      const statuses = new Map<number, number>();
      let killed = false;
      let stop = false;
      let n = 0;
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const via = killed || (w + i) % 2 === 0 ? a : b;
          const key = `k-${w}-${i}`;
          const id = targets[n++ % targets.length];
          const r = await patch(via, id, key, `W${w} ${i}`);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status >= 200 && r.status < 300) acked.push(key);
          else if (r.status === 0) await new Promise((r) => setTimeout(r, 20));
        }
      };
      const load = Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
      await new Promise((r) => setTimeout(r, 1500));
      const before = acked.length;
      const killedAt = Date.now();
      await b.stop("SIGKILL");
      killed = true;
      const tookOver = await waitFor(async () => {
        const check = await clusterCheck(a);
        return check?.shardsOwned === 64;
      }, 4 * TEST_TTL_MS);
      const takeoverMs = Date.now() - killedAt;
      await new Promise((r) => setTimeout(r, 1000));
      stop = true;
      await load;
      console.log(
        `kill drill: ${before} acked before the kill, ${acked.length} in all; ` +
          `statuses ${JSON.stringify([...statuses])}; ` +
          `survivor holds all shards ${takeoverMs} ms after SIGKILL`,
      );
      assert.ok(tookOver, "the survivor did not take the shards");
      assert.ok(
        takeoverMs <= 2 * TEST_TTL_MS,
        `takeover took ${takeoverMs} ms`,
      );
      // Every target is served by the survivor now.
      for (const id of targets) {
        const r = await patch(a, id, `after-${id}`, "ETTER");
        assert.equal(r.status, 200, JSON.stringify(r.body));
        acked.push(`after-${id}`);
      }
      const commands = checkLinear(await readWholeLog(nats.url));
      for (const key of acked) {
        assert.equal(commands.get(`${UPDATE_ROUTE}:${key}`), 1, `${key} lost`);
      }
      assert.ok(
        acked.length > before,
        "no command acknowledged after the kill",
      );
    });
  },
});

Deno.test({
  name: "cluster: NATS restart under load answers 503 and loses nothing",
  async fn() {
    await drill(async ({ nats, node }) => {
      const a = await node("node-a");
      const targets = await registerBedrifter(a.url, 20, 301);
      const acked: string[] = [];
      let phase: "before" | "down" | "back" = "before";
      const during: Outcome[] = [];
      const bad: string[] = [];
      let firstOkAfter: number | null = null;
      let backAt = 0;
      let ackedWhileDown = 0;
      let stop = false;
      let n = 0;
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const key = `r-${w}-${i}`;
          const sentIn = phase;
          const r = await patch(
            a,
            targets[n++ % targets.length],
            key,
            `R${w} ${i}`,
          );
          if (r.status >= 200 && r.status < 300) {
            acked.push(key);
            // Sent and acknowledged while the server was down: impossible
            // unless something acknowledged without the log.
            if (sentIn === "down" && phase === "down") ackedWhileDown++;
            if (sentIn === "back" && firstOkAfter === null) {
              firstOkAfter = Date.now() - backAt;
            }
          } else {
            if (r.status !== 503 || r.retryAfter === null) {
              bad.push(`${r.status} ${JSON.stringify(r.body)}`);
            }
            if (sentIn === "down") during.push(r);
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      };
      const load = Promise.all(
        Array.from({ length: 16 }, (_, w) => worker(w)),
      );
      await new Promise((r) => setTimeout(r, 1000));
      const before = acked.length;
      await nats.stop();
      phase = "down";
      await new Promise((r) => setTimeout(r, 2500));
      await nats.restart();
      backAt = Date.now();
      phase = "back";
      const served = await waitFor(
        () => Promise.resolve(firstOkAfter !== null),
        10_000,
      );
      await new Promise((r) => setTimeout(r, 500));
      stop = true;
      await load;
      console.log(
        `NATS restart drill: ${before} acked before, ${during.length} refused ` +
          `while down (all 503 + Retry-After: ${bad.length === 0}), ` +
          `first 2xx ${firstOkAfter} ms after the server was back, ${acked.length} acked in all`,
      );
      assert.deepEqual(bad, []);
      assert.ok(
        during.length > 0,
        "no request was refused while NATS was down",
      );
      assert.ok(
        served && firstOkAfter! <= 5000,
        `served again after ${firstOkAfter} ms`,
      );
      assert.equal(ackedWhileDown, 0, "acks while NATS was down");
      const commands = checkLinear(await readWholeLog(nats.url));
      for (const key of acked) {
        assert.equal(commands.get(`${UPDATE_ROUTE}:${key}`), 1, `${key} lost`);
      }
    });
  },
});

Deno.test({
  name: "cluster: a node that stops gracefully hands its shards over at once",
  async fn() {
    await drill(async ({ node }) => {
      const a = await node("node-a");
      const b = await node("node-b");
      await waitBalanced([a, b]);
      const targets = await registerBedrifter(b.url, 10, 501);
      const stoppedAt = Date.now();
      const status = await b.stop("SIGTERM");
      assert.equal(status.code, 0);
      const tookOver = await waitFor(
        async () => (await clusterCheck(a))?.shardsOwned === 64,
        4 * TEST_TTL_MS,
      );
      const handoverMs = Date.now() - stoppedAt;
      console.log(
        `graceful stop: survivor holds all shards after ${handoverMs} ms`,
      );
      assert.ok(tookOver);
      // Released leases are free at once: no waiting for them to expire.
      assert.ok(handoverMs < TEST_TTL_MS, `handover took ${handoverMs} ms`);
      for (const id of targets) {
        const r = await patch(a, id, `g-${id}`, "GRACEFUL");
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
    });
  },
});

Deno.test({
  name:
    "cluster: a node without projections reads the read models another node projects into PostgreSQL",
  async fn() {
    await withSharedSchema((shared) =>
      drill(async ({ node }) => {
        const projector = await node("projector", shared);
        const reader = await node("reader", {
          ...shared,
          TMS_PROJECTIONS: "off",
        });
        await waitBalanced([projector, reader]);
        const ready = await (await fetch(`${reader.url}/health/ready`)).json();
        assert.equal(ready.checks.projections, undefined);
        const res = await assertReadsOwnWrite(reader, 21, "FØLGER");
        await res.body?.cancel();
        assert.ok(Number(res.headers.get("X-TMS-Position")) > 0);
        // Nothing projects on the reader: its metrics carry no projection.
        const metrics = await (await fetch(`${reader.url}/metrics`, {
          headers: authHeaders(`${reader.url}/metrics`),
        })).text();
        assert.ok(!metrics.includes("tms_projection_position"));
      })
    );
  },
});

Deno.test({
  name:
    "cluster: nodes sharing PostgreSQL run one projector; when it is killed the other takes over",
  async fn() {
    const projectorGauge = async (n: ServerProcess) => {
      const metrics = await (await fetch(`${n.url}/metrics`, {
        headers: authHeaders(`${n.url}/metrics`),
      })).text();
      return Number(/^tms_projector (\d)$/m.exec(metrics)?.[1]);
    };
    await withSharedSchema((shared) =>
      drill(async ({ node }) => {
        const a = await node("node-a", shared);
        const b = await node("node-b", shared);
        await waitBalanced([a, b]);
        const gauges = [await projectorGauge(a), await projectorGauge(b)];
        assert.deepEqual(gauges.toSorted(), [0, 1], `gauges ${gauges}`);
        const [projector, standby] = gauges[0] === 1 ? [a, b] : [b, a];
        const ready = await (await fetch(`${standby.url}/health/ready`)).json();
        assert.equal(ready.checks.projections.role, "standby");

        const killedAt = Date.now();
        await projector.stop("SIGKILL");
        // The lease expires within one TTL; the standby looks every third.
        const tookOver = await waitFor(
          async () => await projectorGauge(standby) === 1,
          3 * TEST_TTL_MS,
        );
        assert.ok(tookOver, "the standby did not take the projector lease");
        console.log(
          `projector take-over ${Date.now() - killedAt} ms after kill`,
        );
        // Read-your-writes through the new projector.
        const res = await assertReadsOwnWrite(standby, 31, "OVERTATT");
        await res.body?.cancel();
      })
    );
  },
});
