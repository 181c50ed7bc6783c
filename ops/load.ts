/**
 * HTTP load driver: `deno task load --url http://127.0.0.1:8000 [--seconds 5]
 * [--warmup 1] [--concurrency 64] [--rate N | --ramp 0:200,60:3000,120:200]
 * [--targets 200] [--json]`.
 *
 * Registers `targets` bedrifter, then sends durable commands (PATCH of a
 * bedrift's poststed) to them round-robin: closed loop with `concurrency`
 * requests in flight, or open loop at `rate` requests/s when given, or along
 * a `ramp` of requests/s over time (linear between its points; latency is
 * measured from the scheduled send time, so a stall is not hidden). Only
 * addresses on this machine are allowed as targets. With `TMS_LOAD_TOKEN`
 * every request carries it as a bearer token (a node with TMS_AUTH=off
 * needs none). Requests go over
 * keep-alive HTTP/1.1 connections of `http_client.ts` (cheaper than `fetch`,
 * so the driver takes less CPU from the server). The first `warmup` seconds
 * of load are not measured (a ramp measures all of it). `TMS_LOAD_TOKEN`
 * authenticates every request. Prints progress lines and a summary; with
 * `--json`, one JSON line.
 */
import { cpuUsage } from "node:process";
import { runTask, UsageError } from "./cli.ts";
import type { TaskArgs, TaskSpec } from "./cli.ts";
import { HttpConnection, jsonRequest } from "./http_client.ts";
import { organisasjonsnummerFor } from "./orgnr.ts";
import { percentile } from "./stats.ts";

/** One second of a run: what was asked for and what came back. */
export interface LoadSecond {
  /** Seconds since the start. */
  second: number;
  /** The rate the profile asked for at the start of that second. */
  target: number;
  sent: number;
  ok: number;
  errors: number;
  p99: number;
}

export interface LoadResult {
  requests: number;
  ok: number;
  errors: number;
  /** Answers other than 2xx by status (0: no answer, the connection failed). */
  errorStatuses: Record<string, number>;
  /** The first failures with what the server said (or the connection error). */
  errorSamples: { second: number; status: number; body: string }[];
  seconds: number;
  rate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** CPU cores the driver itself used while it sent (user + system). */
  driverCores: number;
  /** Per second (with a ramp). */
  timeline?: LoadSecond[];
  /** Idempotency keys of the requests answered 2xx (with `idempotencyKeys`). */
  acknowledged?: string[];
}

/** A point of a ramp: `rate` requests/s at `at` seconds. */
export interface RampPoint {
  at: number;
  rate: number;
}

export interface LoadOptions {
  url: string;
  seconds: number;
  /** Seconds of load before measuring (JIT and caches warm up). */
  warmup: number;
  concurrency: number;
  rate?: number;
  /** Requests/s over time, linear between points; its last point ends the run. */
  ramp?: RampPoint[];
  targets: number;
  json: boolean;
  /** A bearer token sent with every request (`TMS_LOAD_TOKEN`). */
  token?: string;
  /** Send a unique `Idempotency-Key` with each request and return the acknowledged ones. */
  idempotencyKeys?: boolean;
}

/** `deno task load`: its flags and usage text. */
export const loadTask: TaskSpec = {
  name: "load",
  summary:
    "Drives durable commands (PATCH of a bedrift) at a TMS node on this machine and prints rate and latency.",
  details:
    `Registers --targets bedrifter, then sends to them round-robin: closed loop
with --concurrency requests in flight, open loop at --rate requests/s, or
open loop along --ramp (requests/s at seconds, linear between the points:
0:200,60:3000,120:200 rises to 3000/s in a minute and falls back in the next;
the run ends at the last point and prints a line per second). Latency is
measured from the scheduled send time. The first --warmup seconds are not
measured (a ramp measures everything). Prints a summary line; with --json,
one JSON line.`,
  flags: [
    {
      name: "url",
      value: "URL",
      default: "http://127.0.0.1:8000",
      description: "the node (loopback addresses only)",
    },
    {
      name: "seconds",
      value: "S",
      default: "5",
      description: "measured seconds of load",
    },
    {
      name: "warmup",
      value: "S",
      default: "1",
      description: "seconds of load before measuring (0: none)",
    },
    {
      name: "concurrency",
      value: "N",
      default: "64",
      description: "requests in flight (closed loop)",
    },
    {
      name: "rate",
      value: "N",
      description: "requests per second (open loop instead of closed)",
    },
    {
      name: "ramp",
      value: "T:R,…",
      description:
        "requests per second R at second T, linear between (open loop; instead of --rate and --seconds)",
    },
    {
      name: "targets",
      value: "N",
      default: "200",
      description: "bedrifter registered and patched round-robin",
    },
    { name: "json", description: "print the result as one JSON line" },
  ],
  env: [{
    name: "TMS_LOAD_TOKEN",
    description:
      "an access token (an ADMIN's) sent as Bearer with every request; unset: none (TMS_AUTH=off nodes)",
  }],
  examples: [
    "deno task load --url http://127.0.0.1:8000 --seconds 10 --rate 2000",
    "deno task load --ramp 0:200,60:3000,120:200",
  ],
};

/** Parses `0:200,60:3000,120:200`: times rising from 0, rates ≥ 0. */
export function parseRamp(text: string): RampPoint[] {
  const points = text.split(",").map((pair) => {
    const [at, rate, extra] = pair.trim().split(":").map(Number);
    if (
      extra !== undefined || !Number.isFinite(at) || !Number.isFinite(rate) ||
      at < 0 || rate < 0
    ) {
      throw new UsageError(
        `--ramp: "${pair}" is not seconds:rate (e.g. 0:200,60:3000,120:200)`,
      );
    }
    return { at, rate };
  });
  if (points.length < 2 || points[0].at !== 0) {
    throw new UsageError("--ramp needs two points or more, the first at 0");
  }
  for (let i = 1; i < points.length; i++) {
    if (!(points[i].at > points[i - 1].at)) {
      throw new UsageError("--ramp: the times must rise");
    }
  }
  return points;
}

/** The ramp's rate at `t` seconds: linear between its points, 0 after the last. */
export function rampRate(ramp: readonly RampPoint[], t: number): number {
  for (let i = 1; i < ramp.length; i++) {
    const [a, b] = [ramp[i - 1], ramp[i]];
    if (t <= b.at) {
      return a.rate + (b.rate - a.rate) * (t - a.at) / (b.at - a.at);
    }
  }
  return 0;
}

function loadOptions(args: TaskArgs): LoadOptions {
  const url = args.string("url", "http://127.0.0.1:8000");
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new UsageError(`--url is not a URL: "${url}"`);
  }
  if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(host)) {
    throw new UsageError(`load may only target this machine, not ${host}`);
  }
  const ramp = args.has("ramp") ? parseRamp(args.string("ramp")!) : undefined;
  if (ramp && (args.has("rate") || args.has("seconds"))) {
    throw new UsageError("--ramp replaces --rate and --seconds");
  }
  return {
    url,
    seconds: ramp ? ramp.at(-1)!.at : args.number("seconds", 5),
    warmup: ramp ? 0 : args.number("warmup", 1, { min: 0 }),
    concurrency: args.int("concurrency", 64),
    rate: args.number("rate"),
    ramp,
    targets: args.int("targets", 200),
    json: args.has("json"),
    token: Deno.env.get("TMS_LOAD_TOKEN") || undefined,
  };
}

/** `Authorization` of a token (none without one). */
function bearerOf(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Registers `count` bedrifter and returns their ids. */
export async function createTargets(
  url: string,
  count: number,
  offset = Date.now() % 1_000_000,
  headers: Record<string, string> = {},
): Promise<string[]> {
  const ids: string[] = [];
  let seed = offset * 100;
  while (ids.length < count) {
    const batch = [];
    for (let i = 0; i < 50 && ids.length + batch.length < count; i++) {
      let orgnr: string | null = null;
      while (!orgnr) orgnr = organisasjonsnummerFor(seed++);
      batch.push(
        fetch(`${url}/api/v1/bedrifter`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({
            organisasjonsnummer: orgnr,
            navn: `Last ${seed}`,
          }),
        }).then(async (res) => {
          const body = await res.json();
          if (res.status === 201) return body.id as string;
          if (res.status === 409) return null;
          throw new Error(
            `Setup failed: ${res.status} ${JSON.stringify(body)}`,
          );
        }),
      );
    }
    for (const id of await Promise.all(batch)) if (id) ids.push(id);
  }
  return ids;
}

/** Runs the load against `url` and returns the latency distribution (ms). */
export async function runLoad(
  options: LoadOptions,
  targets: string[],
): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const samples: LoadResult["errorSamples"] = [];
  const acknowledged: string[] = [];
  const seconds: LoadSecond[] = [];
  const run = crypto.randomUUID().slice(0, 8);
  let errors = 0;
  let next = 0;
  const base = new URL(options.url);
  const port = Number(base.port || 80);
  const hostname = base.hostname.replace(/^\[(.*)\]$/, "$1");
  const headers = bearerOf(options.token);
  // Keep-alive connections, one request in flight on each: as many as the
  // closed loop's concurrency, or as the open loop needs at once.
  const idle: HttpConnection[] = [];
  const acquire = () => idle.pop() ?? HttpConnection.open(hostname, port);
  const begun = performance.now();
  const cpuBefore = cpuUsage();
  const started = begun + options.warmup * 1000;
  const until = started + options.seconds * 1000;
  const secondOf = (scheduled: number) => {
    const second = Math.floor((scheduled - begun) / 1000);
    while (seconds.length <= second) {
      const s = seconds.length;
      seconds.push({
        second: s,
        target: options.ramp ? Math.round(rampRate(options.ramp, s)) : 0,
        sent: 0,
        ok: 0,
        errors: 0,
        p99: 0,
      });
    }
    return seconds[second];
  };
  const perSecond = new Map<number, number[]>();
  const one = async (scheduled: number) => {
    const n = next++;
    const id = targets[n % targets.length];
    const key = `load-${run}-${n}`;
    const measured = scheduled >= started;
    const slot = options.ramp ? secondOf(scheduled) : null;
    if (slot) slot.sent++;
    let conn: HttpConnection | undefined;
    let status = 0;
    let why = "";
    try {
      conn = await acquire();
      status = await conn.request(
        jsonRequest(
          "PATCH",
          base.host,
          `/api/v1/bedrifter/${id}`,
          { poststed: `P${n}` },
          options.idempotencyKeys
            ? { ...headers, "idempotency-key": key }
            : headers,
        ),
      );
      if (status >= 400) why = conn.lastErrorBody;
      if (conn.usable) idle.push(conn);
    } catch (error) {
      why = error instanceof Error ? error.message : String(error);
      conn?.close();
    }
    if (!measured) return;
    if (status >= 200 && status < 300) {
      const ms = performance.now() - scheduled;
      latencies.push(ms);
      if (options.idempotencyKeys) acknowledged.push(key);
      if (slot) {
        slot.ok++;
        const list = perSecond.get(slot.second) ?? [];
        list.push(ms);
        perSecond.set(slot.second, list);
      }
    } else {
      errors++;
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (samples.length < 20) {
        samples.push({
          second: Math.floor((scheduled - begun) / 1000),
          status,
          body: why.trim().slice(0, 500),
        });
      }
      if (slot) slot.errors++;
    }
  };
  let lastReport = begun;
  const report = () => {
    const now = performance.now();
    if (now - lastReport < 1000 || options.json) return;
    lastReport = now;
    const done = latencies.length + errors;
    console.error(
      `  ${done} requests, ${
        Math.round(done / ((now - begun) / 1000))
      }/s, ${errors} errors`,
    );
  };
  if (options.rate || options.ramp) {
    const rateAt = (ms: number) =>
      options.ramp ? rampRate(options.ramp, ms / 1000) : options.rate!;
    const inFlight = new Set<Promise<void>>();
    let at = 0;
    while (begun + at < until) {
      const rate = rateAt(at);
      const scheduled = begun + at;
      const wait = scheduled - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      if (rate <= 0) {
        at += 50;
        continue;
      }
      const p = one(scheduled).finally(() => inFlight.delete(p));
      inFlight.add(p);
      at += 1000 / rate;
      if (!options.ramp) report();
    }
    await Promise.all(inFlight);
  } else {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < until) {
          await one(performance.now());
          report();
        }
      }),
    );
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuUsage(cpuBefore);
  const driverCores = (cpu.user + cpu.system) / 1000 /
    (performance.now() - begun);
  for (const conn of idle.splice(0)) conn.close();
  latencies.sort((a, b) => a - b);
  for (const slot of seconds) {
    const list = (perSecond.get(slot.second) ?? []).sort((a, b) => a - b);
    slot.p99 = Math.round(percentile(list, 0.99) * 10) / 10;
  }
  return {
    requests: latencies.length + errors,
    ok: latencies.length,
    errors,
    errorStatuses: statuses,
    errorSamples: samples,
    seconds: elapsed,
    rate: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p90: percentile(latencies, 0.9),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? 0,
    driverCores,
    ...(options.ramp ? { timeline: seconds } : {}),
    ...(options.idempotencyKeys ? { acknowledged } : {}),
  };
}

if (import.meta.main) {
  await runTask(loadTask, async (args) => {
    const options = loadOptions(args);
    const targets = await createTargets(
      options.url,
      options.targets,
      undefined,
      bearerOf(options.token),
    );
    const result = await runLoad(options, targets);
    if (options.json) console.log(JSON.stringify(result));
    else {
      for (const s of result.timeline ?? []) {
        console.log(
          `t=${s.second}s target ${s.target}/s: ${s.ok} ok, ${s.errors} errors, p99 ${s.p99} ms`,
        );
      }
      console.log(
        `${result.ok} ok, ${result.errors} errors in ${
          result.seconds.toFixed(1)
        } s: ` +
          `${Math.round(result.rate)}/s, p50 ${result.p50.toFixed(2)} ms, ` +
          `p99 ${result.p99.toFixed(2)} ms`,
      );
    }
  });
}
