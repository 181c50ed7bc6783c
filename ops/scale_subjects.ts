/**
 * `deno task scale:subjects` (run with `--allow-all`: it reads
 * `/proc/<pid>/status`): how nats-server's memory, disk and latencies
 * grow with the number of aggregates (subjects) in `TMS_EVENTS`. Starts its
 * own nats-server on a free port with a temporary store, creates the stream
 * as a node does (`ensureEventStream`), writes one small commit per subject
 * through `JetStreamEventLog.append` (the expected-last-subject-sequence
 * fence included), many in flight, and at each size measures the server's
 * RSS, the store on disk, append latency to new and to existing subjects,
 * and a direct get of a subject's last message. The figures behind
 * docs/scale.md.
 */
import { jetstreamManager, natsConnect } from "../deps.ts";
import type { JetStreamManager, NatsConnection } from "../deps.ts";
import { JetStreamEventLog } from "../runtime/log/jetstream/mod.ts";
import { eventSubject, JetStreamNames } from "../runtime/core/mod.ts";
import { NatsServer } from "../tests/support/nats_server.ts";
import { percentile } from "./stats.ts";
import { processCpuSeconds } from "./cpu_usage.ts";
import { runTask } from "./cli.ts";
import type { TaskSpec } from "./cli.ts";

/** `deno task scale:subjects`: its flags and usage text. */
export const scaleSubjectsTask: TaskSpec = {
  name: "scale:subjects",
  summary:
    "Measures nats-server's memory, store size and latencies at 10k, 100k and 1M subjects in TMS_EVENTS (its own server).",
  details:
    `Writes one small commit per aggregate (subject tms.evt.invoice.<uuid>) with
JetStreamEventLog.append, --in-flight at a time, into a nats-server it starts
on a free port with a temporary store (stream created as a node creates it:
R1, file storage, direct gets). Sizes: every power of ten from 1,000 below
--subjects, and --subjects. At each size: the server's VmRSS and VmHWM, the
store's size on disk, the fill rate, --probe appends one at a time to new
subjects and to existing ones (their head read first, as an activation
does), and --probe direct gets of the last message of random subjects.
After the last size the server is restarted: time until healthy and RSS.
Every message id of the last --duplicate-window-ms is held in the server's
memory too: a 1000 ms window shows the per-subject index alone. --write puts
the table into docs/scale.md.`,
  flags: [
    {
      name: "subjects",
      value: "N",
      default: "1000000",
      description: "subjects written in all",
    },
    {
      name: "probe",
      value: "N",
      default: "1000",
      description: "timed operations of each kind at each size",
    },
    {
      name: "in-flight",
      value: "N",
      default: "1024",
      description: "appends in flight while filling",
    },
    {
      name: "duplicate-window-ms",
      value: "MS",
      default: "120000",
      description:
        "the stream's deduplication window (a node's default); every message id in it is held in the server's memory",
    },
    {
      name: "sync-always",
      description:
        "start the server with jetstream { sync_interval: always } (nats-server ≥ 2.10)",
    },
    { name: "write", description: "write the table into docs/scale.md" },
    { name: "json", description: "print the rows as one JSON line" },
  ],
  env: [{
    name: "NATS_SERVER_BIN",
    default: "/usr/sbin/nats-server",
    description: "the nats-server to start",
  }],
  examples: [
    "deno task scale:subjects",
    "deno task scale:subjects --subjects 100000 --probe 500 --json",
  ],
};

const ROOT = new URL("../", import.meta.url).pathname;
const TYPE = "invoice";
const MIB = 1024 * 1024;

/** The figures at one size. */
export interface ScaleRow {
  subjects: number;
  /** Subjects the stream reports (includes the probes' new subjects). */
  streamSubjects: number;
  /** Appends/s while filling up to this size. */
  fillRate: number;
  /** The last tenth of the fill: appends/s and nats-server CPU µs per append. */
  lastTenth: { rate: number; serverCpuUs: number };
  rssBytes: number;
  hwmBytes: number;
  /** Allocated blocks of the store directory. */
  storeBytes: number;
  appendNew: { p50: number; p99: number };
  appendExisting: { p50: number; p99: number };
  getLast: { p50: number; p99: number };
}

/** What a whole run measured. */
export interface ScaleResult {
  server: string;
  syncAlways: boolean;
  duplicateWindowMs: number;
  /** RSS with the empty stream, before any commit. */
  emptyRssBytes: number;
  rows: ScaleRow[];
  restart: { subjects: number; readyMs: number; rssBytes: number };
}

/** Sizes measured up to `subjects`: the powers of ten from 1,000 below it, then it. */
export function sizesUpTo(subjects: number): number[] {
  const sizes: number[] = [];
  for (let size = 1000; size < subjects; size *= 10) sizes.push(size);
  sizes.push(subjects);
  return sizes;
}

/** A UUID-shaped aggregate id for index `i`: subjects as long as real ones. */
export function aggregateId(i: number): string {
  return `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
}

/** VmRSS and VmHWM (bytes) of a process, from `/proc/<pid>/status`. */
export async function processMemory(
  pid: number,
): Promise<{ rss: number; hwm: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kib = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
    if (!match) throw new Error(`No ${name} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/** Bytes allocated on disk under `dir` (blocks, not apparent sizes). */
export async function diskUsage(dir: string): Promise<number> {
  let bytes = 0;
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) bytes += await diskUsage(path);
    else if (entry.isFile) {
      const info = await Deno.stat(path);
      bytes += (info.blocks ?? Math.ceil(info.size / 512)) * 512;
    }
  }
  return bytes;
}

/** Milliseconds `work` takes. */
async function ms(work: Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work;
  return performance.now() - start;
}

/** p50 and p99 of `n` sequential runs of `op(j)`, each answering its own ms. */
async function latencies(
  n: number,
  op: (j: number) => Promise<number>,
): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let j = 0; j < n; j++) times.push(await op(j));
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

/** Runs `work(i)` for i in [from, to), `inFlight` at a time. */
async function pooled(
  from: number,
  to: number,
  inFlight: number,
  work: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from(
      { length: Math.max(1, Math.min(inFlight, to - from)) },
      async () => {
        while (next < to) await work(next++);
      },
    ),
  );
}

/** A deterministic pseudo-random index generator (xorshift), for probes. */
function randomIndices(seed: number): (below: number) => number {
  let x = seed | 1;
  return (below) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % below;
  };
}

/** Options of one run. */
export interface ScaleOptions {
  subjects: number;
  probe: number;
  inFlight: number;
  /** The stream's deduplication window (default 120,000 ms, as a node creates it). */
  duplicateWindowMs?: number;
  syncAlways?: boolean;
  progress?: (message: string) => void;
}

/** Starts a nats-server, fills TMS_EVENTS up to `subjects`, measures at each size. */
export async function measureSubjects(o: ScaleOptions): Promise<ScaleResult> {
  const progress = o.progress ?? (() => {});
  let config: string | null = null;
  if (o.syncAlways) {
    config = await Deno.makeTempFile({ prefix: "tms-scale-", suffix: ".conf" });
    await Deno.writeTextFile(config, "jetstream { sync_interval: always }\n");
  }
  const server = await NatsServer.start({
    name: "tms-scale",
    args: config ? ["-c", config] : [],
  });
  let log: JetStreamEventLog | null = null;
  let nc: NatsConnection | null = null;
  try {
    log = await JetStreamEventLog.connect({
      servers: server.url,
      duplicateWindowMs: o.duplicateWindowMs,
    });
    nc = await natsConnect({ servers: server.url, noAsyncTraces: true });
    const version = nc.info?.version ?? "unknown";
    const jsm = await jetstreamManager(nc);
    const pid = server.pid!;
    const emptyRss = (await processMemory(pid)).rss;
    const versions = new Map<number, number>();
    const append = (i: number) => {
      const id = aggregateId(i);
      const expectedVersion = versions.get(i) ?? 0;
      return log!.append({
        type: TYPE,
        id,
        expectedVersion,
        commandId: crypto.randomUUID(),
        events: [{
          type: "invoice.note_added",
          v: 1,
          data: { note: "scale", at: "2026-12-01T10:00:00.000Z" },
        }],
      }).then((result) => {
        if (versions.has(i)) versions.set(i, result.version);
      });
    };
    const random = randomIndices(o.subjects);
    const rows: ScaleRow[] = [];
    let written = 0;
    for (const size of sizesUpTo(o.subjects)) {
      progress(`filling to ${size.toLocaleString("en-US")} subjects`);
      const started = performance.now();
      const from = written;
      // The last tenth is timed on its own, with the server's CPU: the cost
      // of an append at this size rather than the average on the way.
      const tenth = Math.max(written, size - Math.ceil((size - written) / 10));
      await pooled(written, tenth, o.inFlight, append);
      const tenthStarted = performance.now();
      const cpuBefore = processCpuSeconds(pid) ?? 0;
      await pooled(tenth, size, o.inFlight, append);
      const lastTenth = {
        rate: (size - tenth) / ((performance.now() - tenthStarted) / 1000),
        serverCpuUs: ((processCpuSeconds(pid) ?? 0) - cpuBefore) * 1e6 /
          Math.max(1, size - tenth),
      };
      written = Math.max(written, size);
      const fillRate = (written - from) /
        ((performance.now() - started) / 1000);
      const memory = await processMemory(pid);
      const storeBytes = await diskUsage(`${server.dir}/store`);
      progress(`probing at ${size.toLocaleString("en-US")} subjects`);
      const probes = Math.min(o.probe, size);
      // New subjects: the next indices, counted in the following sizes.
      const appendNew = await latencies(probes, (j) => ms(append(written + j)));
      written += probes;
      const existing = new Set<number>();
      const getLast = await latencies(probes, (j) => {
        const i = random(size);
        if (j % 2 === 0) existing.add(i);
        return ms(lastBySubject(jsm, eventSubject(TYPE, aggregateId(i))));
      });
      const chosen = [...existing];
      const appendExisting = await latencies(chosen.length, async (j) => {
        const i = chosen[j];
        // An activation reads the stream (and so learns its head) first.
        const [head] = (await log!.readStream(TYPE, aggregateId(i), 0)).slice(
          -1,
        );
        versions.set(i, head.version);
        return await ms(append(i));
      });
      const info = await jsm.streams.info(JetStreamNames.stream);
      rows.push({
        subjects: size,
        streamSubjects: info.state.num_subjects ?? 0,
        fillRate,
        lastTenth,
        rssBytes: memory.rss,
        hwmBytes: memory.hwm,
        storeBytes,
        appendNew,
        appendExisting,
        getLast,
      });
    }
    await log.close();
    log = null;
    await nc.close();
    nc = null;
    progress(`restarting the server with ${written} subjects`);
    const started = performance.now();
    await server.restart();
    const readyMs = performance.now() - started;
    const restart = {
      subjects: written,
      readyMs,
      rssBytes: (await processMemory(server.pid!)).rss,
    };
    return {
      server: version,
      syncAlways: o.syncAlways === true,
      duplicateWindowMs: o.duplicateWindowMs ?? 120_000,
      emptyRssBytes: emptyRss,
      rows,
      restart,
    };
  } finally {
    await log?.close().catch(() => {});
    await nc?.close().catch(() => {});
    await server.dispose();
    if (config) await Deno.remove(config).catch(() => {});
  }
}

/** The last message of `subject` by a direct get (null when it has none). */
async function lastBySubject(
  jsm: JetStreamManager,
  subject: string,
): Promise<unknown> {
  const message = await jsm.direct.getMessage(JetStreamNames.stream, {
    last_by_subj: subject,
  });
  if (!message) throw new Error(`No message on ${subject}`);
  return message;
}

function fixed(value: number, digits = 2): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** The result as a Markdown table, with the restart below it. */
export function scaleTable(result: ScaleResult): string {
  const pair = (p: { p50: number; p99: number }) =>
    `${fixed(p.p50)} / ${fixed(p.p99)}`;
  const lines = [
    "| subjects | fill (appends/s) | last tenth of the fill: appends/s, server CPU per append | RSS MiB (HWM) | RSS per subject | store on disk MiB | disk per subject | append, new subject p50 / p99 ms | append, existing subject p50 / p99 ms | direct get last by subject p50 / p99 ms |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of result.rows) {
    lines.push(
      `| ${r.subjects.toLocaleString("en-US")} | ${fixed(r.fillRate, 0)} | ${
        fixed(r.lastTenth.rate, 0)
      }, ${fixed(r.lastTenth.serverCpuUs, 0)} µs | ${
        fixed(r.rssBytes / MIB, 1)
      } (${fixed(r.hwmBytes / MIB, 1)}) | ${
        fixed((r.rssBytes - result.emptyRssBytes) / r.subjects, 0)
      } B | ${fixed(r.storeBytes / MIB, 1)} | ${
        fixed(r.storeBytes / r.subjects, 0)
      } B | ${pair(r.appendNew)} | ${pair(r.appendExisting)} | ${
        pair(r.getLast)
      } |`,
    );
  }
  const { restart } = result;
  lines.push(
    "",
    `nats-server ${result.server}${
      result.syncAlways ? " with `sync_interval: always`" : ""
    }, one server (R1), deduplication window ${
      fixed(result.duplicateWindowMs / 1000, 0)
    } s, empty stream RSS ${
      fixed(result.emptyRssBytes / MIB, 1)
    } MiB. Restart with ${
      restart.subjects.toLocaleString("en-US")
    } subjects: healthy after ${fixed(restart.readyMs, 0)} ms, RSS then ${
      fixed(restart.rssBytes / MIB, 1)
    } MiB.`,
  );
  return lines.join("\n");
}

/** Replaces the measurement between the scale markers of docs/scale.md. */
async function writeDoc(table: string): Promise<void> {
  const path = `${ROOT}docs/scale.md`;
  const doc = await Deno.readTextFile(path);
  const start = "<!-- scale:start -->";
  const end = "<!-- scale:end -->";
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) {
    throw new Error("docs/scale.md has no scale markers");
  }
  const stamp = `Measured ${
    new Date().toISOString().slice(0, 10)
  } by \`deno task scale:subjects\` (${navigator.hardwareConcurrency} cores, shared).`;
  await Deno.writeTextFile(
    path,
    `${doc.slice(0, from + start.length)}\n${stamp}\n\n${table}\n${
      doc.slice(to)
    }`,
  );
  const formatted = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "-q", path],
  }).output();
  if (!formatted.success) throw new Error("deno fmt of docs/scale.md failed");
}

if (import.meta.main) {
  await runTask(scaleSubjectsTask, async (args) => {
    const result = await measureSubjects({
      subjects: args.int("subjects", 1_000_000, { min: 1, max: 100_000_000 }),
      probe: args.int("probe", 1000, { min: 1, max: 1_000_000 }),
      inFlight: args.int("in-flight", 1024, { min: 1, max: 100_000 }),
      duplicateWindowMs: args.int("duplicate-window-ms", 120_000),
      syncAlways: args.has("sync-always"),
      progress: (message) => console.error(`[scale] ${message}`),
    });
    if (args.has("json")) {
      console.log(JSON.stringify(result));
      return;
    }
    const table = scaleTable(result);
    console.log(table);
    if (args.has("write")) {
      await writeDoc(table);
      console.error("[scale] wrote docs/scale.md");
    }
  });
}
