/**
 * The cost of authentication (`deno task bench auth`): durable commands
 * over HTTP with a bearer token — every request's token looked up in the
 * verified-token cache, its user rechecked every 30 s, the route's policy
 * applied, the per-user limit taken — against the same load on a node with
 * `TMS_AUTH=off`. Both nodes run at once (embedded defaults, each in its own
 * data directory) and the load alternates between them, round by round,
 * so a shared machine's drift falls on both; the ratio is of the medians.
 * Wall-clock rates on a shared machine swing by tens of percent between
 * runs, so the CPU each side spends per request is measured too: the
 * node's (from /proc) per HTTP command, and the edge's alone in process
 * (`app.request()` reading one bedrift: no socket, no disk) per read.
 */
import { registerActors } from "../actors/mod.ts";
import { createApp } from "../http/mod.ts";
import { ActorSystem } from "../runtime/actor/mod.ts";
import { MemoryEventLog } from "../runtime/log/memory/mod.ts";
import { MemoryKeyStore } from "../runtime/storage/mod.ts";
import { adminTokenOf } from "../tests/support/app.ts";
import { testAuth } from "../tests/support/auth.ts";
import type { BenchRow } from "./bench_support.ts";
import { loadProcess, ratio } from "./bench_support.ts";
import type { LoadResult } from "./load.ts";
import { processCpuSeconds } from "./cpu_usage.ts";
import { cpuUsage } from "node:process";
import { startServer } from "./server_process.ts";
import type { ServerProcess } from "./server_process.ts";

const SECTION = "auth";
/** Bedrifter each load run registers and then patches. */
const TARGETS = 500;

/** Options of the auth benchmark. */
export interface AuthBenchOptions {
  /** Seconds of each closed-loop run (default 5). */
  seconds?: number;
  /** Runs per node, alternating (default 5). */
  rounds?: number;
  progress?: (message: string) => void;
}

function median(values: readonly LoadResult[]): LoadResult {
  return [...values].sort((a, b) => a.rate - b.rate)[
    Math.floor(values.length / 2)
  ];
}

/** Requests in flight in the in-process runs. */
const IN_FLIGHT = 16;

/**
 * Reads of one bedrift through `app.request()`, auth on (an ADMIN's token)
 * and off, alternating: the CPU µs per request of each round.
 */
async function edgeOnly(
  seconds: number,
  rounds: number,
  progress: (message: string) => void,
): Promise<{ on: number[]; off: number[] }> {
  const log = new MemoryEventLog();
  const system = registerActors(new ActorSystem({ log }));
  try {
    const keys = new MemoryKeyStore();
    const identity = await testAuth(keys);
    // The limits still run, sized so that this loop never meets them.
    const security = {
      rateLimitPerUser: { requests: 1_000_000_000, windowSeconds: 60 },
    };
    const on = createApp({ system, keys, auth: identity.auth, security });
    const off = createApp({
      system,
      keys,
      auth: { ...identity.auth, enabled: false },
      security,
    });
    const token = await adminTokenOf(system, identity);
    const created = await on.request("/api/v2/bedrifter", {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ organisasjonsnummer: "923609016", navn: "S" }),
    });
    const path = `/api/v2/bedrifter/${(await created.json()).id}`;
    const run = async (app: typeof on, headers: Record<string, string>) => {
      let n = 0;
      const start = performance.now();
      const cpu = cpuUsage();
      while (performance.now() - start < seconds * 1000) {
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            const res = await app.request(path, { headers });
            if (res.status !== 200) {
              throw new Error(`GET ${path}: ${res.status}`);
            }
            await res.arrayBuffer();
          }),
        );
        n += IN_FLIGHT;
      }
      const used = cpuUsage(cpu);
      // CPU µs per request (this process: the edge and the actor's read).
      return (used.user + used.system) / n;
    };
    const rates = { on: [] as number[], off: [] as number[] };
    // Warm both up (JIT, caches) before measuring.
    await run(on, { authorization: `Bearer ${token}` });
    await run(off, {});
    for (let round = 1; round <= rounds; round++) {
      progress(
        `auth: in-process reads, auth on and off (round ${round}/${rounds})`,
      );
      const order = round % 2 === 1
        ? ["on", "off"] as const
        : ["off", "on"] as const;
      for (const side of order) {
        rates[side].push(
          side === "on"
            ? await run(on, { authorization: `Bearer ${token}` })
            : await run(off, {}),
        );
      }
    }
    return rates;
  } finally {
    await system.shutdown();
    await log.close();
  }
}

function middle(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/**
 * Runs the auth benchmark.
 *
 * @example
 * ```ts
 * const rows = await benchAuth({ seconds: 5, rounds: 3 });
 * ```
 */
export async function benchAuth(
  options: AuthBenchOptions = {},
): Promise<BenchRow[]> {
  const seconds = options.seconds ?? 5;
  const rounds = options.rounds ?? 5;
  const progress = options.progress ?? (() => {});
  const dirs: string[] = [];
  const nodes: ServerProcess[] = [];
  try {
    for (const auth of ["on", "off"]) {
      const dir = await Deno.makeTempDir({ prefix: `tms-bench-auth-${auth}-` });
      dirs.push(dir);
      nodes.push(await startServer({ TMS_DATA_DIR: dir, TMS_AUTH: auth }));
    }
    const [on, off] = nodes;
    const runs = { on: [] as LoadResult[], off: [] as LoadResult[] };
    const cpu = {
      on: { seconds: 0, commands: 0 },
      off: { seconds: 0, commands: 0 },
    };
    const load = async (node: ServerProcess, side: "on" | "off") => {
      const before = processCpuSeconds(node.child.pid) ?? 0;
      const result = await loadProcess([
        "--url",
        node.url,
        "--seconds",
        String(seconds),
        "--warmup",
        "0",
        "--targets",
        String(TARGETS),
        "--concurrency",
        "64",
      ], node.token || undefined);
      // Every command the node served: the targets' creates and the load.
      cpu[side].seconds += (processCpuSeconds(node.child.pid) ?? 0) - before;
      cpu[side].commands += TARGETS + result.requests;
      return result;
    };
    for (let round = 1; round <= rounds; round++) {
      // The order flips each round: neither side always runs first.
      const order = round % 2 === 1
        ? ["on", "off"] as const
        : ["off", "on"] as const;
      for (const side of order) {
        progress(
          `auth: ${seconds} s closed loop, auth ${side} (round ${round}/${rounds})`,
        );
        runs[side].push(await load(side === "on" ? on : off, side));
      }
    }
    const edge = await edgeOnly(2, rounds, progress);
    const a = median(runs.on);
    const b = median(runs.off);
    const edgeOn = middle(edge.on);
    const edgeOff = middle(edge.off);
    const perCommand = (side: "on" | "off") =>
      cpu[side].seconds * 1e6 / cpu[side].commands;
    const perRound = runs.on.map((r, i) => ratio(r.rate, runs.off[i].rate))
      .join(", ");
    const of = `(median of ${rounds}, alternating, 64 in flight)`;
    return [
      {
        section: SECTION,
        name: `HTTP commands, TMS_AUTH=off ${of} — baseline`,
        value: b.rate,
        unit: "commands/s",
        ratio: "1.00×",
      },
      {
        section: SECTION,
        name: `HTTP commands with a bearer token ${of}; rounds ${perRound}`,
        value: a.rate,
        unit: "commands/s",
        ratio: ratio(a.rate, b.rate),
        target: "≥ 0.9× auth off",
        met: a.rate >= 0.9 * b.rate,
      },
      {
        section: SECTION,
        name: "HTTP latency p50 / p99 with a bearer token (median run)",
        value: a.p50,
        unit: `ms / ${a.p99.toFixed(1)} ms`,
      },
      {
        section: SECTION,
        name: "HTTP latency p50 / p99 with TMS_AUTH=off (median run)",
        value: b.p50,
        unit: `ms / ${b.p99.toFixed(1)} ms`,
      },
      {
        section: SECTION,
        name:
          "node CPU per HTTP command, TMS_AUTH=off (all runs, the targets' creates included) — baseline",
        value: perCommand("off"),
        unit: "µs",
        ratio: "1.00×",
      },
      {
        section: SECTION,
        name:
          "node CPU per HTTP command with a bearer token (ratio: commands per CPU second)",
        value: perCommand("on"),
        unit: "µs",
        ratio: ratio(perCommand("off"), perCommand("on")),
        target: "≥ 0.9× auth off",
        met: perCommand("off") >= 0.9 * perCommand("on"),
      },
      {
        section: SECTION,
        name:
          `edge only: CPU per read in process (app.request of one bedrift, ${IN_FLIGHT} in flight), TMS_AUTH=off (median of ${rounds}) — baseline`,
        value: edgeOff,
        unit: "µs",
        ratio: "1.00×",
      },
      {
        section: SECTION,
        name:
          `edge only: CPU per read with a bearer token (median of ${rounds}; ratio: reads per CPU second)`,
        value: edgeOn,
        unit: "µs",
        ratio: ratio(edgeOff, edgeOn),
      },
      {
        section: SECTION,
        name: "HTTP errors (all auth runs)",
        value: [...runs.on, ...runs.off].reduce((n, r) => n + r.errors, 0),
        unit: "requests",
      },
    ];
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    for (const dir of dirs) await Deno.remove(dir, { recursive: true });
  }
}
