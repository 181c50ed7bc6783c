/**
 * The projector lease on a real PostgreSQL: nodes sharing one read-model
 * schema run one projection engine between them, with failover.
 */
import assert from "node:assert/strict";
import { readModelProjections, registerActors } from "../actors/mod.ts";
import {
  ActorSystem,
  leasedMetrics,
  LeasedProjections,
  leasedReadiness,
  MemoryEventLog,
  PostgresStore,
  PROJECTOR_LEASE_TABLE,
  sqlIdentifier,
} from "../runtime/mod.ts";
import type { ProjectorRole, SqlStore } from "../runtime/mod.ts";
import { addBedrift } from "./support/read_side.ts";
import { postgresFixture, TEST_DATABASE_URL } from "./support/sql_stores.ts";

const TTL_MS = 600;

interface Cluster {
  log: MemoryEventLog;
  system: ActorSystem;
  /** A node's read side on its own connection pool to the shared schema. */
  node(holder: string): Promise<LeasedProjections>;
  /** The shared schema, through the first node's store. */
  sql: SqlStore;
  roles: Map<string, ProjectorRole[]>;
}

/** Nodes on one event log and one PostgreSQL schema. */
async function withCluster(fn: (cluster: Cluster) => Promise<void>) {
  const fixture = postgresFixture();
  const sql = await fixture.open();
  const log = new MemoryEventLog();
  const system = registerActors(new ActorSystem({ log }));
  const stores: SqlStore[] = [];
  const nodes: LeasedProjections[] = [];
  const roles = new Map<string, ProjectorRole[]>();
  try {
    await fn({
      log,
      system,
      sql,
      roles,
      async node(holder) {
        const store = await PostgresStore.open({
          databaseUrl: TEST_DATABASE_URL,
          schema: sql.schema,
          maxConnections: 3,
        });
        stores.push(store);
        roles.set(holder, []);
        const leased = new LeasedProjections({
          store,
          log,
          projections: readModelProjections,
          holder,
          ttlMs: TTL_MS,
          engine: { pollIntervalMs: 50, lingerMs: 0 },
          followerPollMs: 10,
          onRole: (role) => roles.get(holder)!.push(role),
        });
        nodes.push(leased);
        await leased.start();
        return leased;
      },
    });
  } finally {
    for (const node of nodes) await node.stop();
    for (const store of stores) await store.close();
    await system.shutdown();
    await fixture.cleanup();
  }
}

async function until(
  check: () => boolean,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`not reached within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
}

async function navnOf(sql: SqlStore, id: string): Promise<string | undefined> {
  const rows = await sql.query<{ navn: string }>(
    `SELECT navn FROM ${
      sqlIdentifier(sql.schema)
    }.bedrifter WHERE id = $1::text`,
    [id],
  );
  return rows[0]?.navn;
}

Deno.test("projector lease: of two nodes on one schema exactly one projects; the standby reads its writes", async () => {
  await withCluster(async ({ system, sql, node }) => {
    const a = await node("node-a");
    const b = await node("node-b");
    assert.equal(a.role, "projector");
    assert.equal(b.role, "standby");
    assert.equal(b.holder, "node-a");
    assert.equal(b.engine, null);

    const position = await addBedrift(system, "b1", "Første", 1);
    // Read-your-writes on the standby: it waits for what the projector writes.
    await b.waitFor(position, { signal: AbortSignal.timeout(5000) });
    assert.equal(await navnOf(sql, "b1"), "Første");
    assert.ok(await b.position("bedrifter") >= position);

    // Renewals keep the roles: several TTLs later nothing has changed hands.
    await new Promise((r) => setTimeout(r, 3 * TTL_MS));
    assert.equal(a.role, "projector");
    assert.equal(b.role, "standby");

    assert.equal((leasedReadiness(a) as { ok: boolean }).ok, true);
    assert.deepEqual(leasedReadiness(b), {
      ok: true,
      role: "standby",
      holder: "node-a",
    });
    assert.match(leasedMetrics(a), /^tms_projector 1$/m);
    assert.match(
      leasedMetrics(a),
      /tms_projection_position\{projection="bedrifter"\}/,
    );
    assert.match(leasedMetrics(b), /^tms_projector 0$/m);
    assert.doesNotMatch(leasedMetrics(b), /tms_projection_position/);
  });
});

Deno.test("projector lease: a graceful stop hands over at once; the new projector goes on from the checkpoint", async () => {
  await withCluster(async ({ system, sql, node, roles }) => {
    const a = await node("node-a");
    const b = await node("node-b");
    const first = await addBedrift(system, "b1", "Før", 1);
    await b.waitFor(first, { signal: AbortSignal.timeout(5000) });

    await a.stop();
    assert.equal(a.role, "stopped");
    // A graceful stop deletes the lease row: b need not wait for it to expire.
    const [left] = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${
        sqlIdentifier(sql.schema)
      }.${PROJECTOR_LEASE_TABLE}`,
    );
    assert.equal(left.n, 0);
    await until(() => b.role === "projector", 5 * TTL_MS);
    assert.deepEqual(roles.get("node-b"), ["projector"]);

    const second = await addBedrift(system, "b2", "Etter", 2);
    await b.waitFor(second, { signal: AbortSignal.timeout(5000) });
    assert.equal(await navnOf(sql, "b1"), "Før");
    assert.equal(await navnOf(sql, "b2"), "Etter");
    const [count] = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${sqlIdentifier(sql.schema)}.bedrifter`,
    );
    assert.equal(count.n, 2);
  });
});

Deno.test("projector lease: a holder that went silent is replaced once its lease expires, not before", async () => {
  await withCluster(async ({ system, sql, node }) => {
    // A node that took the lease and crashed: its row stays until it expires.
    const table = `${sqlIdentifier(sql.schema)}.${PROJECTOR_LEASE_TABLE}`;
    const probe = await node("probe");
    await probe.stop();
    await sql.query(
      `INSERT INTO ${table} (name, holder, expires_at)
       VALUES ('projector', 'crashed', clock_timestamp() + interval '1500 milliseconds')`,
    );
    const started = Date.now();
    const b = await node("node-b");
    assert.equal(b.role, "standby");
    assert.equal(b.holder, "crashed");
    const position = await addBedrift(system, "b1", "Ventet", 1);
    await until(() => b.role === "projector", 1500 + 5 * TTL_MS);
    const waitedMs = Date.now() - started;
    assert.ok(
      waitedMs >= 1400,
      `took over after ${waitedMs} ms, before expiry`,
    );
    await b.waitFor(position, { signal: AbortSignal.timeout(5000) });
    assert.equal(await navnOf(sql, "b1"), "Ventet");
  });
});

Deno.test("projector lease: a projector that finds its lease taken stops its engine and stands by", async () => {
  await withCluster(async ({ sql, node, roles }) => {
    const a = await node("node-a");
    assert.equal(a.role, "projector");
    await sql.query(
      `UPDATE ${sqlIdentifier(sql.schema)}.${PROJECTOR_LEASE_TABLE}
       SET holder = 'usurper', expires_at = clock_timestamp() + interval '1 hour'`,
    );
    await until(() => a.role === "standby", 5 * TTL_MS);
    assert.equal(a.engine, null);
    assert.equal(a.holder, "usurper");
    assert.deepEqual(roles.get("node-a"), ["projector", "standby"]);
    assert.match(leasedMetrics(a), /^tms_projector 0$/m);
  });
});
