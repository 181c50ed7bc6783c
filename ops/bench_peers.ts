/**
 * The `peers` section of `deno task bench`: the shared invoice workload of
 * `../shared/peers/` (per stream a draft and 4 add-lines, 32 streams in
 * flight, 100 warm-up streams then 2,000 measured; then 100 concurrent
 * add-lines on one invoice) against the in-memory mock server (the HTTP
 * limit of this machine for the workload, the baseline), Emmett on
 * PostgreSQL (in-process), Restate with 2 partitions, and TMS — the
 * embedded default with auth on: logged in once, every request with the
 * bearer token. One run of each, one after the other, in one process.
 */
import { organisasjonsnummerFor } from "./orgnr.ts";
import { freePort, startServer } from "./server_process.ts";
import type { BenchRow } from "./bench_support.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Options of the section; every field has a default. */
export interface PeersBenchOptions {
  /** The peers folder (default `$TMS_PEERS_DIR` or `../shared/peers`). */
  dir?: string;
  /** Measured streams per run (default 2,000, the peers' own default). */
  streams?: number;
  progress?: (message: string) => void;
}

/** What one workload line says. */
export interface PeerResult {
  name: string;
  rate: number;
  p50: number;
  p99: number;
  /** Contending add-lines that succeeded (of 100), when the peer reports it. */
  contention?: number;
  /** Lines of the contended invoice afterwards. */
  lines?: number;
  /** Optimistic-concurrency conflicts the peer retried through, if it says. */
  conflicts?: number;
}

const LINE =
  /^(\w+): (\d+) cmds\/s p50=([\d.]+) p99=([\d.]+)(?: contention=(\d+)\/\d+ lines=(\d+))?/m;

/** Parses the one result line every driver prints. */
export function parsePeerLine(output: string): PeerResult {
  const m = LINE.exec(output);
  if (!m) throw new Error(`no result line in: ${output.slice(-400)}`);
  return {
    name: m[1],
    rate: Number(m[2]),
    p50: Number(m[3]),
    p99: Number(m[4]),
    contention: m[5] === undefined ? undefined : Number(m[5]),
    lines: m[6] === undefined ? undefined : Number(m[6]),
  };
}

async function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed: ${
        new TextDecoder().decode(out.stderr).slice(-800)
      }`,
    );
  }
  return text;
}

function workload(
  dir: string,
  url: string,
  bedriftId: string,
  env: Record<string, string>,
): Promise<string> {
  return run(
    Deno.execPath(),
    ["run", "-A", `${dir}/workload.mjs`, url, bedriftId],
    env,
    dir,
  );
}

async function mock(dir: string, streams: number): Promise<PeerResult> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${dir}/mock_invoices.ts`],
    env: { PORT: String(port) },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${url}/api/v1/invoices/x`).then(
        async (r) => (await r.body?.cancel(), true),
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const result = parsePeerLine(
      await workload(dir, url, "b", { STREAMS: String(streams) }),
    );
    return { ...result, name: "mock" };
  } finally {
    child.kill();
    await child.status;
  }
}

async function emmett(dir: string, streams: number): Promise<PeerResult> {
  const out = await run("bash", [`${dir}/emmett/run.sh`], {
    STREAMS: String(streams),
  }, dir);
  const result = parsePeerLine(out);
  // Emmett reports its contention run as JSON (tuned retry policy).
  const tuned = /^contention\(tuned retry\) (\{.*\})$/m.exec(out);
  if (tuned) {
    const c = JSON.parse(tuned[1]);
    result.contention = c.succeeded;
    result.lines = c.finalLines;
    result.conflicts = c.conflicts;
  }
  return result;
}

async function restate(dir: string, streams: number): Promise<PeerResult> {
  return parsePeerLine(
    await run("bash", [`${dir}/restate/run.sh`], {
      STREAMS: String(streams),
      RESTATE_DEFAULT_NUM_PARTITIONS: "2",
    }, dir),
  );
}

async function tms(dir: string, streams: number): Promise<PeerResult> {
  const data = await Deno.makeTempDir({ prefix: "tms-bench-peers-" });
  const server = await startServer({ TMS_DATA_DIR: data });
  try {
    let seed = Math.floor(Math.random() * 1_000_000);
    let orgnr: string | null = null;
    while (!orgnr) orgnr = organisasjonsnummerFor(seed++);
    const res = await fetch(`${server.url}/api/v1/bedrifter`, {
      method: "POST",
      headers: { ...server.auth, "content-type": "application/json" },
      body: JSON.stringify({
        organisasjonsnummer: orgnr,
        navn: "Peer Trafikkskole",
      }),
    });
    if (res.status !== 201) {
      throw new Error(`bedrift: ${res.status} ${await res.text()}`);
    }
    const { id } = await res.json();
    return parsePeerLine(
      await workload(dir, server.url, id, {
        STREAMS: String(streams),
        TOKEN: server.token,
      }),
    );
  } finally {
    await server.stop();
    await Deno.remove(data, { recursive: true }).catch(() => {});
  }
}

/**
 * Runs the section: the mock, Emmett, Restate and TMS one after the other,
 * and returns their rows with the ratios the targets are stated in — TMS ≥
 * 5× the best peer's commands/s, p99 ≤ ⅕ of the best peer's p99, ≥ 0.6× the
 * mock's rate, contention 100/100 with zero conflicts.
 */
export async function benchPeers(
  options: PeersBenchOptions = {},
): Promise<BenchRow[]> {
  const dir = options.dir ?? Deno.env.get("TMS_PEERS_DIR") ??
    `${ROOT}../shared/peers`;
  const streams = options.streams ?? 2000;
  const progress = options.progress ?? (() => {});
  progress("peers: the mock server (the machine's HTTP limit)");
  const m = await mock(dir, streams);
  progress(`peers: mock ${m.rate} cmds/s; Emmett on PostgreSQL`);
  const e = await emmett(dir, streams);
  progress(`peers: Emmett ${e.rate} cmds/s; Restate (2 partitions)`);
  const r = await restate(dir, streams);
  progress(`peers: Restate ${r.rate} cmds/s; TMS (embedded, auth on)`);
  const t = await tms(dir, streams);
  progress(`peers: TMS ${t.rate} cmds/s`);
  const best = [e, r].reduce((a, b) => (b.rate > a.rate ? b : a));
  const bestP99 = Math.min(e.p99, r.p99);
  const x = (v: number) => `${v.toFixed(2)}×`;
  const rows: BenchRow[] = [];
  for (const p of [m, e, r, t]) {
    const label = p === m
      ? "mock server (in memory, no work) — baseline"
      : p === e
      ? "Emmett 0.42 + PostgreSQL, in-process"
      : p === r
      ? "Restate 1.7, 2 partitions"
      : "TMS embedded default, auth on (bearer token)";
    rows.push({
      section: "peers",
      name: `${label}: commands/s (${streams} streams × 5 commands)`,
      value: p.rate,
      unit: "commands/s",
      ratio: x(p.rate / m.rate),
      ...(p === t
        ? { target: "≥ 0.60× mock", met: t.rate >= 0.6 * m.rate }
        : {}),
    }, {
      section: "peers",
      name: `${label}: latency p50 / p99`,
      value: p.p50,
      unit: `ms / ${p.p99} ms`,
    });
  }
  rows.push(
    {
      section: "peers",
      name: `TMS commands/s ÷ the best peer's (${best.name})`,
      value: t.rate / best.rate,
      unit: "×",
      target: "≥ 5×",
      met: t.rate >= 5 * best.rate,
    },
    {
      section: "peers",
      name: "TMS p99 ÷ the best peer p99",
      value: t.p99 / bestP99,
      unit: "×",
      target: "≤ 0.2×",
      met: t.p99 <= 0.2 * bestP99,
    },
    {
      section: "peers",
      name:
        "TMS contention: 100 concurrent add-lines on one invoice, succeeded (lines after)",
      value: t.contention ?? 0,
      unit: `of 100 (${t.lines ?? "?"} lines; Emmett ${
        e.contention ?? "?"
      } with ${e.conflicts ?? "?"} conflicts retried, Restate ${
        r.contention ?? "?"
      })`,
      target: "100, 0 conflicts",
      met: t.contention === 100 && t.lines === 100,
    },
  );
  return rows;
}
