/**
 * The kv and http sections of `deno task bench`: raw Deno KV against TMS
 * in-process, then TMS over HTTP (load from a separate process) at its
 * maximum and at half of it, embedded and as a command node.
 */
import { KvEventLog } from "../runtime/log/kv/mod.ts";
import { fmt, loadProcess, ratio, withBenchSchema } from "./bench_support.ts";
import type { BenchRow } from "./bench_support.ts";
import { commandLoad } from "./bench_commands.ts";
import { percentile } from "./stats.ts";
import type { CommandLoadResult } from "./bench_commands.ts";
import type { LoadResult } from "./load.ts";
import { authHeaders, startServer } from "./server_process.ts";

const SAMPLE_COMMIT = {
  type: "bedrift",
  id: "00000000-0000-4000-8000-000000000000",
  version: 1,
  position: 1,
  commandId: "bedrift.update:00000000-0000-4000-8000-000000000000",
  timestamp: 0,
  events: [{
    type: "bedrift.updated",
    v: 1,
    data: { changes: { poststed: "OSLO" }, at: "2026-11-22T10:00:00.000Z" },
  }],
};

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "tms-bench-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Raw Deno KV: single commits/s and batched atomics of 100 mutations (events/s). */
async function rawKv(
  seconds: number,
): Promise<{ single: number; batched: number }> {
  return await withTempDir(async (dir) => {
    const kv = await Deno.openKv(`${dir}/raw.kv`);
    try {
      let n = 0;
      let start = performance.now();
      while (performance.now() - start < seconds * 1000) {
        await kv.atomic().set(["raw", n++], SAMPLE_COMMIT).commit();
      }
      const single = n / ((performance.now() - start) / 1000);
      let events = 0;
      start = performance.now();
      while (performance.now() - start < seconds * 1000) {
        const atomic = kv.atomic();
        for (let i = 0; i < 100; i++) {
          atomic.set(["batch", events++], SAMPLE_COMMIT);
        }
        await atomic.commit();
      }
      const batched = events / ((performance.now() - start) / 1000);
      return { single, batched };
    } finally {
      kv.close();
    }
  });
}

/** Latency of an open-loop run of raw commits. */
interface OpenLoopFloor {
  rate: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Raw Deno KV at a given commit rate, open loop: commit `i` is scheduled at
 * `i / rate` s whatever the earlier ones do, one single-set atomic each, and
 * its latency counts from the scheduled time (as the HTTP driver's does). Its
 * p99 is what this disk's fsyncs alone cost a commit at that rate: the floor
 * under TMS's half-load p99.
 */
async function rawKvOpenLoop(
  rate: number,
  seconds: number,
): Promise<OpenLoopFloor> {
  return await withTempDir(async (dir) => {
    const kv = await Deno.openKv(`${dir}/floor.kv`);
    try {
      const total = Math.max(1, Math.round(rate * seconds));
      const latencies: number[] = [];
      const commits: Promise<void>[] = [];
      const start = performance.now();
      for (let i = 0; i < total; i++) {
        const due = start + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        commits.push(
          kv.atomic().set(["floor", i], SAMPLE_COMMIT).commit()
            .then(() => void latencies.push(performance.now() - due)),
        );
      }
      await Promise.all(commits);
      const elapsed = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      return {
        rate: latencies.length / elapsed,
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        max: latencies[latencies.length - 1],
      };
    } finally {
      kv.close();
    }
  });
}

/** TMS durable commands in-process: many actors, one command in flight per actor. */
async function tmsInProcess(
  seconds: number,
  actors: number,
): Promise<CommandLoadResult> {
  return await withTempDir(async (dir) => {
    const log = await KvEventLog.open(`${dir}/events.kv`);
    try {
      return await commandLoad(log, { seconds, actors });
    } finally {
      await log.close();
    }
  });
}

/**
 * Waits until the node has no background work left from the previous run:
 * every projection caught up (`/metrics`), then one stream-index interval.
 * The open-loop run measures a node at that rate, not one still recovering
 * from the closed loop's overload.
 */
async function quiesce(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const text = await metricsOf(url);
    const lags = [
      ...text.matchAll(/^tms_projection_lag_positions\{[^}]*\} (\d+)/gm),
    ]
      .map((m) => Number(m[1]));
    if (lags.every((lag) => lag === 0)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 2500));
}

/** `/metrics` of a node this process started (with its ADMIN's token). */
async function metricsOf(url: string): Promise<string> {
  return await (await fetch(`${url}/metrics`, { headers: authHeaders(url) }))
    .text();
}

/** The node's group-commit histogram: atomics in all, and over 20 ms. */
async function commitStalls(
  url: string,
): Promise<{ atomics: number; over20ms: number }> {
  const text = await metricsOf(url);
  const metric = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  const atomics = metric(/^tms_event_log_commit_seconds_count (\d+)/m);
  const within = metric(
    /^tms_event_log_commit_seconds_bucket\{le="0.02"\} (\d+)/m,
  );
  return { atomics, over20ms: atomics - within };
}

/** An HTTP run's maximum, its half-max run and the storage stalls during it. */
interface HttpRuns {
  max: LoadResult;
  half: LoadResult;
  stalls: { atomics: number; over20ms: number };
  /** Raw Deno KV commits at the half-max rate, when asked for. */
  floor?: OpenLoopFloor;
}

/**
 * Seconds of the open-loop run at half the maximum: long enough that one
 * hiccup of the machine (a 50 ms stall is 1% of 5 s) does not make the p99
 * on its own; every request still counts.
 */
const HALF_MAX_SECONDS = 15;

/** TMS over HTTP: the server and the load driver are separate processes. */
async function tmsHttp(
  seconds: number,
  progress: (message: string) => void,
  env: Record<string, string> = {},
  withFloor = false,
): Promise<HttpRuns> {
  const runs = await withTempDir(async (dir) => {
    const server = await startServer({ TMS_DATA_DIR: dir, ...env });
    try {
      const common = ["--url", server.url, "--targets", "500"];
      progress("HTTP: closed loop, 64 in flight, to find the maximum rate");
      const max = await loadProcess([
        ...common,
        "--seconds",
        String(seconds),
        "--concurrency",
        "64",
      ], server.token);
      const halfRate = Math.max(1, Math.round(max.rate / 2));
      progress("HTTP: waiting until the node is idle");
      await quiesce(server.url);
      progress(
        `HTTP: open loop at half the maximum (${halfRate}/s, ${HALF_MAX_SECONDS} s)`,
      );
      const before = await commitStalls(server.url);
      const half = await loadProcess([
        ...common,
        "--seconds",
        String(HALF_MAX_SECONDS),
        "--rate",
        String(halfRate),
      ], server.token);
      const after = await commitStalls(server.url);
      return {
        max,
        half,
        stalls: {
          atomics: after.atomics - before.atomics,
          over20ms: after.over20ms - before.over20ms,
        },
      };
    } finally {
      await server.stop();
    }
  });
  if (!withFloor) return runs;
  const halfRate = Math.max(1, Math.round(runs.max.rate / 2));
  progress(
    `HTTP: raw Deno KV commits, open loop at the same rate (${halfRate}/s, ${HALF_MAX_SECONDS} s): the disk's floor`,
  );
  return {
    ...runs,
    floor: await rawKvOpenLoop(halfRate, HALF_MAX_SECONDS),
  };
}

/** Rounds of the embedded section: the raw baseline and TMS alternate. */
const KV_ROUNDS = 3;

function median<T>(items: readonly T[], key: (item: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[
    Math.floor(items.length / 2)
  ];
}

/**
 * The kv section: raw Deno KV single commits and batched atomics (the
 * baseline), TMS durable commands in-process; returns the baseline.
 */
export async function kvSection(
  rows: BenchRow[],
  progress: (message: string) => void,
): Promise<number> {
  // The disk's fsync time drifts by tens of percent within minutes here, so
  // the baseline and TMS alternate and each figure is the median of its runs.
  const raws: { single: number; batched: number }[] = [];
  const runs: CommandLoadResult[] = [];
  for (let round = 1; round <= KV_ROUNDS; round++) {
    progress(
      `raw Deno KV: single commits and batched atomics (${round}/${KV_ROUNDS})`,
    );
    raws.push(await rawKv(2));
    progress(
      `TMS in-process: 1000 actors, durable commands (${round}/${KV_ROUNDS})`,
    );
    runs.push(await tmsInProcess(3, 1000));
  }
  const raw = {
    single: median(raws, (r) => r.single).single,
    batched: median(raws, (r) => r.batched).batched,
  };
  const tms = median(runs, (r) => r.rate);
  const of = ` (median of ${KV_ROUNDS} runs, alternating)`;
  rows.push(
    {
      section: "kv",
      name: `raw Deno KV single commits${of}`,
      value: raw.single,
      unit: "commits/s",
      ratio: ratio(raw.single, raw.batched),
    },
    {
      section: "kv",
      name: `raw Deno KV batched atomics (100 mutations)${of} — baseline`,
      value: raw.batched,
      unit: "events/s",
      ratio: "1.00×",
    },
  );
  rows.push(
    {
      section: "kv",
      name: `TMS durable commands in-process (1000 actors)${of}`,
      value: tms.rate,
      unit: "commands/s",
      ratio: ratio(tms.rate, raw.batched),
      target: "≥ 0.5× raw batched",
      met: tms.rate >= 0.5 * raw.batched,
    },
    {
      section: "kv",
      name: "TMS in-process command latency p50 (of the median run)",
      value: tms.p50,
      unit: "ms",
    },
    {
      section: "kv",
      name: "TMS in-process command latency p99 (of the median run)",
      value: tms.p99,
      unit: "ms",
    },
  );
  return raw.batched;
}

/** The http section: the embedded default and a command node over HTTP. */
export async function httpSection(
  rows: BenchRow[],
  baseline: number,
  progress: (message: string) => void,
): Promise<void> {
  progress("HTTP: the embedded default (projections in the node, PGlite)");
  const embedded = await tmsHttp(5, progress, {}, true);
  progress(
    "HTTP: a command node (TMS_PROJECTIONS=off, read models in PostgreSQL)",
  );
  const command = await withBenchSchema((env) =>
    tmsHttp(5, progress, { ...env, TMS_PROJECTIONS: "off" })
  );
  const runs = [
    { label: "", run: embedded, target: true },
    {
      label: ", command node (TMS_PROJECTIONS=off)",
      run: command,
      target: false,
    },
  ];
  for (const { label, run: { max, half, stalls, floor }, target } of runs) {
    // The half-load target: the raw commit loop's p99 at the same rate (this
    // disk's floor, measured in the same run) plus 10 ms.
    const bound = floor ? floor.p99 + 10 : 20;
    rows.push(
      {
        section: "http",
        name: `TMS durable commands over HTTP${label}, max (64 in flight)`,
        value: max.rate,
        unit: "commands/s",
        ratio: ratio(max.rate, baseline),
      },
      {
        section: "http",
        name: `HTTP latency p50 / p99 at max${label}`,
        value: max.p50,
        unit: `ms / ${fmt(max.p99)} ms`,
      },
      {
        section: "http",
        name: `HTTP open loop at half max${label} (${
          Math.round(half.rate)
        }/s achieved, ${HALF_MAX_SECONDS} s)`,
        value: half.rate,
        unit: "commands/s",
        ratio: ratio(half.rate, baseline),
      },
      {
        section: "http",
        name: `HTTP latency p50 at half max${label}`,
        value: half.p50,
        unit: "ms",
      },
      {
        section: "http",
        name: `HTTP latency p99 at half max${label}`,
        value: half.p99,
        unit: "ms",
        ...(target
          ? {
            target: floor
              ? `≤ raw KV p99 + 10 ms = ${fmt(bound)} ms`
              : "≤ 20 ms",
            met: half.p99 <= bound,
          }
          : {}),
      },
      {
        section: "http",
        name: `HTTP latency max at half max${label}`,
        value: half.max,
        unit: "ms",
      },
      {
        section: "http",
        name:
          `KV group commits over 20 ms (fsync included) during the half-max run${label}`,
        value: stalls.over20ms,
        unit: `of ${stalls.atomics} atomics`,
      },
      ...(floor
        ? [{
          section: "http",
          name: `raw Deno KV single commits, open loop at the half-max rate (${
            Math.round(floor.rate)
          }/s, ${HALF_MAX_SECONDS} s): latency p50 / max — the disk's floor`,
          value: floor.p50,
          unit: `ms / ${fmt(floor.max)} ms`,
        }, {
          section: "http",
          name: "the same raw commits: latency p99 (the floor under TMS's p99)",
          value: floor.p99,
          unit: "ms",
        }]
        : []),
    );
  }
  rows.push({
    section: "http",
    name: "HTTP errors (all runs)",
    value: [embedded, command].reduce(
      (n, r) => n + r.max.errors + r.half.errors,
      0,
    ),
    unit: "requests",
  });
}
