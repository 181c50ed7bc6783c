/**
 * `FeedProcessor`: a handler sees every relevant commit in feed order, at
 * least once; the checkpoint moves only after the handler succeeded (a
 * throwing handler gets the same batch again), survives a restart, and is
 * moved by compare-and-set, so a second instance on the same store resumes
 * where the first one left off.
 */
import assert from "node:assert/strict";
import type { Commit, EventLog } from "../../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import {
  FeedProcessor,
  PROCESSOR_CHECKPOINTS_TABLE,
} from "../../../runtime/projection/mod.ts";
import type { Processor } from "../../../runtime/projection/mod.ts";
import { pgliteFixture } from "../../support/sql_stores.ts";

async function append(log: EventLog, id: string, type: string, n: number) {
  for (let i = 0; i < n; i++) {
    const version = (await log.readStream("thing", id, 0)).length;
    await log.append({
      type: "thing",
      id,
      expectedVersion: version,
      commandId: crypto.randomUUID(),
      events: [{ type, v: 1, data: { i } }],
    });
  }
}

function recorder(
  failFirst = 0,
): Processor & { seen: number[]; attempts: number } {
  const p = {
    name: "recorder",
    eventTypes: ["thing.counted"],
    seen: [] as number[],
    attempts: 0,
    handle(commits: readonly Commit[]): Promise<void> {
      p.attempts++;
      if (p.attempts <= failFirst) {
        return Promise.reject(new Error("not now"));
      }
      p.seen.push(...commits.map((c) => c.position));
      return Promise.resolve();
    },
  };
  return p;
}

Deno.test("feed processor: relevant commits in order, a failing batch retried, the checkpoint kept across a restart", async () => {
  const log = new MemoryEventLog();
  const fixture = pgliteFixture();
  const store = await fixture.open();
  try {
    await append(log, "a", "thing.counted", 3);
    await append(log, "b", "thing.ignored", 2);
    await append(log, "a", "thing.counted", 2);
    const first = recorder(2);
    const one = new FeedProcessor({
      store,
      log,
      processor: first,
      batchSize: 2,
      retryBaseMs: 1,
      retryMaxMs: 5,
    });
    await one.start();
    await one.waitFor(await log.headPosition(), {
      signal: AbortSignal.timeout(10_000),
    });
    assert.deepEqual(first.seen, [1, 2, 3, 6, 7]);
    // Batches of two: [1, 2], [3, 4], [5, 6], [7]; the ignored ones in [4, 5].
    assert.equal(first.attempts, 2 + 4);
    await one.stop();
    const [row] = await store.query(
      `SELECT position FROM ${PROCESSOR_CHECKPOINTS_TABLE} WHERE name = 'recorder'`,
    );
    assert.equal(Number(row.position), 7);
    // Restarted: nothing again until new commits arrive.
    await append(log, "c", "thing.counted", 1);
    const second = recorder();
    const two = new FeedProcessor({ store, log, processor: second });
    await two.start();
    await two.waitFor(8, { signal: AbortSignal.timeout(10_000) });
    assert.deepEqual(second.seen, [8]);
    assert.equal(two.status().state, "live");
    await two.stop();
  } finally {
    await fixture.cleanup();
  }
});

Deno.test("feed processor: batches with nothing for it move the stored checkpoint only now and then, and stop keeps where it got", async () => {
  const log = new MemoryEventLog();
  const fixture = pgliteFixture();
  const store = await fixture.open();
  try {
    await append(log, "a", "thing.counted", 1);
    await append(log, "b", "thing.ignored", 40);
    const p = recorder();
    const processor = new FeedProcessor({
      store,
      log,
      processor: p,
      batchSize: 2,
    });
    await processor.start();
    await processor.waitFor(await log.headPosition(), {
      signal: AbortSignal.timeout(10_000),
    });
    assert.deepEqual(p.seen, [1]);
    assert.equal(processor.status().position, 41);
    const stored = async () =>
      Number(
        (await store.query(
          `SELECT position FROM ${PROCESSOR_CHECKPOINTS_TABLE} WHERE name = 'recorder'`,
        ))[0].position,
      );
    // The batch with the relevant commit was stored; the quiet ones after
    // it are in memory only.
    assert.equal(await stored(), 2);
    await processor.stop();
    assert.equal(await stored(), 41);
  } finally {
    await fixture.cleanup();
  }
});
