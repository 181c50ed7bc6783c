/**
 * Distributed-mode benchmarks, `clusterBench()` (wired into `deno task bench`
 * by ops/bench.ts; `deno run -A ops/bench_cluster.ts` runs it alone). Starts
 * its own nats-server (single, JetStream, temp store) and measures in one run:
 *
 * - baseline: raw pipelined JetStream publishes of the same client (nats.js,
 *   configured as a node configures it), commit-sized messages, 256 in flight;
 * - TMS durable commands on JetStream in-process (1000 actors, one command in
 *   flight each) and over HTTP (one node, load from a separate process), as a
 *   ratio of the baseline, with p50/p99;
 * - one node vs two nodes over HTTP (each node gets its own load process; about
 *   half of the second run's commands are forwarded to the shard owner). The
 *   nodes are command nodes (`TMS_PROJECTIONS=off`, read models in a fresh
 *   PostgreSQL schema that nothing projects into during the run), and the
 *   CPU each part used is reported: on a small machine the sum shows when the
 *   machine, not TMS, is the limit. Two nodes on two cores cannot double the
 *   rate, so the scale-out figure is the CPU per command of all processes
 *   with 2 nodes against 1 (target ≤ 1.2×);
 * - TMS in-process on JetStream against TMS's own lean publisher (core
 *   publishes with one reply subscription): what the actor, the log's
 *   encoding and its group commit cost above the wire (target ≥ 0.6×).
 */
import {
  jetstream,
  jetstreamManager,
  natsConnect,
  StorageType,
} from "../deps.ts";
import type { NatsConnection } from "../deps.ts";
import { JetStreamEventLog } from "../runtime/log/jetstream/mod.ts";
import { encodeHeaders, JetStreamPublisher } from "../runtime/nats/mod.ts";
import { NatsServer } from "../tests/support/nats_server.ts";
import type { BenchRow } from "./bench_support.ts";
import { commandLoad } from "./bench_commands.ts";
import { percentile } from "./stats.ts";
import type { CommandLoadResult } from "./bench_commands.ts";
import type { LoadResult } from "./load.ts";
import { loadProcess, ratio, withBenchSchema } from "./bench_support.ts";
import { CpuMeter } from "./cpu_usage.ts";
import { startServer } from "./server_process.ts";
import type { ServerProcess } from "./server_process.ts";

const SECTION = "cluster";

/** Options of the cluster benchmark. */
export interface ClusterBenchOptions {
  /** Seconds per measurement (default 5). */
  seconds?: number;
  /** Progress lines (default to stderr). */
  progress?: (message: string) => void;
}

const SAMPLE_EVENTS = JSON.stringify([{
  type: "bedrift.updated",
  v: 1,
  data: { changes: { poststed: "OSLO" }, at: "2026-11-22T10:00:00.000Z" },
}]);

/** A file-stored stream `name` on `subjects`, emptied of earlier runs. */
async function freshStream(
  nc: NatsConnection,
  name: string,
  subjects: string,
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(name).catch(() => false);
  await jsm.streams.add({
    name,
    subjects: [subjects],
    storage: StorageType.File,
  });
}

/** Raw pipelined publishes of commit-sized messages, `window` in flight (the cluster and relay sections' baseline). */
export async function rawPublish(
  url: string,
  seconds: number,
  window = 256,
): Promise<{ rate: number; p50: number; p99: number }> {
  const nc = await connect(url, "bench-raw");
  try {
    await freshStream(nc, "BENCH_RAW", "bench.raw.>");
    const js = jetstream(nc);
    const body = new TextEncoder().encode(SAMPLE_EVENTS);
    const run = crypto.randomUUID();
    const latencies: number[] = [];
    let n = 0;
    const start = performance.now();
    const until = start + seconds * 1000;
    await Promise.all(Array.from({ length: window }, async (_, slot) => {
      while (performance.now() < until) {
        const t0 = performance.now();
        await js.publish(`bench.raw.${slot}`, body, { msgID: `${run}-${n++}` });
        latencies.push(performance.now() - t0);
      }
    }));
    const elapsed = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      rate: latencies.length / elapsed,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
    };
  } finally {
    await nc.close();
  }
}

/**
 * Raw pipelined publishes through `JetStreamPublisher` (core publish with a
 * reply subject, one reply subscription): the publish path TMS itself uses,
 * without the actor system, the fence headers or the commit encoding.
 */
export async function rawLeanPublish(
  url: string,
  seconds: number,
  window = 256,
): Promise<{ rate: number }> {
  const nc = await connect(url, "bench-raw-lean");
  try {
    await freshStream(nc, "BENCH_RAW_LEAN", "bench.lean.>");
    const publisher = new JetStreamPublisher(nc);
    const body = new TextEncoder().encode(SAMPLE_EVENTS);
    const run = crypto.randomUUID();
    let n = 0;
    const start = performance.now();
    const until = start + seconds * 1000;
    await Promise.all(Array.from({ length: window }, async (_, slot) => {
      while (performance.now() < until) {
        const headers = encodeHeaders([["Nats-Msg-Id", `${run}-${n++}`]]);
        await publisher.publish(`bench.lean.${slot}`, headers, body);
      }
    }));
    const rate = n / ((performance.now() - start) / 1000);
    publisher.close();
    return { rate };
  } finally {
    await nc.close();
  }
}

/** TMS durable commands in-process on JetStream: one command in flight per actor. */
async function tmsInProcess(
  url: string,
  seconds: number,
  actors: number,
): Promise<CommandLoadResult> {
  const nc = await connect(url, "bench-tms");
  const log = await JetStreamEventLog.open(nc);
  try {
    return await commandLoad(log, { seconds, actors, seed: 5_000_000 });
  } finally {
    await log.close();
    await nc.close();
  }
}

/** The client as a TMS node configures it (no per-request async traces). */
function connect(url: string, name: string) {
  return natsConnect({ servers: url, name, noAsyncTraces: true });
}

async function ready(node: ServerProcess): Promise<number> {
  const res = await fetch(`${node.url}/health/ready`);
  const body = await res.json();
  return body.checks?.cluster?.shardsOwned ?? 0;
}

/** Waits until every node holds a fair share (the split is even). */
async function balanced(nodes: ServerProcess[], shards = 64): Promise<void> {
  const deadline = Date.now() + 60_000;
  const share = Math.ceil(shards / nodes.length);
  while (Date.now() < deadline) {
    const owned = await Promise.all(nodes.map(ready));
    if (
      owned.reduce((a, b) => a + b, 0) === shards &&
      owned.every((n) => n >= share - 1)
    ) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("Nodes did not balance their shards in time");
}

/** Throughput and latency of an HTTP run, and the CPU each part used. */
interface HttpRun {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  cores: { nodes: number; nats: number; drivers: number };
}

/**
 * HTTP load through `count` command nodes (`TMS_PROJECTIONS=off`: the read
 * models are another node's work), one load process per node, at once.
 */
async function tmsHttp(
  nats: NatsServer,
  dir: string,
  count: number,
  seconds: number,
  readModels: Record<string, string>,
): Promise<HttpRun> {
  const nodes: ServerProcess[] = [];
  try {
    for (let i = 0; i < count; i++) {
      nodes.push(
        await startServer({
          TMS_NATS_URL: nats.url,
          TMS_NODE_ID: `bench-${count}-${i + 1}`,
          TMS_DATA_DIR: `${dir}/bench-${count}-${i + 1}`,
          TMS_LEASE_TTL_MS: "3000",
          TMS_PROJECTIONS: "off",
          ...readModels,
        }),
      );
    }
    await balanced(nodes);
    const nodeCpu = new CpuMeter(nodes.map((n) => n.child.pid));
    const natsCpu = new CpuMeter(nats.pid ? [nats.pid] : []);
    nodeCpu.start();
    natsCpu.start();
    const results = await Promise.all(nodes.map((node) =>
      loadProcess([
        "--url",
        node.url,
        "--seconds",
        String(seconds),
        "--targets",
        "500",
        "--concurrency",
        "64",
      ], node.token)
    ));
    const cores = {
      nodes: nodeCpu.stop(),
      nats: natsCpu.stop(),
      drivers: results.reduce((sum, r) => sum + r.driverCores, 0),
    };
    const rate = results.reduce((sum, r) => sum + r.rate, 0);
    const weighted = (pick: (r: LoadResult) => number) =>
      results.reduce((sum, r) => sum + pick(r) * r.ok, 0) /
      Math.max(1, results.reduce((sum, r) => sum + r.ok, 0));
    return {
      rate,
      p50: weighted((r) => r.p50),
      p99: Math.max(...results.map((r) => r.p99)),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
      cores,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

function cpuRow(label: string, run: HttpRun): BenchRow {
  const { nodes, nats, drivers } = run.cores;
  return {
    section: SECTION,
    name: `${label}: CPU used (nodes + nats-server + load drivers)`,
    value: nodes + nats + drivers,
    unit: `cores of ${navigator.hardwareConcurrency} (${nodes.toFixed(2)} + ${
      nats.toFixed(2)
    } + ${drivers.toFixed(2)})`,
  };
}

/** Every process's CPU time per command of a run, in µs. */
function cpuPerCommand(run: HttpRun): number {
  const { nodes, nats, drivers } = run.cores;
  return (nodes + nats + drivers) / Math.max(1, run.rate) * 1e6;
}

/**
 * Scale-out efficiency a small machine can show honestly: two nodes on two
 * cores cannot double the rate, but the CPU one command costs in all
 * processes (nodes, nats-server, load drivers) should barely grow when half
 * the requests are forwarded to the other node.
 */
function cpuPerCommandRows(one: HttpRun, two: HttpRun): BenchRow[] {
  const base = cpuPerCommand(one);
  const value = cpuPerCommand(two);
  return [
    {
      section: SECTION,
      name:
        "1 node: CPU per command (nodes + nats-server + load drivers) — baseline",
      value: base,
      unit: "µs",
      ratio: "1.00×",
    },
    {
      section: SECTION,
      name:
        "2 nodes: CPU per command (nodes + nats-server + load drivers; half the requests forwarded)",
      value,
      unit: "µs",
      ratio: ratio(value, base),
      target: "≤ 1.2× 1 node",
      met: value <= 1.2 * base,
    },
  ];
}

/**
 * Runs the distributed-mode benchmark against its own nats-server.
 *
 * @example
 * ```ts
 * const rows = await clusterBench({ seconds: 5 });
 * ```
 */
export async function clusterBench(
  options: ClusterBenchOptions = {},
): Promise<BenchRow[]> {
  const seconds = options.seconds ?? 5;
  const progress = options.progress ??
    ((m: string) => console.error(`[bench] ${m}`));
  const nats = await NatsServer.start({ name: "tms-bench" });
  const dir = await Deno.makeTempDir({ prefix: "tms-bench-cluster-" });
  try {
    // The machine is shared: the baseline is the mean of a run before and a
    // run after the in-process measurement.
    progress("cluster: raw pipelined JetStream publishes (baseline, 1/2)");
    const rawBefore = await rawPublish(nats.url, seconds);
    progress("cluster: TMS in-process on JetStream, 1000 actors");
    const inProcess = await tmsInProcess(nats.url, seconds, 1000);
    progress("cluster: raw pipelined JetStream publishes (baseline, 2/2)");
    const rawAfter = await rawPublish(nats.url, seconds);
    progress("cluster: raw pipelined publishes through TMS's publisher");
    const lean = await rawLeanPublish(nats.url, seconds);
    const raw = {
      rate: (rawBefore.rate + rawAfter.rate) / 2,
      p50: (rawBefore.p50 + rawAfter.p50) / 2,
      p99: Math.max(rawBefore.p99, rawAfter.p99),
    };
    progress("cluster: TMS over HTTP, 1 command node (64 in flight)");
    const one = await withBenchSchema((env) =>
      tmsHttp(nats, dir, 1, seconds, env)
    );
    progress("cluster: TMS over HTTP, 2 command nodes (64 in flight each)");
    const two = await withBenchSchema((env) =>
      tmsHttp(nats, dir, 2, seconds, env)
    );
    const cores = navigator.hardwareConcurrency;
    return [
      {
        section: SECTION,
        name:
          "raw pipelined JetStream publish (nats.js, 256 in flight, mean of 2 runs) — baseline",
        value: raw.rate,
        unit: "msgs/s",
        ratio: "1.00×",
      },
      {
        section: SECTION,
        name: "raw publish latency p50 / p99",
        value: raw.p50,
        unit: `ms / ${raw.p99.toFixed(1)} ms`,
      },
      {
        section: SECTION,
        name: "TMS durable commands on JetStream in-process (1000 actors)",
        value: inProcess.rate,
        unit: "commands/s",
        ratio: ratio(inProcess.rate, raw.rate),
        target: "≥ 0.7× raw pipelined publish",
        met: inProcess.rate >= 0.7 * raw.rate,
      },
      {
        section: SECTION,
        name:
          "raw pipelined publish through TMS's publisher (core publish, one reply subscription, 256 in flight)",
        value: lean.rate,
        unit: "msgs/s",
        ratio: ratio(lean.rate, raw.rate),
      },
      {
        section: SECTION,
        name: "TMS in-process on JetStream as a ratio of TMS's publisher",
        value: inProcess.rate,
        unit: "commands/s",
        ratio: ratio(inProcess.rate, lean.rate),
        target: "≥ 0.6× TMS's publisher",
        met: inProcess.rate >= 0.6 * lean.rate,
      },
      {
        section: SECTION,
        name: "in-process command latency p50",
        value: inProcess.p50,
        unit: "ms",
      },
      {
        section: SECTION,
        name: "in-process command latency p99",
        value: inProcess.p99,
        unit: "ms",
      },
      {
        section: SECTION,
        name:
          "TMS over HTTP on JetStream, 1 command node (TMS_PROJECTIONS=off, 64 in flight)",
        value: one.rate,
        unit: "commands/s",
        ratio: ratio(one.rate, raw.rate),
      },
      {
        section: SECTION,
        name: "1 node HTTP latency p50",
        value: one.p50,
        unit: "ms",
      },
      {
        section: SECTION,
        name: "1 node HTTP latency p99",
        value: one.p99,
        unit: "ms",
      },
      {
        section: SECTION,
        name:
          `TMS over HTTP on JetStream, 2 command nodes (${cores} cores, half the requests forwarded)`,
        value: two.rate,
        unit: "commands/s",
        ratio: ratio(two.rate, one.rate) + " of 1 node",
      },
      {
        section: SECTION,
        name: "2 nodes HTTP latency p50",
        value: two.p50,
        unit: "ms",
      },
      {
        section: SECTION,
        name: "2 nodes HTTP latency p99",
        value: two.p99,
        unit: "ms",
      },
      cpuRow("1 node", one),
      cpuRow("2 nodes", two),
      ...cpuPerCommandRows(one, two),
      {
        section: SECTION,
        name: "HTTP errors (both runs)",
        value: one.errors + two.errors,
        unit: "requests",
      },
    ];
  } finally {
    await nats.dispose();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  try {
    const seconds = Number(Deno.args[0] ?? 5);
    for (const row of await clusterBench({ seconds })) {
      console.log(
        `${row.name}: ${row.value.toFixed(2)} ${row.unit} ${row.ratio ?? ""} ${
          row.target
            ? `(target ${row.target}: ${row.met ? "met" : "NOT met"})`
            : ""
        }`,
      );
    }
  } catch (error) {
    console.error(
      `bench failed: ${error instanceof Error ? error.message : error}`,
    );
    Deno.exit(1);
  }
}
