/**
 * `deno task bench [section…]`: measures TMS against baselines taken in the
 * same run on the same machine, prints the table and writes BENCHMARKS.md.
 * Each section (`SECTIONS`: its name, what it measures, its baseline, its
 * run) writes rows with ratios to its baseline; no section named runs them
 * all.
 */
import { clusterBench } from "./bench_cluster.ts";
import { fmt } from "./bench_support.ts";
import { httpSection, kvSection } from "./bench_http.ts";
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
import { runTask, UsageError } from "./cli.ts";
import type { TaskSpec } from "./cli.ts";

/** One section of the bench: what it measures, against what, and its run. */
interface Section {
  name: string;
  /** What it measures and its baseline, for `--help`. */
  summary: string;
  /** The baseline of its ratios, for the header of BENCHMARKS.md. */
  baseline: string;
  run(
    rows: BenchRow[],
    context: { kvBaseline(): Promise<number> },
  ): Promise<void>;
}

/** Rows of a section whose runner returns them without the section's name. */
function named(section: string, rows: readonly Omit<BenchRow, "section">[]) {
  return rows.map((r) => ({ ...r, section }));
}

/** Every section, in the order a whole run takes them. */
const SECTIONS: readonly Section[] = [
  {
    name: "kv",
    summary: "raw Deno KV vs TMS in-process",
    baseline:
      "the raw Deno KV batched-atomic rate (100 mutations per atomic, events/s) for the embedded figures",
    run: async (_, c) => void await c.kvBaseline(),
  },
  {
    name: "http",
    summary: "TMS over HTTP, load from a separate process",
    baseline: "the same raw Deno KV rate for the HTTP figures",
    run: async (rows, c) =>
      await httpSection(rows, await c.kvBaseline(), progress),
  },
  {
    name: "read",
    summary: "projections into PGlite and PostgreSQL",
    baseline: "the feed read rate for the read side",
    run: async (rows) => {
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
    },
  },
  {
    name: "lines",
    summary:
      "a command on an aggregate of 150 lines/events against one of 5: invoice lines, employee shifts, kontroll points",
    baseline:
      "the same commands on drafts of 5 lines, employees with 5 past shifts and kontroller of 5 recorded check points",
    run: async (rows) => {
      progress(
        "lines: invoices, employees and kontroller of 5 and of 150, alternating",
      );
      rows.push(...named("lines", await benchLines({ progress })));
    },
  },
  {
    name: "cluster",
    summary: "JetStream: raw publish vs TMS, one node vs two",
    baseline:
      "the raw pipelined JetStream publish rate of the same client for the cluster figures",
    run: async (rows) => void rows.push(...await clusterBench({ progress })),
  },
  {
    name: "relay",
    summary:
      "integration events relayed from a Deno KV log to TMS_INTEGRATION against the raw publish",
    baseline: "the raw pipelined publish for the relay",
    run: async (rows) => void rows.push(...await relayBench({ progress })),
  },
  {
    name: "backup",
    summary:
      "backup, verify and restore against the raw feed read, embedded and distributed",
    baseline:
      "the raw feed read of the same log for backup, verify and restore",
    run: async (rows) => void rows.push(...await benchBackup({ progress })),
  },
  {
    name: "trace",
    summary: "a span seam's cost with tracing off",
    baseline: "the bare call for a span seam with tracing off",
    run: async (rows) => void rows.push(...await benchTrace({ progress })),
  },
  {
    name: "reports",
    summary:
      "p99 of the income, MVA and receivables reports over a year of one school (5,000 invoices, 2,000 expenses)",
    baseline: "a trivial GET of the ledger read model for the reports",
    run: async (rows) =>
      void rows.push(...named("reports", await benchReports({ progress }))),
  },
  {
    name: "auth",
    summary:
      "HTTP commands with a bearer token against the same load on a TMS_AUTH=off node, alternating",
    baseline: "the same HTTP load on a TMS_AUTH=off node for the cost of auth",
    run: async (rows) => void rows.push(...await benchAuth({ progress })),
  },
  {
    name: "actors",
    summary:
      "asks and reads to an active actor, activation from a snapshot, heap per actor and across 1,000,000 actors",
    baseline: "a bare `await` loop and full replay for the actor figures",
    run: async (rows) => void rows.push(...await benchActors({ progress })),
  },
  {
    name: "chaos",
    summary:
      "durable commands through the idle chaos seams against the same log without them",
    baseline: "the same commands without the chaos seams",
    run: async (rows) => void rows.push(...await benchChaos({ progress })),
  },
  {
    name: "realtime",
    summary:
      "commit → SSE client latency at half the node's command rate, against the write's own p99",
    baseline: "the write's own HTTP p99 for realtime fan-out",
    run: async (rows) =>
      void rows.push(...named("realtime", await benchRealtime({ progress }))),
  },
  {
    name: "peers",
    summary:
      "the shared invoice workload of ../shared/peers on the mock server, Emmett, Restate and TMS with auth on (TMS_BENCH_PEER_STREAMS for a short run)",
    baseline: "the mock server (the machine's HTTP limit) for the peers",
    run: async (rows) => {
      const streams = Deno.env.get("TMS_BENCH_PEER_STREAMS");
      rows.push(
        ...await benchPeers({
          progress,
          streams: streams ? Number(streams) : undefined,
        }),
      );
    },
  },
];

/** `deno task bench`: its sections, environment and usage text. */
export const benchTask: TaskSpec = {
  name: "bench",
  summary:
    "Measures TMS against baselines taken in the same run on this machine, prints the table and writes BENCHMARKS.md.",
  positionals: `[${SECTIONS.map((s) => s.name).join("|")}…]`,
  details: `Sections:
${SECTIONS.map((s) => `  ${s.name.padEnd(9)} ${s.summary}`).join("\n")}
No section named runs them all and also rewrites the table in README.md;
named sections replace their own rows of BENCHMARKS.md and keep the others.
The whole run takes several minutes; http, cluster, relay, backup, auth,
realtime and peers start their own nodes (and nats-server) on free ports.`,
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
    {
      name: "TMS_BENCH_PEER_STREAMS",
      default: "2000",
      description: "streams of the peers workload (fewer: a short run)",
    },
    {
      name: "TMS_BENCH_NODE_FLAGS",
      default: "",
      description:
        "extra `deno run` flags for the nodes the sections start, e.g. --v8-flags=--prof,--logfile=node.log",
    },
  ],
  examples: ["deno task bench", "deno task bench kv read"],
};

const ROOT = new URL("../", import.meta.url).pathname;

function progress(message: string) {
  console.error(`[bench] ${message}`);
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
    const known = new Set(SECTIONS.map((s) => s.name));
    for (const name of args.positionals) {
      if (!known.has(name)) {
        throw new UsageError(
          `unknown section ${name}; sections: ${[...known].join(", ")}`,
        );
      }
    }
    const wanted = new Set(args.positionals);
    const all = wanted.size === 0;
    const rows: BenchRow[] = [];
    // kv's raw rate is http's baseline too: measured once, when either runs.
    let kvBaseline: Promise<number> | null = null;
    const context = {
      kvBaseline: () => kvBaseline ??= kvSection(rows, progress),
    };
    const chosen = SECTIONS.filter((s) => all || wanted.has(s.name));
    for (const section of chosen) await section.run(rows, context);
    const cpu = Deno.build.arch;
    const header = [
      "# TMS benchmarks",
      "",
      `Run: ${
        new Date().toISOString()
      } · Deno ${Deno.version.deno} · ${navigator.hardwareConcurrency} cores · ${cpu} · \`deno task bench\`.`,
      "Every ratio is against a baseline measured in the same run on the same machine:",
      ...chosen.map((s) => `- ${s.name}: ${s.baseline};`),
      "Latency of",
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
