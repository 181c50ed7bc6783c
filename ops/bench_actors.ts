/**
 * The `actors` section of `deno task bench`: the figures of a virtual-actor
 * runtime, each against a baseline from the same run.
 *
 * - asks to an active actor over a `MemoryEventLog` (one in flight: the
 *   mailbox, decide, evolve, the append, the idempotency record) and reads
 *   through its mailbox, against a bare `await` of an async function doing
 *   the same decide and evolve — rounds alternate, medians;
 * - the first message to a passivated actor of 10,000 commits on Deno KV
 *   (the embedded default) and in memory: with its snapshot against full
 *   replay of the same stream (its snapshots hidden), alternating;
 * - heap per small active actor and heap while 1,000,000 distinct actors
 *   are touched with at most 10,000 active (`TMS_MAX_ACTIVE_ACTORS`), in a
 *   child process with `--expose-gc` (`bench_actors_heap.ts`).
 */
import { ActorSystem } from "../runtime/actor/mod.ts";
import { MemoryEventLog } from "../runtime/log/memory/mod.ts";
import { KvEventLog } from "../runtime/log/kv/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import type { BenchRow } from "./bench_support.ts";
import { ratio } from "./bench_support.ts";
import {
  COUNTER,
  DiscardEventLog,
  spread,
  withoutSnapshots,
} from "./bench_actors_support.ts";
import { median } from "./stats.ts";
import { heapChild } from "./bench_actors_heap.ts";

const SECTION = "actors";

/** Sizes of the section; every field has a default. */
export interface ActorsBenchOptions {
  /** Alternating rounds of each comparison (default 5). */
  rounds?: number;
  /** Milliseconds of each ask/read/baseline loop (default 1000). */
  loopMs?: number;
  /** Commits of the actor activated from its snapshot (default 10,000). */
  commits?: number;
  /** Actors activated for the heap per actor (default 100,000). */
  actors?: number;
  /** Distinct actors touched for the flat heap (default 1,000,000). */
  touched?: number;
  /** `maxActive` while they are touched (default 10,000). */
  maxActive?: number;
  progress?: (message: string) => void;
}

type Settings = Required<Omit<ActorsBenchOptions, "progress">>;

/** Calls of `step` per second, one at a time, for `ms`. */
async function loopRate(
  ms: number,
  step: () => Promise<unknown>,
): Promise<number> {
  let n = 0;
  const start = performance.now();
  const until = start + ms;
  // Checking the clock every 64 calls keeps it out of the measured loop.
  for (;;) {
    for (let i = 0; i < 64; i++) await step();
    n += 64;
    if (performance.now() >= until) break;
  }
  return n / ((performance.now() - start) / 1000);
}

type Rate = "bare" | "append" | "ask" | "askDiscard" | "read";

/** Asks, reads and the bare-await baseline, alternating; rates of each round. */
async function askRates(
  o: Settings,
): Promise<Record<Rate, number[]>> {
  const { decide, evolve } = COUNTER.decider;
  const command = { by: 1 };
  let state = 0;
  // The decider's work without the runtime: what the await loop stands for.
  // deno-lint-ignore require-await
  const bare = async () => {
    for (const event of decide(command, state)) state = evolve(state, event);
    return state;
  };
  const rates: Record<Rate, number[]> = {
    bare: [],
    append: [],
    ask: [],
    askDiscard: [],
    read: [],
  };
  for (let round = 0; round < o.rounds; round++) {
    // A fresh log per round: the memory log keeps every commit.
    const log = new MemoryEventLog();
    const system = new ActorSystem({ log }).register(COUNTER);
    const discarding = new ActorSystem({ log: new DiscardEventLog() })
      .register(COUNTER);
    try {
      await system.ask(COUNTER.type, "a", command);
      await discarding.ask(COUNTER.type, "a", command);
      rates.bare.push(await loopRate(o.loopMs, bare));
      let version = 0;
      rates.append.push(
        await loopRate(o.loopMs, () =>
          log.append({
            type: COUNTER.type,
            id: "raw",
            expectedVersion: version++,
            commandId: crypto.randomUUID(),
            events: decide(command, state),
          })),
      );
      rates.ask.push(
        await loopRate(o.loopMs, () => system.ask(COUNTER.type, "a", command)),
      );
      rates.askDiscard.push(
        await loopRate(
          o.loopMs,
          () => discarding.ask(COUNTER.type, "a", command),
        ),
      );
      rates.read.push(
        await loopRate(o.loopMs, () => system.read(COUNTER.type, "a")),
      );
    } finally {
      await system.shutdown();
      await discarding.shutdown();
    }
  }
  return rates;
}

/** Milliseconds of the first message to `counter/big`, passivated before. */
async function activationMs(
  system: ActorSystem,
  kind: "read" | "ask",
): Promise<number> {
  const start = performance.now();
  const { version } = kind === "read"
    ? await system.read(COUNTER.type, "big")
    : await system.ask(COUNTER.type, "big", { by: 1 });
  const ms = performance.now() - start;
  if (version === 0) throw new Error("The big actor has no commits");
  if (!system.passivate(COUNTER.type, "big")) {
    throw new Error("The big actor could not be passivated");
  }
  return ms;
}

/**
 * Writes `commits` commits to `counter/big` through the actor (so snapshots
 * are taken as in production, every 100), then compares activations.
 */
async function activation(
  log: EventLog,
  o: Settings,
  reopen?: () => Promise<EventLog>,
): Promise<Activations & { log: EventLog }> {
  const writer = new ActorSystem({ log }).register(COUNTER);
  for (let i = 0; i < o.commits; i++) {
    await writer.ask(COUNTER.type, "big", { by: 1 });
  }
  await writer.shutdown();
  // The last snapshot is written in the background: wait for it.
  for (let i = 0; i < 100; i++) {
    const snapshot = await log.loadSnapshot(COUNTER.type, "big");
    if (snapshot?.version === o.commits) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  if (reopen) log = await reopen();
  const withSnapshot = new ActorSystem({ log }).register(COUNTER);
  const replaying = new ActorSystem({ log: withoutSnapshots(log) })
    .register(COUNTER);
  const times: Activations = {
    snapshot: [],
    replay: [],
    snapshotAsk: [],
    replayAsk: [],
  };
  try {
    for (let round = 0; round < o.rounds; round++) {
      times.snapshot.push(await activationMs(withSnapshot, "read"));
      times.replay.push(await activationMs(replaying, "read"));
      times.snapshotAsk.push(await activationMs(withSnapshot, "ask"));
      times.replayAsk.push(await activationMs(replaying, "ask"));
    }
  } finally {
    await withSnapshot.shutdown();
    await replaying.shutdown();
  }
  return { ...times, log };
}

/** Milliseconds of each round's first message: a read, then an ask. */
interface Activations {
  snapshot: number[];
  replay: number[];
  snapshotAsk: number[];
  replayAsk: number[];
}

async function kvActivation(o: Settings): Promise<Activations> {
  const dir = await Deno.makeTempDir({ prefix: "tms-bench-actors-" });
  const path = `${dir}/events.kv`;
  let log: EventLog = await KvEventLog.open(path);
  try {
    // Closing writes the stream index; the reopened log reads the stream
    // from disk as a restarted node would.
    const result = await activation(log, o, async () => {
      await log.close();
      return log = await KvEventLog.open(path);
    });
    return result;
  } finally {
    await log.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs the section: its rows. */
export async function benchActors(
  options: ActorsBenchOptions = {},
): Promise<BenchRow[]> {
  const o: Settings = {
    rounds: options.rounds ?? 5,
    loopMs: options.loopMs ?? 1000,
    commits: options.commits ?? 10_000,
    actors: options.actors ?? 100_000,
    touched: options.touched ?? 1_000_000,
    maxActive: options.maxActive ?? 10_000,
  };
  const progress = options.progress ?? (() => {});
  const of = ` (median of ${o.rounds}, alternating)`;
  const rows: BenchRow[] = [];

  progress(`actors: asks and reads to an active actor vs a bare await loop`);
  const rates = await askRates(o);
  const bare = median(rates.bare);
  const append = median(rates.append);
  const ask = median(rates.ask);
  const askDiscard = median(rates.askDiscard);
  const read = median(rates.read);
  rows.push(
    {
      section: SECTION,
      name: `bare \`await fn()\` loop doing the decider's work${of} — baseline`,
      value: bare,
      unit: "calls/s",
      ratio: "1.00×",
    },
    {
      section: SECTION,
      name:
        `raw MemoryEventLog appends, one in flight (the log's own floor)${of}`,
      value: append,
      unit: "appends/s",
      ratio: ratio(append, bare),
    },
    {
      section: SECTION,
      name: `ask to an active actor, one in flight, MemoryEventLog${of}`,
      value: ask,
      unit: "asks/s",
      ratio: ratio(ask, bare),
      target: "≥ 0.25× bare await",
      met: ask >= 0.25 * bare,
    },
    {
      section: SECTION,
      name:
        `the same ask over a log that keeps nothing (the actor runtime alone)${of}`,
      value: askDiscard,
      unit: "asks/s",
      ratio: ratio(askDiscard, bare),
    },
    {
      section: SECTION,
      name: `read of an active actor through its mailbox${of}`,
      value: read,
      unit: "reads/s",
      ratio: ratio(read, bare),
    },
    {
      section: SECTION,
      name:
        "time of an ask: bare await / runtime alone / MemoryEventLog append",
      value: 1e6 / ask,
      unit: `µs = ${fmtUs(1e6 / bare)} / ${fmtUs(1e6 / askDiscard)} / ${
        fmtUs(1e6 / append)
      } µs`,
    },
  );

  for (const backend of ["Deno KV", "memory"] as const) {
    progress(
      `actors: ${o.commits} commits to one actor on ${backend}, then activations from its snapshot vs full replay`,
    );
    const times = backend === "Deno KV"
      ? await kvActivation(o)
      : await activation(new MemoryEventLog(), o);
    const snapshot = median(times.snapshot);
    const replay = median(times.replay);
    const snapshotAsk = median(times.snapshotAsk);
    const replayAsk = median(times.replayAsk);
    rows.push(
      {
        section: SECTION,
        name:
          `activation (first message, a read) of a ${o.commits}-commit actor by full replay, ${backend}${of} — baseline`,
        value: replay,
        unit: "ms",
        ratio: "1.00×",
      },
      {
        section: SECTION,
        name: `activation of the same actor from its snapshot, ${backend}${of}`,
        value: snapshot,
        unit: "ms",
        ratio: `${(replay / snapshot).toFixed(1)}× faster`,
        ...(backend === "Deno KV"
          ? { target: "≥ 20× faster than replay", met: replay >= 20 * snapshot }
          : {}),
      },
      {
        section: SECTION,
        name:
          `the same with an ask as the first message (its append included), from the snapshot, ${backend}${of}`,
        value: snapshotAsk,
        unit: `ms (by full replay: ${fmtUs(replayAsk)} ms)`,
        ratio: `${(replayAsk / snapshotAsk).toFixed(1)}× faster`,
      },
    );
  }

  progress(`actors: heap of ${o.actors} small active actors (child process)`);
  const { perActor } = await heapChild(["per-actor", String(o.actors)]);
  rows.push({
    section: SECTION,
    name: `heap per small active actor (${
      perActor!.active
    } active, one commit each, after GC)`,
    value: perActor!.bytesPerActor,
    unit: "bytes",
    target: "≤ 2 KB",
    met: perActor!.bytesPerActor <= 2048,
  });

  progress(
    `actors: ${o.touched} distinct actors touched, at most ${o.maxActive} active (child process)`,
  );
  const every = Math.max(1, Math.round(o.touched / 10));
  const { flat } = await heapChild([
    "flat",
    String(o.touched),
    String(o.maxActive),
    String(every),
  ]);
  const heap = spread(flat!.samples.map((s) => s.heapUsed));
  rows.push(
    {
      section: SECTION,
      name: `heap after GC while ${
        flat!.touched
      } distinct actors are touched, maxActive ${o.maxActive}: min of ${
        flat!.samples.length
      } samples (every ${every}; a log that keeps nothing)`,
      value: heap.min / 1024 / 1024,
      unit: "MiB",
    },
    {
      section: SECTION,
      name: `the same: max`,
      value: heap.max / 1024 / 1024,
      unit: "MiB",
    },
    {
      section: SECTION,
      name: `the same: spread (max − min) / min`,
      value: heap.spread * 100,
      unit: "%",
      target: "≤ 10 %",
      met: heap.spread <= 0.1,
    },
    {
      section: SECTION,
      name: `the same: distinct actors touched per second`,
      value: flat!.touched / flat!.seconds,
      unit: "actors/s",
    },
  );
  return rows;
}

function fmtUs(value: number): string {
  return value >= 10 ? value.toFixed(1) : value.toFixed(2);
}
