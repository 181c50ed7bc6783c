/**
 * `deno task bench [section…]`: measures TMS against baselines taken in the
 * same run on the same machine, prints the table and writes BENCHMARKS.md.
 * Sections: kv (raw Deno KV vs TMS in-process), http (TMS over HTTP, load from
 * a separate process), read (projections into PGlite and PostgreSQL), cluster
 * (JetStream: raw publish vs TMS, one node vs two). No section named runs them
 * all.
 */
import { KvEventLog } from "../runtime/mod.ts";
import { clusterBench } from "./bench_cluster.ts";
import { benchProjections } from "./bench_projections.ts";
import { commandLoad } from "./bench_commands.ts";
import type { CommandLoadResult } from "./bench_commands.ts";
import type { LoadResult } from "./load.ts";
import { startServer } from "./server_process.ts";

/** One line of the benchmark table. */
export interface BenchRow {
  section: string;
  name: string;
  value: number;
  unit: string;
  /** The figure as a ratio of the section's baseline, e.g. "0.62×". */
  ratio?: string;
  target?: string;
  met?: boolean;
}

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

async function loadProcess(args: string[]): Promise<LoadResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}ops/load.ts`, "--json", ...args],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) {
    throw new Error(`Load process failed (exit ${output.code})`);
  }
  const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
  return JSON.parse(lines.at(-1)!) as LoadResult;
}

/** TMS over HTTP: the server and the load driver are separate processes. */
async function tmsHttp(
  seconds: number,
): Promise<{ max: LoadResult; half: LoadResult }> {
  return await withTempDir(async (dir) => {
    const server = await startServer({ TMS_DATA_DIR: dir });
    try {
      const common = [
        "--url",
        server.url,
        "--seconds",
        String(seconds),
        "--targets",
        "500",
      ];
      progress("HTTP: closed loop, 64 in flight, to find the maximum rate");
      const max = await loadProcess([...common, "--concurrency", "64"]);
      const halfRate = Math.max(1, Math.round(max.rate / 2));
      progress(`HTTP: open loop at half the maximum (${halfRate}/s)`);
      const half = await loadProcess([...common, "--rate", String(halfRate)]);
      return { max, half };
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

function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}×`;
}

async function kvSection(rows: BenchRow[]): Promise<number> {
  progress("raw Deno KV: single commits and batched atomics");
  const raw = await rawKv(3);
  rows.push(
    {
      section: "kv",
      name: "raw Deno KV single commits",
      value: raw.single,
      unit: "commits/s",
      ratio: ratio(raw.single, raw.batched),
    },
    {
      section: "kv",
      name: "raw Deno KV batched atomics (100 mutations) — baseline",
      value: raw.batched,
      unit: "events/s",
      ratio: "1.00×",
    },
  );
  progress("TMS in-process: 1000 actors, durable commands");
  const tms = await tmsInProcess(5, 1000);
  rows.push(
    {
      section: "kv",
      name: "TMS durable commands in-process (1000 actors)",
      value: tms.rate,
      unit: "commands/s",
      ratio: ratio(tms.rate, raw.batched),
      target: "≥ 0.5× raw batched",
      met: tms.rate >= 0.5 * raw.batched,
    },
    {
      section: "kv",
      name: "TMS in-process command latency p50",
      value: tms.p50,
      unit: "ms",
    },
    {
      section: "kv",
      name: "TMS in-process command latency p99",
      value: tms.p99,
      unit: "ms",
    },
  );
  return raw.batched;
}

async function httpSection(rows: BenchRow[], baseline: number): Promise<void> {
  const { max, half } = await tmsHttp(5);
  rows.push(
    {
      section: "http",
      name: "TMS durable commands over HTTP, max (64 in flight)",
      value: max.rate,
      unit: "commands/s",
      ratio: ratio(max.rate, baseline),
    },
    {
      section: "http",
      name: "HTTP latency p50 at max",
      value: max.p50,
      unit: "ms",
    },
    {
      section: "http",
      name: "HTTP latency p99 at max",
      value: max.p99,
      unit: "ms",
    },
    {
      section: "http",
      name: `HTTP open loop at half max (${Math.round(half.rate)}/s achieved)`,
      value: half.rate,
      unit: "commands/s",
      ratio: ratio(half.rate, baseline),
    },
    {
      section: "http",
      name: "HTTP latency p50 at half max",
      value: half.p50,
      unit: "ms",
    },
    {
      section: "http",
      name: "HTTP latency p99 at half max",
      value: half.p99,
      unit: "ms",
      target: "≤ 20 ms",
      met: half.p99 <= 20,
    },
    {
      section: "http",
      name: "HTTP errors (both runs)",
      value: max.errors + half.errors,
      unit: "requests",
    },
  );
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
  const wanted = new Set(Deno.args.filter((a) => !a.startsWith("-")));
  const all = wanted.size === 0;
  const rows: BenchRow[] = [];
  try {
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
    if (all || wanted.has("cluster")) {
      rows.push(...await clusterBench({ progress }));
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
      "JetStream publish rate of the same client for the cluster figures. Latency of",
      "open-loop runs is measured from the scheduled send time. HTTP load comes from",
      "a separate process (`ops/load.ts`).",
      "",
    ].join("\n");
    const doc = `${header}${table(rows)}\n`;
    console.log(table(rows));
    await Deno.writeTextFile(`${ROOT}BENCHMARKS.md`, doc);
    progress("wrote BENCHMARKS.md");
    if (all) {
      await updateReadme(table(rows));
      progress("updated the benchmark table in README.md");
    }
  } catch (error) {
    console.error(
      `bench failed: ${error instanceof Error ? error.message : error}`,
    );
    Deno.exit(1);
  }
}
