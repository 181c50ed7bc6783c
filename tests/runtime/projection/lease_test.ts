/**
 * The projector lease on a real PostgreSQL: nodes sharing one read-model
 * schema run one projection engine between them, with failover.
 */
import assert from "node:assert/strict";
import {
  readModelProjections,
  registerActors,
  withDomainUpcasters,
} from "../../../actors/mod.ts";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import type { EventLog } from "../../../runtime/core/mod.ts";
import {
  leasedMetrics,
  LeasedProjections,
  leasedReadiness,
  PROJECTOR_LEASE_NAME,
  PROJECTOR_LEASE_TABLE,
} from "../../../runtime/projection/mod.ts";
import { PostgresStore, sqlIdentifier } from "../../../runtime/sql/mod.ts";
import type {
  Projection,
  ProjectorRole,
} from "../../../runtime/projection/mod.ts";
import type { SqlStore } from "../../../runtime/sql/mod.ts";
import { addBedrift } from "../../support/read_side.ts";
import {
  postgresFixture,
  TEST_DATABASE_URL,
} from "../../support/sql_stores.ts";
import { TcpProxy } from "../../support/tcp_proxy.ts";

const TTL_MS = 600;

/** How a node differs from the default. */
interface NodeOptions {
  ttlMs?: number;
  projections?: readonly Projection[];
  /** Another way to the same server (a proxy). */
  databaseUrl?: string;
}

interface Cluster {
  log: EventLog;
  system: ActorSystem;
  /** A node's read side on its own connection pool to the shared schema. */
  node(holder: string, options?: NodeOptions): Promise<LeasedProjections>;
  /** The shared schema, through the first node's store. */
  sql: SqlStore;
  roles: Map<string, ProjectorRole[]>;
}

/** Nodes on one event log and one PostgreSQL schema. */
async function withCluster(
  fn: (cluster: Cluster) => Promise<void>,
  afterNodes?: () => Promise<void>,
) {
  const fixture = postgresFixture();
  const sql = await fixture.open();
  const log = withDomainUpcasters(new MemoryEventLog());
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
      async node(holder, options = {}) {
        const store = await PostgresStore.open({
          databaseUrl: options.databaseUrl ?? TEST_DATABASE_URL,
          schema: sql.schema,
          maxConnections: 3,
        });
        stores.push(store);
        roles.set(holder, []);
        const leased = new LeasedProjections({
          store,
          log,
          projections: options.projections ?? readModelProjections,
          holder,
          ttlMs: options.ttlMs ?? TTL_MS,
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
    await afterNodes?.();
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
    // A TTL long enough that a stalled event loop on a busy machine does not
    // let the lease lapse while the roles are checked.
    const a = await node("node-a", { ttlMs: 3000 });
    const b = await node("node-b", { ttlMs: 3000 });
    assert.equal(a.role, "projector");
    assert.equal(b.role, "standby");
    assert.equal(b.holder, "node-a");
    assert.equal(b.engine, null);

    const position = await addBedrift(system, "b1", "Første", 1);
    // Read-your-writes on the standby: it waits for what the projector writes.
    await b.waitFor(position, { signal: AbortSignal.timeout(5000) });
    assert.equal(await navnOf(sql, "b1"), "Første");
    assert.ok(await b.position("bedrifter") >= position);

    // Renewals keep the roles: two TTLs later nothing has changed hands.
    await new Promise((r) => setTimeout(r, 6000));
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
       VALUES ($1::text, 'crashed', clock_timestamp() + interval '1500 milliseconds')`,
      [PROJECTOR_LEASE_NAME],
    );
    const started = Date.now();
    const b = await node("node-b");
    assert.equal(b.role, "standby");
    assert.equal(b.holder, "crashed");
    const position = await addBedrift(system, "b1", "Ventet", 1);
    await until(() => b.role === "projector", 1500 + 5 * TTL_MS);
    const waitedMs = Date.now() - started;
    assert.ok(
      waitedMs >= 1000,
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

Deno.test("projector lease: a node whose engine cannot start gives the lease up to one that can", async () => {
  await withCluster(async ({ system, sql, node }) => {
    const broken: Projection = {
      name: "broken",
      eventTypes: ["bedrift.registered"],
      tables: ["broken"],
      migrations: [{ version: 1, name: "bad", sql: "CREATE TABLE (" }],
      apply: () => Promise.resolve(),
    };
    const a = await node("node-a", {
      projections: [...readModelProjections, broken],
    });
    assert.equal(a.role, "standby");
    assert.ok(a.startError, "the start failure is kept");
    assert.equal(leasedReadiness(a).ok, true);
    assert.equal(
      (leasedReadiness(a) as { startError?: string }).startError,
      a.startError,
    );
    const b = await node("node-b");
    assert.equal(b.role, "projector");
    const position = await addBedrift(system, "b1", "Reddet", 1);
    await b.waitFor(position, { signal: AbortSignal.timeout(5000) });
    assert.equal(await navnOf(sql, "b1"), "Reddet");
    // a stays out for a TTL, then keeps seeing b's lease.
    await new Promise((r) => setTimeout(r, 2 * TTL_MS));
    assert.equal(a.role, "standby");
    assert.equal(a.holder, "node-b");
  });
});

Deno.test("projector lease: a read-your-writes wait on the projector survives its hand-over", async () => {
  await withCluster(async ({ system, node }) => {
    const a = await node("node-a");
    const b = await node("node-b");
    const first = await addBedrift(system, "b1", "En", 1);
    await a.waitFor(first, { signal: AbortSignal.timeout(5000) });
    // Wait on a for a commit that comes after a has stopped projecting.
    const waiting = a.waitFor(first + 1, { signal: AbortSignal.timeout(8000) });
    await a.stop();
    await until(() => b.role === "projector", 5 * TTL_MS);
    await addBedrift(system, "b2", "To", 2);
    await waiting;
    assert.ok(await b.position("bedrifter") >= first + 1);
  });
});

Deno.test("projector lease: a holder cut off from the database stands down before its lease expires", async () => {
  const url = new URL(TEST_DATABASE_URL);
  const proxy = TcpProxy.start({
    hostname: url.hostname,
    port: Number(url.port || 5432),
  });
  const viaProxy = new URL(TEST_DATABASE_URL);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  await withCluster(async ({ sql, node, roles }) => {
    // Long enough that a loaded machine's event-loop stalls stay well inside it.
    const ttlMs = 3000;
    const a = await node("node-a", { ttlMs, databaseUrl: viaProxy.href });
    const b = await node("node-b", { ttlMs });
    assert.equal(a.role, "projector");
    const cutAt = Date.now();
    proxy.freeze();
    // a's claims time out after a third of the TTL; it stands down once the
    // next renewal could come too late, before the lease can expire.
    await until(() => a.role === "standby", 3 * ttlMs);
    const [lease] = await sql.query<{ holder: string; live: boolean }>(
      `SELECT holder, clock_timestamp() < expires_at AS live
       FROM ${sqlIdentifier(sql.schema)}.${PROJECTOR_LEASE_TABLE}`,
    );
    assert.deepEqual(
      lease,
      { holder: "node-a", live: true },
      `stood down ${Date.now() - cutAt} ms after the cut`,
    );
    await until(() => b.role === "projector", 4 * ttlMs);
    assert.deepEqual(roles.get("node-a"), ["projector", "standby"]);
    // Stopping does not hang on the cut connection either.
    const stopping = Date.now();
    await a.stop();
    assert.ok(Date.now() - stopping < 3000, "stop hung");
    proxy.unfreeze();
  }, () => proxy.close());
});
