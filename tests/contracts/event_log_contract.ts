import assert from "node:assert/strict";
import { ConcurrencyError, UnavailableError } from "../../runtime/core/mod.ts";
import type { AppendRequest, EventLog } from "../../runtime/core/mod.ts";

/** How a backend under test is opened; `reopen` only for durable backends. */
export interface EventLogFixture {
  open(): Promise<EventLog>;
  /** Opens the same store again after `close`, to prove durability. */
  reopen?: () => Promise<EventLog>;
  cleanup?: () => Promise<void>;
}

function req(
  type: string,
  id: string,
  expectedVersion: number,
  commandId: string,
  n = 1,
): AppendRequest {
  return {
    type,
    id,
    expectedVersion,
    commandId,
    events: Array.from({ length: n }, (_, i) => ({
      type: `${type}.happened`,
      v: 1,
      data: { i, text: "blåbærsyltetøy" },
    })),
    meta: { correlationId: `corr-${commandId}` },
  };
}

/** Runs the same `EventLog` cases against one backend. */
export function eventLogContract(
  backend: string,
  fixture: () => EventLogFixture,
  options: { ignore?: boolean; durable?: boolean } = {},
): void {
  const test = (
    name: string,
    fn: (log: EventLog, f: EventLogFixture) => Promise<void>,
  ) =>
    Deno.test({
      name: `EventLog contract [${backend}]: ${name}`,
      ignore: options.ignore,
      async fn() {
        const f = fixture();
        const log = await f.open();
        let closed = false;
        try {
          await fn(log, {
            ...f,
            reopen: f.reopen && (async () => {
              closed = true;
              await log.close();
              return await f.reopen!();
            }),
          });
        } finally {
          if (!closed) await log.close();
          await f.cleanup?.();
        }
      },
    });

  test("a new stream starts at version 1 and the feed at position 1", async (log) => {
    assert.equal(await log.headPosition(), 0);
    const result = await log.append(req("thing", "a", 0, "c1", 2));
    assert.equal(result.version, 1);
    assert.equal(result.position, 1);
    const [commit] = await log.readStream("thing", "a", 0);
    assert.equal(commit.version, 1);
    assert.equal(commit.position, 1);
    assert.equal(commit.commandId, "c1");
    assert.equal(commit.events.length, 2);
    assert.deepEqual(commit.events[1].data, { i: 1, text: "blåbærsyltetøy" });
    assert.equal(commit.meta?.correlationId, "corr-c1");
    assert.equal(await log.headPosition(), 1);
  });

  test("a wrong expected version fails with ConcurrencyError and writes nothing", async (log) => {
    await log.append(req("thing", "a", 0, "c1"));
    await assert.rejects(
      log.append(req("thing", "a", 0, "c2")),
      (e) => e instanceof ConcurrencyError && e.expectedVersion === 0,
    );
    await assert.rejects(
      log.append(req("thing", "a", 5, "c3")),
      ConcurrencyError,
    );
    assert.equal((await log.readStream("thing", "a", 0)).length, 1);
    assert.equal(await log.headPosition(), 1);
  });

  test("readStream returns the tail after a version, in order", async (log) => {
    for (let v = 0; v < 5; v++) await log.append(req("thing", "a", v, `c${v}`));
    await log.append(req("thing", "b", 0, "other"));
    const tail = await log.readStream("thing", "a", 2);
    assert.deepEqual(tail.map((c) => c.version), [3, 4, 5]);
    assert.deepEqual(await log.readStream("thing", "missing", 0), []);
    assert.deepEqual(await log.readStream("other", "a", 0), []);
  });

  test("the feed is gap-free across streams and pages by position", async (log) => {
    await log.append(req("thing", "a", 0, "a1"));
    await log.append(req("thing", "b", 0, "b1"));
    await log.append(req("thing", "a", 1, "a2"));
    await log.append(req("other", "a", 0, "o1"));
    const all = await log.readFeed(0, 100);
    assert.deepEqual(all.map((c) => c.position), [1, 2, 3, 4]);
    assert.deepEqual(all.map((c) => `${c.type}/${c.id}@${c.version}`), [
      "thing/a@1",
      "thing/b@1",
      "thing/a@2",
      "other/a@1",
    ]);
    const page = await log.readFeed(1, 2);
    assert.deepEqual(page.map((c) => c.position), [2, 3]);
    assert.deepEqual(await log.readFeed(4, 10), []);
  });

  test("concurrent appends to many streams all land with distinct gap-free positions", async (log) => {
    const n = 250;
    const results = await Promise.all(
      Array.from(
        { length: n },
        (_, i) => log.append(req("thing", `s${i}`, 0, `c${i}`)),
      ),
    );
    const positions = results.map((r) => r.position).sort((a, b) => a - b);
    assert.deepEqual(positions, Array.from({ length: n }, (_, i) => i + 1));
    const feed = await log.readFeed(0, n + 10);
    assert.equal(feed.length, n);
    assert.deepEqual(
      feed.map((c) => c.position),
      Array.from({ length: n }, (_, i) => i + 1),
    );
    for (const [i, r] of results.entries()) {
      const [commit] = await log.readStream("thing", `s${i}`, 0);
      assert.equal(commit.position, r.position);
    }
  });

  test("concurrent appends at the same version of one stream: exactly one wins", async (log) => {
    await log.append(req("thing", "a", 0, "first"));
    const outcomes = await Promise.allSettled(
      Array.from(
        { length: 10 },
        (_, i) => log.append(req("thing", "a", 1, `race${i}`)),
      ),
    );
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.filter((o) => o.status === "rejected");
    assert.equal(won.length, 1);
    for (const o of lost) {
      assert.ok(
        (o as PromiseRejectedResult).reason instanceof ConcurrencyError,
      );
    }
    const stream = await log.readStream("thing", "a", 0);
    assert.deepEqual(stream.map((c) => c.version), [1, 2]);
    assert.equal(await log.headPosition(), 2);
  });

  test("a stale append among good ones fails alone", async (log) => {
    await log.append(req("thing", "a", 0, "a1"));
    const [good1, stale, good2] = await Promise.allSettled([
      log.append(req("thing", "b", 0, "b1")),
      log.append(req("thing", "a", 0, "stale")),
      log.append(req("thing", "c", 0, "c1")),
    ]);
    assert.equal(good1.status, "fulfilled");
    assert.equal(good2.status, "fulfilled");
    assert.equal(stale.status, "rejected");
    assert.ok(
      (stale as PromiseRejectedResult).reason instanceof ConcurrencyError,
    );
    const feed = await log.readFeed(0, 10);
    assert.deepEqual(feed.map((c) => c.position), [1, 2, 3]);
  });

  test("snapshots are saved, replaced and loaded; unknown is null", async (log) => {
    assert.equal(await log.loadSnapshot("thing", "a"), null);
    const snap = {
      version: 3,
      position: 7,
      stateVersion: 1,
      state: { total: "12.50", names: ["Ås"] },
      recent: [{ commandId: "c3", version: 3, position: 7, events: [] }],
    };
    await log.saveSnapshot("thing", "a", snap);
    assert.deepEqual(await log.loadSnapshot("thing", "a"), snap);
    await log.saveSnapshot("thing", "a", { ...snap, version: 4 });
    assert.equal((await log.loadSnapshot("thing", "a"))?.version, 4);
    assert.equal(await log.loadSnapshot("thing", "b"), null);
  });

  test(
    "a snapshot over 64 KiB (Deno KV's value limit) is saved, loaded after reopen and replaced by a small one",
    async (log, f) => {
      // ~250 KiB of state: a kontroll of 150 recorded points is ~44 KiB, an
      // invoice of 200 lines more than 64 KiB.
      const big = {
        version: 150,
        position: 900,
        stateVersion: 2,
        state: {
          lines: Array.from({ length: 2000 }, (_, i) => ({
            lineId: `line-${i}`,
            beskrivelse: `Kjøretime ${i} — glatt føre på Ås`,
            belop: `${i}.50`,
          })),
        },
        recent: [{
          commandId: "c150",
          version: 150,
          position: 900,
          events: [],
        }],
      };
      await log.saveSnapshot("thing", "big", big);
      assert.deepEqual(await log.loadSnapshot("thing", "big"), big);
      const reopened = f.reopen ? await f.reopen() : log;
      assert.deepEqual(await reopened.loadSnapshot("thing", "big"), big);
      const small = { ...big, version: 151, state: { lines: [] } };
      await reopened.saveSnapshot("thing", "big", small);
      assert.deepEqual(await reopened.loadSnapshot("thing", "big"), small);
      const bigger = {
        ...big,
        version: 152,
        state: { lines: [...big.state.lines, ...big.state.lines] },
      };
      await reopened.saveSnapshot("thing", "big", bigger);
      assert.deepEqual(await reopened.loadSnapshot("thing", "big"), bigger);
      if (reopened !== log) await reopened.close();
    },
  );

  test("watchers hear the new head position", async (log) => {
    const heard: number[] = [];
    const stop = log.watch((p) => heard.push(p));
    await log.append(req("thing", "a", 0, "c1"));
    await log.append(req("thing", "a", 1, "c2"));
    await new Promise((r) => setTimeout(r, 20));
    stop();
    await log.append(req("thing", "a", 2, "c3"));
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(heard.includes(2), `heard ${heard}`);
    assert.ok(!heard.includes(3), `heard ${heard}`);
  });

  test("a closed log answers UnavailableError", async (log, f) => {
    if (!f.reopen) {
      await log.close();
      await assert.rejects(
        log.append(req("thing", "a", 0, "c1")),
        UnavailableError,
      );
      return;
    }
    await log.append(req("thing", "a", 0, "c1"));
    const again = await f.reopen!();
    try {
      await assert.rejects(
        log.append(req("thing", "a", 1, "c2")),
        UnavailableError,
      );
    } finally {
      await again.close();
    }
  });

  if (!options.durable) return;

  test("commits survive a close and reopen", async (log, f) => {
    await log.append(req("thing", "a", 0, "c1"));
    await log.append(req("thing", "b", 0, "c2"));
    await log.saveSnapshot("thing", "a", {
      version: 1,
      position: 1,
      stateVersion: 1,
      state: 1,
      recent: [],
    });
    const again = await f.reopen!();
    try {
      assert.equal(await again.headPosition(), 2);
      assert.equal((await again.readStream("thing", "a", 0)).length, 1);
      assert.equal((await again.loadSnapshot("thing", "a"))?.version, 1);
      const next = await again.append(req("thing", "a", 1, "c3"));
      assert.equal(next.position, 3);
      assert.equal(next.version, 2);
    } finally {
      await again.close();
    }
  });
}
