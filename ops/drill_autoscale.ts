/**
 * `deno task drill autoscale`: `deno task cluster --autoscale --min 1
 * --max 3` under a ramp from light to heavy load and back, with short
 * windows. Passes when the cluster scaled out while the load rose and back
 * in after the stabilization window, the decisions with their reasons are in
 * the log, and no request failed: every command answered 2xx is in the
 * event log exactly once.
 */
import { loadPostgres } from "../deps.ts";
import { NatsServer } from "../tests/support/nats_server.ts";
import { readWholeLog } from "../tests/support/cluster.ts";
import type { TaskArgs } from "./cli.ts";
import type { FlagSpec } from "./cli.ts";
import { createTargets, parseRamp, runLoad } from "./load.ts";
import type { LoadResult } from "./load.ts";
import { freePort, LOCAL_ADMIN } from "./server_process.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The two versions of the drill. */
const PROFILES = {
  full: {
    ramp: "0:20,10:20,40:300,70:300,90:20,150:20",
    stabilizationMs: 20_000,
    manualScaleInAt: 55,
  },
  short: {
    ramp: "0:20,5:20,20:250,32:250,36:20,60:20",
    stabilizationMs: 10_000,
    manualScaleInAt: 26,
  },
} as const;

/** Commands per second per node the drill targets (see `describe`). */
const TARGET_RATE = 100;
const INTERVAL_MS = 1000;
/** Bedrifter the load patches round-robin. */
const TARGETS = 60;
const COOLDOWN_MS = 3000;

/** The drill's flags (the dispatcher in ops/drill.ts declares them). */
export const autoscaleDrillFlags: FlagSpec[] = [
  {
    name: "short",
    description: "autoscale: the 60 s ramp the test runs (else 150 s)",
  },
  { name: "json", description: "print the report as one JSON line" },
];

interface StatusPoint {
  t: number;
  replicas: number | null;
  desired: number | null;
  action: string | null;
}

/** What the drill found. */
export interface AutoscaleDrillReport {
  ok: boolean;
  failures: string[];
  settings: Record<string, string | number>;
  timeline: (StatusPoint & {
    target: number;
    ok: number;
    errors: number;
    p99: number;
  })[];
  decisions: { t: number; type: string; summary: string }[];
  cluster: { t: number; line: string }[];
  load: Omit<LoadResult, "timeline" | "acknowledged">;
  log: { acknowledged: number; found: number; missing: number; twice: number };
  peakReplicas: number;
  finalReplicas: number | null;
}

function say(json: boolean, line: string): void {
  if (!json) console.log(`[drill] ${line}`);
}

/** The cluster task's `deno run …` arguments, as deno.json has them. */
async function clusterArgs(): Promise<string[]> {
  const tasks = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks;
  return (tasks.cluster as string).split(/\s+/).slice(1);
}

async function json(
  url: string,
  token: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
    },
  });
  return { status: res.status, body: await res.json().catch(() => ({})) };
}

async function login(url: string, deadline: number): Promise<string> {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(LOCAL_ADMIN),
      });
      const body = await res.json();
      if (res.ok) return body.accessToken;
    } catch { /* the proxy or node-1 is not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`No node answered a login at ${url}`);
}

/** One line of a log event: what it decided or did, and why. */
function summary(type: string, data: Record<string, unknown>): string {
  if (type === "autoscale.decided") {
    const reasons = (data.reasons as {
      metric: string;
      value: number;
      target: number;
      replicas: number;
    }[]).map((r) =>
      `${r.metric} ${Math.round(r.value * 10) / 10}/${r.target} → ${r.replicas}`
    ).join(", ");
    const limits = (data.limits as string[]).join("; ");
    return `${data.action} ${data.current} → ${data.desired} (${reasons})${
      data.held ? ` held: ${data.held}` : ""
    }${limits ? ` [${limits}]` : ""}`;
  }
  if (type === "autoscale.scaled") {
    return `scaled ${data.from} → ${data.to} (${data.trigger}, ${
      Math.round(Number(data.durationMs) / 100) / 10
    } s)`;
  }
  if (type === "autoscale.manual_scaled") {
    return `manual scale ${data.from} → ${data.to}: "${data.reason}" (automatic actions held until ${data.holdUntil})`;
  }
  if (type === "autoscale.failed") {
    return `failed ${data.from} → ${data.to}: ${data.error}`;
  }
  return `${type} ${JSON.stringify(data)}`;
}

/** Runs the drill; the report says whether it passed. */
export async function runAutoscaleDrill(
  options: { short: boolean; json: boolean },
): Promise<AutoscaleDrillReport> {
  const profile = options.short ? PROFILES.short : PROFILES.full;
  const ramp = parseRamp(profile.ramp);
  const quiet = options.json;
  const databaseUrl = Deno.env.get("DATABASE_URL");
  const schema = `drill_autoscale_${crypto.randomUUID().slice(0, 8)}`;
  const settings = {
    cluster: "deno task cluster --autoscale --min 1 --max 3",
    ramp: profile.ramp,
    target: `commandRate=${TARGET_RATE} per node`,
    intervalMs: INTERVAL_MS,
    stabilizationMs: profile.stabilizationMs,
    cooldownMs: COOLDOWN_MS,
    manualScaleInAt: profile.manualScaleInAt,
    readModels: databaseUrl ? `PostgreSQL schema ${schema}` : "PGlite per node",
  };
  say(
    quiet,
    `target: ${TARGET_RATE} commands/s per node (not CPU: this machine has 2 cores shared by every node, the driver and NATS, so CPU per node would not fall as nodes are added; the command rate splits over the nodes by construction)`,
  );
  say(quiet, `ramp ${profile.ramp} (requests/s at seconds)`);
  const nats = await NatsServer.start();
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const lines: { at: number; line: string }[] = [];
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...(await clusterArgs()),
      "--autoscale",
      "--min",
      "1",
      "--max",
      "3",
      "--base-port",
      String(port),
      "--lease-ttl-ms",
      "3000",
    ],
    cwd: ROOT,
    env: {
      TMS_NATS_URL: nats.url,
      TMS_AUTOSCALE_TARGETS: `commandRate=${TARGET_RATE}`,
      TMS_AUTOSCALE_INTERVAL_MS: String(INTERVAL_MS),
      TMS_AUTOSCALE_STABILIZATION_MS: String(profile.stabilizationMs),
      TMS_AUTOSCALE_COOLDOWN_MS: String(COOLDOWN_MS),
      TMS_AUTOSCALE_FORECAST_HORIZON_MS: "5000",
      TMS_AUTOSCALE_SEASON_MS: "60000",
      ...(databaseUrl
        ? { DATABASE_URL: databaseUrl, TMS_READ_SCHEMA: schema }
        : {}),
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const line of parts.filter((l) => l.startsWith("[cluster]"))) {
        lines.push({ at: Date.now(), line: line.slice(10) });
        say(quiet, `cluster: ${line.slice(10)}`);
      }
    }
  };
  const output = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const failures: string[] = [];
  let report: AutoscaleDrillReport | null = null;
  try {
    const token = await login(url, Date.now() + 120_000);
    // Registered slowly: a burst of registrations is load the supervisor
    // would scale for before the ramp begins.
    const targets: string[] = [];
    const seed = Date.now() % 100_000;
    for (let i = 0; i < TARGETS / 10; i++) {
      targets.push(
        ...await createTargets(url, 10, seed * 10 + i, {
          authorization: `Bearer ${token}`,
        }),
      );
      await new Promise((r) => setTimeout(r, 500));
    }
    say(quiet, `${targets.length} bedrifter registered; load starts`);
    const polls: StatusPoint[] = [];
    const started = Date.now();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const t = Math.floor((Date.now() - started) / 1000);
        const s = await json(`${url}/api/v1/autoscale/status`, token).catch(
          () => null,
        );
        const last = s?.body.lastDecision as { action?: string } | undefined;
        const point = {
          t,
          replicas: (s?.body.replicas as number) ?? null,
          desired: (s?.body.desired as number) ?? null,
          action: last?.action ?? null,
        };
        polls.push(point);
        if (t % 5 === 0) {
          say(
            quiet,
            `t=${t}s replicas ${point.replicas} desired ${point.desired} (${point.action})`,
          );
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    // A scale-in by hand at full load: the leaving node drains under it.
    let manual: Record<string, unknown> | null = null;
    const manualTimer = setTimeout(async () => {
      const s = await json(`${url}/api/v1/autoscale/status`, token);
      const replicas = Number(s.body.replicas);
      // Only from the maximum: an automatic scale-in must still follow.
      if (replicas !== 3) {
        manual = {
          skipped: `${replicas} nodes at t=${profile.manualScaleInAt}s`,
        };
        say(quiet, `manual scale-in skipped: ${manual.skipped}`);
        return;
      }
      const res = await json(`${url}/api/v1/autoscale/scale`, token, {
        method: "POST",
        body: JSON.stringify({
          replicas: replicas - 1,
          reason: "drill: a scale-in under full load",
        }),
      });
      manual = { status: res.status, ...res.body };
      say(
        quiet,
        `manual scale-in under load: ${replicas} → ${
          replicas - 1
        } (${res.status})`,
      );
    }, profile.manualScaleInAt * 1000);
    const load = await runLoad({
      url,
      seconds: ramp.at(-1)!.at,
      warmup: 0,
      concurrency: 1,
      ramp,
      targets: targets.length,
      json: true,
      token,
      idempotencyKeys: true,
    }, targets);
    // The stabilization window may still be open: wait for the scale-in.
    const deadline = Date.now() + profile.stabilizationMs + 30_000;
    while (Date.now() < deadline && polls.at(-1)?.replicas !== 1) {
      await new Promise((r) => setTimeout(r, 1000));
    }
    polling = false;
    await poller;
    clearTimeout(manualTimer);
    const page = await json(
      `${url}/api/v1/autoscale/decisions?limit=100`,
      token,
    );
    const items = (page.body.items as {
      type: string;
      at: string;
      data: Record<string, unknown>;
    }[]).reverse().filter((i) => Date.parse(i.at) >= started);
    const actions = items.filter((i) => i.type === "autoscale.scaled");
    const decisions = items.filter((i) =>
      i.type !== "autoscale.decided" || i.data.action !== "hold" ||
      (i.data.limits as string[]).some((l) => l.startsWith("stabilization"))
    ).map((i) => ({
      t: Math.round((Date.parse(i.at) - started) / 100) / 10,
      type: i.type,
      summary: summary(i.type, i.data),
    })).sort((a, b) => a.t - b.t);
    // Stop the cluster before reading the log: every node drains first.
    child.kill("SIGTERM");
    await child.status;
    await output;
    const commits = await readWholeLog(nats.url);
    const counts = new Map<string, number>();
    for (const c of commits) {
      counts.set(c.commandId, (counts.get(c.commandId) ?? 0) + 1);
    }
    const acked = load.acknowledged ?? [];
    const missing = acked.filter((k) => !counts.has(`bedrift.update:${k}`));
    const twice = acked.filter((k) =>
      (counts.get(`bedrift.update:${k}`) ?? 0) > 1
    );
    const byT = new Map(polls.map((p) => [p.t, p]));
    const timeline = (load.timeline ?? []).map((s) => ({
      t: s.second,
      target: s.target,
      ok: s.ok,
      errors: s.errors,
      p99: s.p99,
      replicas: byT.get(s.second)?.replicas ?? null,
      desired: byT.get(s.second)?.desired ?? null,
      action: byT.get(s.second)?.action ?? null,
    }));
    const replicas = polls.map((p) => p.replicas ?? 0);
    const peak = Math.max(0, ...replicas);
    const final = polls.at(-1)?.replicas ?? null;
    if (load.errors > 0) {
      failures.push(
        `${load.errors} requests failed: ${JSON.stringify(load.errorSamples)}`,
      );
    }
    if (peak < 2) failures.push(`never scaled out (peak ${peak} replicas)`);
    if (final !== 1) failures.push(`did not scale back in (ended at ${final})`);
    if (missing.length > 0) {
      failures.push(
        `${missing.length} acknowledged commands are not in the log`,
      );
    }
    if (twice.length > 0) {
      failures.push(
        `${twice.length} acknowledged commands are in the log twice`,
      );
    }
    if (!actions.some((i) => Number(i.data.to) > Number(i.data.from))) {
      failures.push("no scale-out is in the decision log");
    }
    if (
      !actions.some((i) =>
        i.data.trigger === "automatic" &&
        Number(i.data.to) < Number(i.data.from)
      )
    ) {
      failures.push("no automatic scale-in is in the decision log");
    }
    if (
      manual !== null && !("skipped" in manual) &&
      !actions.some((i) =>
        i.data.trigger === "manual" && Number(i.data.to) < Number(i.data.from)
      )
    ) {
      failures.push(
        `no manual scale-in under load is in the log (${
          JSON.stringify(manual)
        })`,
      );
    }
    if (!items.some((i) => i.data.action === "scale_up")) {
      failures.push("no scale_up decision with its reasons is in the log");
    }
    const { timeline: _, acknowledged: __, ...loadSummary } = load;
    report = {
      ok: failures.length === 0,
      failures,
      settings,
      timeline,
      decisions,
      cluster: lines.map((l) => ({
        t: Math.round((l.at - started) / 100) / 10,
        line: l.line,
      })),
      load: loadSummary,
      log: {
        acknowledged: acked.length,
        found: acked.length - missing.length,
        missing: missing.length,
        twice: twice.length,
      },
      peakReplicas: peak,
      finalReplicas: final,
    };
    return report;
  } finally {
    try {
      child.kill("SIGTERM");
    } catch { /* already stopped */ }
    await child.status;
    await output.catch(() => {});
    await nats.dispose();
    if (databaseUrl) {
      const sql = (await loadPostgres())(databaseUrl, { onnotice: () => {} });
      await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(
        () => {},
      );
      await sql.end();
    }
  }
}

/** Prints the report as the timeline, the decisions and the verdict. */
export function printAutoscaleReport(report: AutoscaleDrillReport): void {
  console.log(
    "\n  t  target/s  ok/s  errors  p99 ms  replicas  desired  decision",
  );
  for (const s of report.timeline) {
    console.log(
      `${String(s.t).padStart(3)}  ${String(s.target).padStart(8)}  ${
        String(s.ok).padStart(4)
      }  ${String(s.errors).padStart(6)}  ${String(s.p99).padStart(6)}  ${
        String(s.replicas ?? "-").padStart(8)
      }  ${String(s.desired ?? "-").padStart(7)}  ${s.action ?? "-"}`,
    );
  }
  console.log(
    "\nDecisions and actions (from the log, by time; holds only where the stabilization window held):",
  );
  for (const d of report.decisions) console.log(`  t=${d.t}s ${d.summary}`);
  const { load, log } = report;
  console.log(
    `\nLoad: ${load.ok} ok, ${load.errors} errors, p99 ${
      load.p99.toFixed(1)
    } ms; log: ${log.found}/${log.acknowledged} acknowledged commands found, ${log.twice} twice`,
  );
  console.log(
    `Replicas: peak ${report.peakReplicas}, final ${report.finalReplicas}`,
  );
  console.log(
    report.ok ? "PASSED" : `FAILED: ${report.failures.join("; ")}`,
  );
}

/** `deno task drill autoscale`: runs, prints, and answers the exit code. */
export async function autoscaleDrill(args: TaskArgs): Promise<number> {
  const json = args.has("json");
  const report = await runAutoscaleDrill({ short: args.has("short"), json });
  if (json) console.log(JSON.stringify(report));
  else printAutoscaleReport(report);
  return report.ok ? 0 : 1;
}
