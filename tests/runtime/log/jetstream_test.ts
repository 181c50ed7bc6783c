import assert from "node:assert/strict";
import { jetstreamManager, natsConnect } from "../../../deps.ts";
import {
  ConcurrencyError,
  JetStreamNames,
  UnavailableError,
} from "../../../runtime/core/mod.ts";
import { JetStreamEventLog } from "../../../runtime/log/jetstream/mod.ts";
import type { AppendRequest, EventLog } from "../../../runtime/core/mod.ts";
import type { JetStreamEventLogOptions } from "../../../runtime/log/jetstream/mod.ts";
import { eventLogContract } from "../../contracts/event_log_contract.ts";
import { NatsCluster, NatsServer } from "../../support/mod.ts";

/** Opens a log on a fresh single server; the fixture owns both. */
function singleServerFixture(options: JetStreamEventLogOptions = {}) {
  let server: NatsServer | undefined;
  return {
    async open() {
      server = await NatsServer.start();
      try {
        return await JetStreamEventLog.connect({
          servers: server.url,
          ...options,
        });
      } catch (error) {
        await server.dispose();
        throw error;
      }
    },
    reopen: () => JetStreamEventLog.connect({ servers: server!.url }),
    cleanup: () => server?.dispose() ?? Promise.resolve(),
    get server() {
      return server!;
    },
  };
}

// (a) One JetStream server per test, on a free port with its own store.
eventLogContract("jetstream", () => singleServerFixture(), { durable: true });

// (b) A 3-server JetStream cluster shared by the file; each test gets a fresh
// R3 stream and bucket. Started at load so that its processes belong to no test.
const cluster = await NatsCluster.start({ size: 3 });
globalThis.addEventListener("unload", () => cluster.killSync());

async function dropStreams(urls: string[]): Promise<void> {
  const nc = await natsConnect({ servers: urls });
  try {
    const jsm = await jetstreamManager(nc);
    for (
      const name of [JetStreamNames.stream, `KV_${JetStreamNames.snapshots}`]
    ) {
      await jsm.streams.delete(name).catch(() => false);
    }
  } finally {
    await nc.close();
  }
}

eventLogContract("jetstream-cluster-r3", () => ({
  open: () => JetStreamEventLog.connect({ servers: cluster.urls, replicas: 3 }),
  reopen: () =>
    JetStreamEventLog.connect({ servers: cluster.urls, replicas: 3 }),
  cleanup: () => dropStreams(cluster.urls),
}), { durable: true });

function req(
  id: string,
  expectedVersion: number,
  commandId: string,
  type = "thing",
): AppendRequest {
  return {
    type,
    id,
    expectedVersion,
    commandId,
    events: [{ type: `${type}.happened`, v: 1, data: { commandId } }],
  };
}

async function streamMessages(urls: string[]): Promise<number> {
  const nc = await natsConnect({ servers: urls });
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(JetStreamNames.stream)).state.messages;
  } finally {
    await nc.close();
  }
}

async function dedupCase(log: EventLog, urls: string[]): Promise<void> {
  const first = await log.append(req("a", 0, "same"));
  const again = await log.append(req("a", 0, "same"));
  assert.equal(again.duplicate, true);
  assert.equal(again.position, first.position);
  assert.equal(again.version, 1);
  assert.equal(again.timestamp, first.timestamp);
  assert.equal(await streamMessages(urls), 1);
  // A retry after the stream moved on is still recognised.
  await log.append(req("a", 1, "next"));
  const late = await log.append(req("a", 1, "next"));
  assert.equal(late.duplicate, true);
  assert.equal(late.version, 2);
  const stale = await log.append(req("a", 0, "same"));
  assert.equal(stale.duplicate, true);
  assert.equal(stale.position, first.position);
  assert.equal(await streamMessages(urls), 2);
  assert.deepEqual(
    (await log.readStream("thing", "a", 0)).map((c) => c.commandId),
    ["same", "next"],
  );
  // Dedup is per stream version: the same id elsewhere is a new command, a
  // new id at a taken version is a conflict.
  assert.equal((await log.append(req("b", 0, "same"))).duplicate, undefined);
  await assert.rejects(log.append(req("a", 0, "fresh")), ConcurrencyError);
  await assert.rejects(log.append(req("a", 1, "fresh")), ConcurrencyError);
}

Deno.test("JetStreamEventLog: the same command id twice writes one message", async () => {
  const f = singleServerFixture();
  const log = await f.open();
  try {
    await dedupCase(log, [f.server.url]);
  } finally {
    await log.close();
    await f.cleanup();
  }
});

Deno.test("JetStreamEventLog [cluster]: the same command id twice writes one message", async () => {
  const log = await JetStreamEventLog.connect({
    servers: cluster.urls,
    replicas: 3,
  });
  try {
    await dedupCase(log, cluster.urls);
  } finally {
    await log.close();
    await dropStreams(cluster.urls);
  }
});

Deno.test("JetStreamEventLog [cluster]: writers on different connections racing for one version: exactly one wins", async () => {
  // One node provisions the stream; the others join it (node start-up races
  // are retried inside `connect`, at the price of a request timeout).
  const connect = (url: string) =>
    JetStreamEventLog.connect({ servers: url, replicas: 3 });
  const first = await connect(cluster.servers[0].url);
  const logs = [
    first,
    ...await Promise.all(cluster.servers.slice(1).map((s) => connect(s.url))),
  ];
  try {
    for (let version = 0; version < 5; version++) {
      const outcomes = await Promise.allSettled(
        logs.flatMap((log, n) =>
          Array.from(
            { length: 4 },
            (_, i) => log.append(req("race", version, `r${version}-${n}-${i}`)),
          )
        ),
      );
      const won = outcomes.filter((o) => o.status === "fulfilled");
      assert.equal(won.length, 1, `version ${version + 1}`);
      for (const o of outcomes) {
        if (o.status === "rejected") {
          assert.ok(o.reason instanceof ConcurrencyError, String(o.reason));
        }
      }
    }
    const commits = await logs[0].readStream("thing", "race", 0);
    assert.deepEqual(commits.map((c) => c.version), [1, 2, 3, 4, 5]);
    assert.equal(await streamMessages(cluster.urls), 5);
  } finally {
    await Promise.all(logs.map((log) => log.close()));
    await dropStreams(cluster.urls);
  }
});

Deno.test("JetStreamEventLog: subject-unsafe types and ids are refused", async () => {
  const f = singleServerFixture();
  const log = await f.open();
  try {
    for (const id of ["a.b", "a*", "a>", ">", "a b", "a\tb", "a\nb", ""]) {
      await assert.rejects(log.append(req(id, 0, `c-${id}`)), TypeError);
      await assert.rejects(log.readStream("thing", id, 0), TypeError);
      await assert.rejects(log.loadSnapshot("thing", id), TypeError);
    }
    await assert.rejects(log.append(req("a", 0, "c", "th.ing")), TypeError);
    await assert.rejects(log.readStream("*", "a", 0), TypeError);
    await assert.rejects(
      log.saveSnapshot("thing", "a b", {
        version: 1,
        position: 1,
        stateVersion: 1,
        state: null,
        recent: [],
      }),
      TypeError,
    );
    assert.equal(await log.headPosition(), 0);
    // Safe but unusual ids work, snapshots included.
    await log.append(req("org:9#ø", 0, "ok"));
    assert.equal((await log.readStream("thing", "org:9#ø", 0)).length, 1);
    const snap = {
      version: 1,
      position: 1,
      stateVersion: 1,
      state: "ø",
      recent: [],
    };
    await log.saveSnapshot("thing", "org:9#ø", snap);
    assert.deepEqual(await log.loadSnapshot("thing", "org:9#ø"), snap);
  } finally {
    await log.close();
    await f.cleanup();
  }
});

Deno.test("JetStreamEventLog: two clients share versions, fences and the feed watch", async () => {
  const f = singleServerFixture();
  const a = await f.open();
  const b = await JetStreamEventLog.connect({ servers: f.server.url });
  try {
    const heard: number[] = [];
    const stop = b.watch((p) => heard.push(p));
    await a.append(req("x", 0, "a1"));
    await b.append(req("x", 1, "b2")); // b has no cache: recovers seq of v1
    await a.append(req("x", 2, "a3")); // a's cache is behind: refreshes
    await assert.rejects(a.append(req("x", 2, "a3bis")), ConcurrencyError);
    await assert.rejects(b.append(req("x", 0, "b-new")), ConcurrencyError);
    await a.append(req("y", 0, "a-y"));
    const deadline = Date.now() + 5_000;
    while (!heard.includes(4) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    stop();
    assert.ok(heard.includes(4), `b heard ${heard}`);
    assert.deepEqual(
      (await b.readStream("thing", "x", 0)).map((c) => [c.version, c.position]),
      [[1, 1], [2, 2], [3, 3]],
    );
  } finally {
    await b.close();
    await a.close();
    await f.cleanup();
  }
});

Deno.test("JetStreamEventLog: long streams and large pages stream through ordered consumers", async () => {
  const f = singleServerFixture({ scanThreshold: 8 });
  const log = await f.open();
  try {
    const n = 40;
    for (let v = 0; v < n; v++) {
      await Promise.all([
        log.append(req("long", v, `l${v}`)),
        log.append(req(`other${v}`, 0, `o${v}`)),
      ]);
    }
    const versions = (from: number) =>
      log.readStream("thing", "long", from).then((cs) =>
        cs.map((c) => c.version)
      );
    const range = (a: number, b: number) =>
      Array.from({ length: b - a + 1 }, (_, i) => a + i);
    assert.deepEqual(await versions(0), range(1, n)); // consumer from the start
    assert.deepEqual(await versions(37), range(38, n)); // short tail: gets
    assert.deepEqual(await versions(n), []);
    // A snapshot anchors the tail at its commit's position.
    const [at20] = await log.readStream("thing", "long", 19);
    await log.saveSnapshot("thing", "long", {
      version: 20,
      position: at20.position,
      stateVersion: 1,
      state: null,
      recent: [],
    });
    const fresh = await JetStreamEventLog.connect({
      servers: f.server.url,
      scanThreshold: 8,
    });
    try {
      assert.equal((await fresh.loadSnapshot("thing", "long"))?.version, 20);
      const tail = await fresh.readStream("thing", "long", 20);
      assert.deepEqual(tail.map((c) => c.version), range(21, n));
      // Without an anchor the middle of a stream is found as well.
      const other = await JetStreamEventLog.connect({ servers: f.server.url });
      try {
        const mid = await other.readStream("thing", "long", 25);
        assert.deepEqual(mid.map((c) => c.version), range(26, n));
      } finally {
        await other.close();
      }
    } finally {
      await fresh.close();
    }
    const feed = await log.readFeed(0, 1000);
    assert.deepEqual(feed.map((c) => c.position), range(1, 2 * n));
    const page = await log.readFeed(10, 25);
    assert.deepEqual(page.map((c) => c.position), range(11, 35));
    assert.deepEqual(
      (await log.readFeed(2 * n - 3, 5)).map((c) => c.position),
      range(2 * n - 2, 2 * n),
    );
  } finally {
    await log.close();
    await f.cleanup();
  }
});

Deno.test("JetStreamEventLog: a killed server answers UnavailableError, a restarted one resumes", async () => {
  const f = singleServerFixture({ requestTimeoutMs: 500, retryAfter: 2 });
  const log = await f.open();
  try {
    await log.append(req("a", 0, "c1"));
    await f.server.kill();
    const failure = await log.append(req("a", 1, "c2")).then(
      () => null,
      (e) => e,
    );
    assert.ok(failure instanceof UnavailableError, String(failure));
    assert.equal(failure.retryAfter, 2);
    await assert.rejects(log.readFeed(0, 10), UnavailableError);
    await f.server.restart();
    const deadline = Date.now() + 10_000;
    let result;
    while (!result) {
      try {
        result = await log.append(req("a", 1, "c2"));
      } catch (error) {
        if (!(error instanceof UnavailableError) || Date.now() > deadline) {
          throw error;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.deepEqual([result.version, result.position], [2, 2]);
    assert.equal((await log.readStream("thing", "a", 0)).length, 2);
  } finally {
    await log.close();
    await f.cleanup();
  }
});

Deno.test("JetStreamEventLog [cluster]: appends survive kill -9 of the stream leader", async () => {
  const own = await NatsCluster.start({ size: 3 });
  const log = await JetStreamEventLog.connect({
    servers: own.urls,
    replicas: 3,
    requestTimeoutMs: 1_000,
  });
  try {
    const nc = await natsConnect({ servers: own.urls });
    let leader: string | undefined;
    try {
      const jsm = await jetstreamManager(nc);
      await log.append(req("a", 0, "c1"));
      leader = (await jsm.streams.info(JetStreamNames.stream)).cluster?.leader;
    } finally {
      await nc.close();
    }
    const victim = own.servers.find((s) => s.name === leader);
    assert.ok(victim, `leader ${leader}`);
    await victim.kill();
    const deadline = Date.now() + 20_000;
    let version = 1;
    while (version < 3) {
      try {
        version = (await log.append(req("a", version, `c${version + 1}`)))
          .version;
      } catch (error) {
        if (
          !(error instanceof UnavailableError || error instanceof
              ConcurrencyError) || Date.now() > deadline
        ) {
          throw error;
        }
        await new Promise((r) => setTimeout(r, 100));
        if (error instanceof ConcurrencyError) {
          version = (await log.readStream("thing", "a", 0)).length;
        }
      }
    }
    const commits = await log.readStream("thing", "a", 0);
    assert.deepEqual(commits.map((c) => c.version), [1, 2, 3]);
    assert.deepEqual(commits.map((c) => c.position), [1, 2, 3]);
    await victim.restart();
  } finally {
    await log.close();
    await own.dispose();
  }
});

Deno.test({
  name: "JetStreamEventLog [cluster]: stop the shared cluster",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () => cluster.dispose(),
});
