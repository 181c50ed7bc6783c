import assert from "node:assert/strict";
import { ConcurrencyError } from "../../../runtime/core/mod.ts";
import { KvEventLog } from "../../../runtime/log/kv/mod.ts";
import type { AppendRequest } from "../../../runtime/core/mod.ts";

function req(
  id: string,
  expectedVersion: number,
  commandId = `${id}-${expectedVersion}`,
): AppendRequest {
  return {
    type: "thing",
    id,
    expectedVersion,
    commandId,
    events: [{ type: "thing.happened", v: 1, data: { n: expectedVersion } }],
  };
}

async function withDir(fn: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "tms-kvlog-" });
  try {
    await fn(`${dir}/events.kv`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("Deno KV log: concurrent appends are group-committed in few atomics", async () => {
  await withDir(async (path) => {
    const log = await KvEventLog.open(path);
    try {
      await Promise.all(
        Array.from({ length: 600 }, (_, i) => log.append(req(`s${i}`, 0))),
      );
      const { atomics, commits } = log.stats();
      assert.equal(commits, 600);
      assert.ok(atomics <= 60, `${atomics} atomics for 600 commits`);
    } finally {
      await log.close();
    }
  });
});

Deno.test("Deno KV log: streams read the same from memory, from the index and from both", async () => {
  await withDir(async (path) => {
    const log = await KvEventLog.open(path, { indexIntervalMs: 60_000 });
    for (let v = 0; v < 5; v++) await log.append(req("a", v));
    assert.equal(log.stats().unindexed, 5);
    const fromMemory = await log.readStream("thing", "a", 0);
    await log.close(); // flushes the index
    const again = await KvEventLog.open(path, { indexIntervalMs: 60_000 });
    try {
      assert.equal(again.stats().unindexed, 0);
      const fromIndex = await again.readStream("thing", "a", 0);
      assert.deepEqual(fromIndex, fromMemory);
      for (let v = 5; v < 8; v++) await again.append(req("a", v));
      const mixed = await again.readStream("thing", "a", 3);
      assert.deepEqual(mixed.map((c) => c.version), [4, 5, 6, 7, 8]);
      assert.deepEqual(mixed.slice(0, 2), fromMemory.slice(3));
      await assert.rejects(
        again.append(req("a", 5, "stale")),
        ConcurrencyError,
      );
    } finally {
      await again.close();
    }
  });
});

Deno.test("Deno KV log: commits not yet indexed are recovered from the feed (crash before the index flush)", async () => {
  await withDir(async (path) => {
    const writer = await KvEventLog.open(path, { indexIntervalMs: 60_000 });
    try {
      for (let v = 0; v < 4; v++) await writer.append(req("a", v));
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => writer.append(req(`b${i}`, 0))),
      );
      // A second instance opening the same file sees only the feed: the
      // writer never flushed its index, exactly as after a kill -9.
      const survivor = await KvEventLog.open(path, { indexIntervalMs: 60_000 });
      try {
        assert.equal(survivor.stats().unindexed, 104);
        assert.deepEqual(
          (await survivor.readStream("thing", "a", 1)).map((c) => c.version),
          [2, 3, 4],
        );
        assert.equal((await survivor.readStream("thing", "b99", 0)).length, 1);
        assert.equal(await survivor.headPosition(), 104);
      } finally {
        await survivor.close();
      }
    } finally {
      await writer.close();
    }
  });
});

Deno.test("Deno KV log: two writers on one file never fork a stream; the stale one recovers", async () => {
  await withDir(async (path) => {
    const one = await KvEventLog.open(path);
    const two = await KvEventLog.open(path);
    try {
      await one.append(req("a", 0, "one-1"));
      // `two` has not seen one's write: its append at version 0 must fail.
      await assert.rejects(two.append(req("a", 0, "two-1")), ConcurrencyError);
      assert.ok(two.stats().recoveries >= 2);
      const next = await two.append(req("a", 1, "two-2"));
      assert.equal(next.version, 2);
      assert.equal(next.position, 2);
      // and now `one` is the stale one
      await assert.rejects(one.append(req("a", 1, "one-2")), ConcurrencyError);
      const stream = await one.readStream("thing", "a", 0);
      assert.deepEqual(stream.map((c) => c.commandId), ["one-1", "two-2"]);
      const feed = await one.readFeed(0, 10);
      assert.deepEqual(feed.map((c) => c.position), [1, 2]);
    } finally {
      await one.close();
      await two.close();
    }
  });
});

Deno.test("Deno KV log: a commit over the size limit is refused with RangeError", async () => {
  await withDir(async (path) => {
    const log = await KvEventLog.open(path);
    try {
      const big = {
        ...req("a", 0),
        events: [{ type: "x", v: 1, data: "y".repeat(40_000) }],
      };
      await assert.rejects(log.append(big), RangeError);
      const bigUtf16 = {
        ...req("a", 0),
        events: [{ type: "x", v: 1, data: "€".repeat(20_000) }],
      };
      await assert.rejects(log.append(bigUtf16), RangeError);
      assert.equal((await log.append(req("a", 0))).version, 1);
    } finally {
      await log.close();
    }
  });
});

Deno.test("Deno KV log: reading the feed across chunk boundaries is exact", async () => {
  await withDir(async (path) => {
    const log = await KvEventLog.open(path);
    try {
      await Promise.all(
        Array.from({ length: 300 }, (_, i) => log.append(req(`s${i}`, 0))),
      );
      // The writer serves recent commits from memory, another instance from the chunks.
      const reader = await KvEventLog.open(path);
      try {
        for (
          const [after, limit] of [[0, 300], [63, 10], [127, 129], [290, 50]]
        ) {
          assert.deepEqual(
            await reader.readFeed(after, limit),
            await log.readFeed(after, limit),
          );
        }
      } finally {
        await reader.close();
      }
      for (
        const [after, limit] of [[0, 300], [63, 10], [64, 1], [127, 129], [
          299,
          5,
        ], [150, 0]]
      ) {
        const page = await log.readFeed(after, limit);
        const expected = Array.from(
          { length: Math.max(0, Math.min(limit, 300 - after)) },
          (_, i) => after + 1 + i,
        );
        assert.deepEqual(
          page.map((c) => c.position),
          expected,
          `after ${after} limit ${limit}`,
        );
      }
    } finally {
      await log.close();
    }
  });
});

Deno.test("Deno KV log: a snapshot in parts keeps only its own parts; one over the atomic's limit is refused", async () => {
  await withDir(async (path) => {
    const log = await KvEventLog.open(path);
    const snapshot = (version: number, kib: number) => ({
      version,
      position: version,
      stateVersion: 1,
      state: { text: "x".repeat(kib * 1024) },
      recent: [],
    });
    try {
      await log.saveSnapshot("thing", "a", snapshot(10, 200));
      await log.saveSnapshot("thing", "a", snapshot(20, 300));
      assert.equal((await log.loadSnapshot("thing", "a"))?.version, 20);
      const kv = await Deno.openKv(path);
      try {
        const parts: Deno.KvKey[] = [];
        for await (const e of kv.list({ prefix: ["snapshot_part"] })) {
          parts.push(e.key);
        }
        assert.ok(parts.length >= 5, `parts ${parts.length}`);
        assert.ok(parts.every((k) => k[3] === 20), "only version 20's parts");
      } finally {
        kv.close();
      }
      await assert.rejects(
        log.saveSnapshot("thing", "a", snapshot(30, 900)),
        RangeError,
      );
      assert.equal((await log.loadSnapshot("thing", "a"))?.version, 20);
    } finally {
      await log.close();
    }
  });
});
