/**
 * The realtime hub over a real (in-memory) log: live fan-out in feed order,
 * resume after any message id with the commits in between replayed and
 * nothing missed or doubled while writes go on, a cursor ahead of the hub,
 * the subscriber's filter, and the backlog bound that cuts a slow
 * subscriber off instead of buffering without end.
 */
import assert from "node:assert/strict";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { RealtimeHub } from "../../../runtime/realtime/mod.ts";
import type {
  FeedMapper,
  FeedMessage,
  Subscription,
} from "../../../runtime/realtime/mod.ts";
import type { Commit } from "../../../runtime/core/mod.ts";

/** One message per event; the audience is the stream type. */
const mapper: FeedMapper<string> & { mapped: number } = {
  mapped: 0,
  map(commits: readonly Commit[]) {
    this.mapped += commits.length;
    return Promise.resolve(commits.flatMap((c) =>
      c.events.map((e, index) => ({
        id: `${c.position}-${index}`,
        position: c.position,
        index,
        type: e.type,
        body: JSON.stringify({ id: `${c.position}-${index}`, type: e.type }),
        audience: c.type,
        committedAt: c.timestamp,
      }))
    ));
  },
};

const versionsOf = new WeakMap<MemoryEventLog, Map<string, number>>();
async function write(log: MemoryEventLog, type: string, id: string, n = 2) {
  const versions = versionsOf.get(log) ?? new Map<string, number>();
  versionsOf.set(log, versions);
  const key = `${type}/${id}`;
  const version = versions.get(key) ?? 0;
  versions.set(key, version + 1);
  await log.append({
    type,
    id,
    expectedVersion: version,
    commandId: crypto.randomUUID(),
    events: Array.from({ length: n }, (_, i) => ({
      type: `${type}.e${i}`,
      v: 1,
      data: {},
    })),
  });
}

async function take(
  subscription: Subscription<string>,
  count: number,
): Promise<FeedMessage<string>[]> {
  const out: FeedMessage<string>[] = [];
  while (out.length < count) {
    const message = await subscription.next();
    if (message === null) break;
    out.push(message);
  }
  return out;
}

const ids = (messages: FeedMessage[]) => messages.map((m) => m.id);

Deno.test("hub: live messages in feed order, filtered by the subscriber", async () => {
  const log = new MemoryEventLog();
  await write(log, "a", "1");
  const hub = new RealtimeHub({ log, mapper, pollIntervalMs: 50 });
  await hub.start();
  try {
    assert.equal(hub.position, 1);
    const all = hub.subscribe({ accepts: () => true });
    const onlyB = hub.subscribe({ accepts: (m) => m.audience === "b" });
    await write(log, "a", "1");
    await write(log, "b", "1");
    await write(log, "a", "2", 1);
    assert.deepEqual(ids(await take(all, 5)), [
      "2-0",
      "2-1",
      "3-0",
      "3-1",
      "4-0",
    ]);
    assert.deepEqual(ids(await take(onlyB, 2)), ["3-0", "3-1"]);
    all.close();
    assert.equal(await all.next(), null);
    assert.equal((await all.ended).reason, "closed");
    assert.equal(hub.stats().subscribers, 1);
  } finally {
    await hub.stop();
  }
  assert.equal(await log.headPosition(), 4);
});

Deno.test("hub: resume after an id replays the log, then goes live, nothing missed or doubled", async () => {
  const log = new MemoryEventLog();
  for (let i = 0; i < 30; i++) await write(log, "a", `s${i % 3}`, 3);
  const hub = new RealtimeHub({
    log,
    mapper,
    pollIntervalMs: 20,
    batchSize: 7,
  });
  await hub.start();
  try {
    // Writes go on while the subscriber resumes.
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing && i < 40; i++) {
        await write(log, "a", `w${i % 2}`, 3);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const resumed = hub.subscribe({
      accepts: () => true,
      after: { position: 12, index: 1 },
    });
    const got = await take(resumed, 3 * (30 - 12) + 1 + 3 * 20);
    writing = false;
    await writer;
    const head = await log.headPosition();
    const rest = await take(resumed, 3 * (head - 30 - 20));
    const all = [...got, ...rest];
    const expected: string[] = ["12-2"];
    for (let p = 13; p <= head; p++) {
      expected.push(`${p}-0`, `${p}-1`, `${p}-2`);
    }
    assert.deepEqual(ids(all), expected);
    // A whole commit as the cursor (`<position>`): from the next one on.
    const whole = hub.subscribe({
      accepts: () => true,
      after: { position: head - 1, index: Infinity },
    });
    assert.deepEqual(ids(await take(whole, 3)), [
      `${head}-0`,
      `${head}-1`,
      `${head}-2`,
    ]);
  } finally {
    await hub.stop();
  }
});

Deno.test("hub: a cursor ahead of this node's position skips what it saw elsewhere", async () => {
  const log = new MemoryEventLog();
  await write(log, "a", "1");
  const hub = new RealtimeHub({ log, mapper, pollIntervalMs: 20 });
  await hub.start();
  try {
    const ahead = hub.subscribe({
      accepts: () => true,
      after: { position: 3, index: 0 },
    });
    await write(log, "a", "1");
    await write(log, "a", "1");
    await write(log, "a", "1");
    assert.deepEqual(ids(await take(ahead, 3)), ["3-1", "4-0", "4-1"]);
  } finally {
    await hub.stop();
  }
});

Deno.test("hub: a subscriber that does not read is cut off at the bound, its queue dropped", async () => {
  const log = new MemoryEventLog();
  const hub = new RealtimeHub({ log, mapper, pollIntervalMs: 20 });
  await hub.start();
  try {
    const slow = hub.subscribe({ accepts: () => true, maxMessages: 10 });
    const bytes = hub.subscribe({ accepts: () => true, maxBytes: 200 });
    const reader = hub.subscribe({ accepts: () => true, maxMessages: 10 });
    const reading = take(reader, 40);
    for (let i = 0; i < 20; i++) await write(log, "a", "1");
    const end = await slow.ended;
    assert.equal(end.reason, "backlog");
    assert.match(end.message, /10 messages/);
    assert.equal(slow.backlog, 0);
    assert.equal(await slow.next(), null);
    assert.equal((await bytes.ended).reason, "backlog");
    assert.match((await bytes.ended).message, /200 bytes/);
    // The one that reads keeps up and stays.
    assert.equal((await reading).length, 40);
    assert.equal(reader.end, null);
    assert.equal(hub.stats().cutOff, 2);
  } finally {
    await hub.stop();
  }
});

Deno.test("hub: stopping ends every subscription", async () => {
  const log = new MemoryEventLog();
  const hub = new RealtimeHub({ log, mapper });
  await hub.start();
  const sub = hub.subscribe({ accepts: () => true });
  const waiting = sub.next();
  await hub.stop();
  assert.equal(await waiting, null);
  assert.equal(sub.end?.reason, "stopped");
});
