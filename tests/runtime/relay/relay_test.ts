import assert from "node:assert/strict";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { KvFeedCheckpoints } from "../../../runtime/log/kv/mod.ts";
import { FeedRelay, relayMetrics } from "../../../runtime/relay/mod.ts";
import type {
  PositionedIntegrationEvent,
  RelaySink,
} from "../../../runtime/relay/mod.ts";
import type { Commit } from "../../../runtime/core/mod.ts";
import { append, counted, created, thingMapper } from "./support.ts";

const mapper = thingMapper;

/** Keeps what it is given once per id, as JetStream's dedup would; can fail on demand. */
class RecordingSink implements RelaySink {
  readonly stored: PositionedIntegrationEvent[] = [];
  readonly ids = new Set<string>();
  duplicates = 0;
  failNext = 0;
  publish(events: readonly PositionedIntegrationEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error("NATS is away"));
    }
    for (const event of events) {
      if (this.ids.has(event.id)) this.duplicates++;
      else {
        this.ids.add(event.id);
        this.stored.push(event);
      }
    }
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function withKv(fn: (kv: Deno.Kv) => Promise<void>): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

Deno.test("relay: each commit's integration events go out in feed order as <position>-<index>, with the commit's traceparent, and the checkpoint follows the ack", () =>
  withKv(async (kv) => {
    const log = new MemoryEventLog();
    const checkpoints = new KvFeedCheckpoints(kv);
    const sink = new RecordingSink();
    await append(log, "a", 1, [created("b1"), counted(1)]);
    await append(log, "b", 1, [created("b2")]);
    await append(log, "a", 2, [
      counted(2),
      { type: "thing.noted", data: {} },
      counted(3),
    ]);
    const relay = new FeedRelay({
      log,
      checkpoints,
      mapper,
      sink,
      batchSize: 2,
    });
    await relay.start();
    try {
      await relay.waitFor(3, { signal: AbortSignal.timeout(10_000) });
      assert.deepEqual(
        sink.stored.map((e) => [e.id, e.tenant, e.subject, e.data.n]),
        [["1-0", "b1", "a", 1], ["3-0", "b1", "a", 2], ["3-1", "b1", "a", 3]],
      );
      assert.equal(sink.stored[0].traceparent?.slice(0, 5), "00-aa");
      assert.equal((await checkpoints.load("integration"))?.position, 3);
      // A commit after the start is relayed as it lands.
      const p = await append(log, "b", 2, [counted(4)]);
      await relay.waitFor(p, { signal: AbortSignal.timeout(10_000) });
      assert.equal(sink.stored.at(-1)?.tenant, "b2");
      const status = relay.status();
      assert.equal(status.published, 4);
      assert.match(
        relayMetrics(status, 6),
        /tms_relay_lag_positions\{relay="integration"\} 2/,
      );
      assert.match(
        relayMetrics(status, 4),
        /tms_relay_published_total\{relay="integration"\} 4/,
      );
      assert.match(relayMetrics(null, 4), /^tms_relay_active 0$/m);
    } finally {
      await relay.stop();
    }
  }));

Deno.test("relay: a failed publish is retried and the checkpoint does not move until the sink acknowledges", () =>
  withKv(async (kv) => {
    const log = new MemoryEventLog();
    const checkpoints = new KvFeedCheckpoints(kv);
    const sink = new RecordingSink();
    sink.failNext = 3;
    await append(log, "a", 1, [created("b1"), counted(1)]);
    const relay = new FeedRelay({ log, checkpoints, mapper, sink });
    await relay.start();
    try {
      while (relay.status().failures < 2) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(await checkpoints.load("integration"), null);
      assert.equal(relay.status().failed, "NATS is away");
      await relay.waitFor(1, { signal: AbortSignal.timeout(20_000) });
      assert.equal(sink.failNext, 0);
      assert.equal(sink.stored.length, 1);
      assert.equal(relay.status().failed, null);
    } finally {
      await relay.stop();
    }
  }));

Deno.test("relay: killed between publish and checkpoint, a fresh relay publishes the batch again under the same ids, so the sink keeps each event once", () =>
  withKv(async (kv) => {
    const log = new MemoryEventLog();
    const checkpoints = new KvFeedCheckpoints(kv);
    const sink = new RecordingSink();
    for (let i = 1; i <= 5; i++) {
      await append(log, `t${i}`, 1, [created("b1"), counted(i)]);
    }
    let crashed: () => void;
    const crash = new Promise<void>((resolve) => crashed = resolve);
    const first = new FeedRelay({
      log,
      checkpoints,
      mapper,
      sink,
      batchSize: 3,
      afterPublish: () => {
        crashed();
        // The process dies here: nothing after this runs.
        return new Promise<never>(() => {});
      },
    });
    await first.start();
    await crash;
    assert.equal(sink.stored.length, 3);
    assert.equal(await checkpoints.load("integration"), null);
    // The dead relay is abandoned, its batch never checkpointed; a new one starts.
    const second = new FeedRelay({
      log,
      checkpoints,
      mapper,
      sink,
      batchSize: 3,
    });
    await second.start();
    try {
      await second.waitFor(5, { signal: AbortSignal.timeout(10_000) });
      assert.deepEqual(sink.stored.map((e) => e.id), [
        "1-0",
        "2-0",
        "3-0",
        "4-0",
        "5-0",
      ]);
      assert.equal(sink.duplicates, 3);
    } finally {
      await second.stop();
      // The dead one's loop never returns; stopping it only unhooks its watch.
      void first.stop();
    }
  }));

Deno.test("relay: started after a stream began, it reads the stream's first commit for its origin (once)", () =>
  withKv(async (kv) => {
    const log = new MemoryEventLog();
    const checkpoints = new KvFeedCheckpoints(kv);
    await append(log, "a", 1, [created("b7")]);
    await checkpoints.save("integration", 1, null);
    await append(log, "a", 2, [counted(1)]);
    await append(log, "a", 3, [counted(2)]);
    const sink = new RecordingSink();
    const relay = new FeedRelay({ log, checkpoints, mapper, sink });
    await relay.start();
    try {
      await relay.waitFor(3, { signal: AbortSignal.timeout(10_000) });
      assert.deepEqual(sink.stored.map((e) => [e.id, e.tenant]), [
        ["2-0", "b7"],
        ["3-0", "b7"],
      ]);
      assert.equal(relay.origins.lookups, 1);
    } finally {
      await relay.stop();
    }
  }));

Deno.test("relay: a mapping that fails halts the relay at that commit (retried), never skips it", () =>
  withKv(async (kv) => {
    const log = new MemoryEventLog();
    const checkpoints = new KvFeedCheckpoints(kv);
    await append(log, "a", 1, [created("b1"), counted(1)]);
    await append(log, "a", 2, [counted(2)]);
    let broken = true;
    const relay = new FeedRelay({
      log,
      checkpoints,
      mapper: {
        ...mapper,
        map: (commit: Commit, origin) => {
          if (broken && commit.position === 2) throw new Error("cannot map");
          return mapper.map(commit, origin);
        },
      },
      sink: new RecordingSink(),
      batchSize: 1,
    });
    await relay.start();
    try {
      await relay.waitFor(1, { signal: AbortSignal.timeout(10_000) });
      while (relay.status().failures < 2) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(relay.position, 1);
      assert.equal(relay.status().failed, "cannot map");
      broken = false;
      await relay.waitFor(2, { signal: AbortSignal.timeout(20_000) });
    } finally {
      await relay.stop();
    }
  }));

Deno.test("relay checkpoints (Deno KV): revision-checked — a writer with a stale revision is refused", () =>
  withKv(async (kv) => {
    const checkpoints = new KvFeedCheckpoints(kv);
    const first = await checkpoints.save("integration", 5, null);
    await assert.rejects(() => checkpoints.save("integration", 6, null), {
      name: "ConcurrencyError",
    });
    const second = await checkpoints.save("integration", 7, first);
    await assert.rejects(() => checkpoints.save("integration", 8, first), {
      name: "ConcurrencyError",
    });
    assert.deepEqual(await checkpoints.load("integration"), {
      position: 7,
      revision: second,
    });
    assert.deepEqual(await checkpoints.list(), { integration: 7 });
  }));
