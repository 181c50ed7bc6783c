/**
 * `deno task bench [section…]`: measures TMS against baselines taken in the
 * same run on the same machine, prints the table and writes BENCHMARKS.md.
 * Sections: kv (raw Deno KV vs TMS in-process), http (TMS over HTTP, load from
 * a separate process), read (projections into PGlite and PostgreSQL), lines
 * (a line on a draft of 150 lines against one of 5: commands and the invoices
 * projection), cluster (JetStream: raw publish vs TMS, one node vs two),
 * auth (HTTP commands with a bearer token vs TMS_AUTH=off), reports (report
 * latency over a year of one school), chaos (commands through the idle chaos
 * seams vs none). No section named runs them all.
 */
import { KvEventLog } from "../runtime/log/kv/mod.ts";
import { clusterBench } from "./bench_cluster.ts";
import { loadProcess, ratio, withBenchSchema } from "./bench_support.ts";
import type { BenchRow } from "./bench_support.ts";
import { benchPeers } from "./bench_peers.ts";
import { benchProjections } from "./bench_projections.ts";
import { benchLines } from "./bench_lines.ts";
import { benchReports } from "./bench_reports.ts";
import { benchBackup, benchTrace } from "./bench_backup.ts";
import { benchAuth } from "./bench_auth.ts";
import { relayBench } from "./bench_relay.ts";
import { benchChaos } from "./bench_chaos.ts";
import { benchRealtime } from "./bench_realtime.ts";
import { benchActors } from "./bench_actors.ts";
import { commandLoad } from "./bench_commands.ts";
import type { CommandLoadResult } from "./bench_commands.ts";
import type { LoadResult } from "./load.ts";
import { runTask, UsageError } from "./cli.ts";
import type { TaskSpec } from "./cli.ts";
import { authHeaders, startServer } from "./server_process.ts";

const SECTIONS = [
  "kv",
  "http",
  "read",
  "lines",
  "cluster",
  "relay",
  "backup",
  "trace",
  "peers",
  "auth",
  "reports",
  "chaos",
  "realtime",
  "actors",
] as const;

/** `deno task bench`: its sections, environment and usage text. */
export const benchTask: TaskSpec = {
  name: "bench",
  summary:
    "Measures TMS against baselines taken in the same run on this machine, prints the table and writes BENCHMARKS.md.",
  positionals:
    "[kv|http|read|lines|cluster|relay|backup|trace|auth|reports|peers|chaos|realtime|actors…]",
  details:
    `Sections: kv (raw Deno KV vs TMS in-process), http (TMS over HTTP, load from
a separate process), read (projections into PGlite and PostgreSQL), lines (a
line on a draft of 150 lines against one of 5), cluster (JetStream: raw
publish vs TMS, one node vs two), relay (integration events relayed from a
Deno KV log to TMS_INTEGRATION against the raw publish), backup (backup,
verify and restore against
the raw feed read, embedded and distributed), trace (a span seam's cost with
tracing off), auth (HTTP commands with a bearer token against the same load
on a TMS_AUTH=off node, alternating), reports (p99 of the income, MVA and
receivables reports over a year of one school — 5,000 invoices, 2,000
expenses — against a trivial GET of the same read model), peers (the shared
invoice workload of ../shared/peers on the mock server, Emmett, Restate and
TMS with auth on; TMS_BENCH_PEER_STREAMS for a short run). chaos (durable commands through the idle chaos seams against the same log
without them), realtime (commit → SSE client latency at half the node's
command rate, against the write's own p99), actors (asks and reads to an active
actor against a bare await loop, activation of a 10,000-commit actor from
its snapshot against full replay, heap per active actor and heap while
1,000,000 actors pass through 10,000 activations). No section named runs them all and also rewrites the table in
README.md; named sections replace their own rows of BENCHMARKS.md and keep the
others. The whole run takes several minutes; http, cluster, relay and backup start
their own nodes and nats-server on free ports.`,
  env: [
    {
      name: "DATABASE_URL",
      default: "postgres://postgres@127.0.0.1:5432/postgres",
      description:
        "the PostgreSQL of read, http and cluster (each in a throwaway schema)",
    },
    {
      name: "NATS_SERVER_BIN",
      default: "/usr/sbin/nats-server",
      description: "the nats-server that the cluster section starts",
    },
  ],
  examples: ["deno task bench", "deno task bench kv read"],
};

const ROOT = new URL("../", import.meta.url).pathname;

function progress(message: string) {
  console.error(`[bench] ${message}`);
}

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
  env: Record<string, string> = {},
): Promise<HttpRuns> {
  return await withTempDir(async (dir) => {
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
}

function fmt(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString("en-US");
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Rounds of the embedded section: the raw baseline and TMS alternate. */
const KV_ROUNDS = 3;

function median<T>(items: readonly T[], key: (item: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[
    Math.floor(items.length / 2)
  ];
}

async function kvSection(rows: BenchRow[]): Promise<number> {
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

async function httpSection(rows: BenchRow[], baseline: number): Promise<void> {
  progress("HTTP: the embedded default (projections in the node, PGlite)");
  const embedded = await tmsHttp(5);
  progress(
    "HTTP: a command node (TMS_PROJECTIONS=off, read models in PostgreSQL)",
  );
  const command = await withBenchSchema((env) =>
    tmsHttp(5, { ...env, TMS_PROJECTIONS: "off" })
  );
  const runs = [
    { label: "", run: embedded, target: true },
    {
      label: ", command node (TMS_PROJECTIONS=off)",
      run: command,
      target: false,
    },
  ];
  for (const { label, run: { max, half, stalls }, target } of runs) {
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
        ...(target ? { target: "≤ 20 ms", met: half.p99 <= 20 } : {}),
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

function table(rows: BenchRow[]): string {
  const lines = [
    "| section | measure | value | unit | ratio to baseline | target | met |",
    "| --- | --- | ---: | --- | ---: | --- | --- |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.section} | ${r.name} | ${fmt(r.value)} | ${r.unit} | ${
        r.ratio ?? ""
      } | ${r.target ?? ""} | ${
        r.met === undefined ? "" : r.met ? "yes" : "**no**"
      } |`,
    );
  }
  return lines.join("\n");
}

/** The rows of BENCHMARKS.md outside `sections`, as they are written there. */
async function previousRows(sections: Set<string>): Promise<BenchRow[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${ROOT}BENCHMARKS.md`);
  } catch {
    return [];
  }
  const rows: BenchRow[] = [];
  for (const line of text.split("\n")) {
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    if (cells.length !== 7 || cells[0] === "section" || /^-+$/.test(cells[0])) {
      continue;
    }
    if (sections.has(cells[0])) continue;
    rows.push({
      section: cells[0],
      name: cells[1],
      value: Number(cells[2].replaceAll(",", "")),
      unit: cells[3],
      ratio: cells[4] || undefined,
      target: cells[5] || undefined,
      met: cells[6] === "" ? undefined : cells[6] === "yes",
    });
  }
  return rows;
}

/** Replaces the table between the bench markers of README.md. */
async function updateReadme(markdown: string): Promise<void> {
  const path = `${ROOT}README.md`;
  const readme = await Deno.readTextFile(path);
  const start = "<!-- bench:start -->";
  const end = "<!-- bench:end -->";
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error("README.md has no bench markers");
  const stamp = `Measured ${
    new Date().toISOString().slice(0, 10)
  } by \`deno task bench\`.`;
  await Deno.writeTextFile(
    path,
    `${readme.slice(0, from + start.length)}\n${stamp}\n\n${markdown}\n${
      readme.slice(to)
    }`,
  );
  // The table must stay as `deno fmt --check` (CI) wants it.
  const formatted = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "-q", path],
  }).output();
  if (!formatted.success) throw new Error("deno fmt of README.md failed");
}

if (import.meta.main) {
  await runTask(benchTask, async (args) => {
    for (const name of args.positionals) {
      if (!(SECTIONS as readonly string[]).includes(name)) {
        throw new UsageError(
          `unknown section ${name}; sections: ${SECTIONS.join(", ")}`,
        );
      }
    }
    const wanted = new Set(args.positionals);
    const all = wanted.size === 0;
    const rows: BenchRow[] = [];
    let baseline = 0;
    if (all || wanted.has("kv") || wanted.has("http")) {
      baseline = await kvSection(rows);
    }
    if (all || wanted.has("http")) await httpSection(rows, baseline);
    if (all || wanted.has("read")) {
      progress("read side: projections into PGlite and PostgreSQL");
      for (const r of await benchProjections({ progress })) {
        rows.push({
          section: "read",
          name: r.note ? `${r.name} (${r.note})` : r.name,
          value: r.value,
          unit: r.unit,
          ratio: r.ratio === undefined ? undefined : `${r.ratio.toFixed(2)}×`,
          target: r.target,
          met: r.met,
        });
      }
    }
    if (all || wanted.has("lines")) {
      progress("lines: drafts of 5 and of 150 lines, alternating");
      for (const r of await benchLines({ progress })) {
        rows.push({ section: "lines", ...r });
      }
    }
    if (all || wanted.has("cluster")) {
      rows.push(...await clusterBench({ progress }));
    }
    if (all || wanted.has("relay")) {
      rows.push(...await relayBench({ progress }));
    }
    if (all || wanted.has("backup")) {
      rows.push(...await benchBackup({ progress }));
    }
    if (all || wanted.has("trace")) {
      rows.push(...await benchTrace({ progress }));
    }
    if (all || wanted.has("reports")) {
      for (const r of await benchReports({ progress })) {
        rows.push({ section: "reports", ...r });
      }
    }
    if (all || wanted.has("auth")) {
      rows.push(...await benchAuth({ progress }));
    }
    if (all || wanted.has("actors")) {
      rows.push(...await benchActors({ progress }));
    }
    if (all || wanted.has("peers")) {
      const streams = Deno.env.get("TMS_BENCH_PEER_STREAMS");
      rows.push(
        ...await benchPeers({
          progress,
          streams: streams ? Number(streams) : undefined,
        }),
      );
    }
    if (all || wanted.has("chaos")) {
      rows.push(...await benchChaos({ progress }));
    }
    if (all || wanted.has("realtime")) {
      for (const r of await benchRealtime({ progress })) {
        rows.push({ section: "realtime", ...r });
      }
    }
    const cpu = Deno.build.arch;
    const header = [
      "# TMS benchmarks",
      "",
      `Run: ${
        new Date().toISOString()
      } · Deno ${Deno.version.deno} · ${navigator.hardwareConcurrency} cores · ${cpu} · \`deno task bench\`.`,
      "Every ratio is against a baseline measured in the same run on the same machine:",
      "the raw Deno KV batched-atomic rate (100 mutations per atomic, events/s) for the",
      "embedded figures, the feed read rate for the read side, the raw pipelined",
      "JetStream publish rate of the same client for the cluster figures, the raw",
      "feed read of the same log for backup, verify and restore, the bare call for a",
      "span seam with tracing off, the same HTTP load on a TMS_AUTH=off node for the",
      "cost of auth, a trivial GET of the ledger read model for the reports, the",
      "same commands without the chaos seams, the write's own HTTP p99 for realtime",
      "fan-out, a bare `await` loop and full replay for the actor figures. Latency of",
      "open-loop runs is measured from the scheduled send time. HTTP load comes from",
      "a separate process (`ops/load.ts`).",
      "",
    ].join("\n");
    console.log(table(rows));
    // A partial run keeps the other sections' rows of the last file.
    const kept = all ? [] : await previousRows(wanted);
    const doc = `${header}${
      kept.length > 0
        ? `\nSections ${
          [...wanted].join(", ")
        } re-run at the time above; the other rows are from earlier runs.\n\n`
        : ""
    }${table([...kept, ...rows])}\n`;
    await Deno.writeTextFile(`${ROOT}BENCHMARKS.md`, doc);
    progress("wrote BENCHMARKS.md");
    if (all) {
      await updateReadme(table(rows));
      progress("updated the benchmark table in README.md");
    }
  });
}
