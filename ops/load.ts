/**
 * HTTP load driver: `deno task load --url http://127.0.0.1:8000 [--seconds 5]
 * [--warmup 1] [--concurrency 64] [--rate N] [--targets 200] [--json]`.
 *
 * Registers `targets` bedrifter, then sends durable commands (PATCH of a
 * bedrift's poststed) to them round-robin: closed loop with `concurrency`
 * requests in flight, or open loop at `rate` requests/s when given (latency is
 * measured from the scheduled send time, so a stall is not hidden). Only
 * addresses on this machine are allowed as targets. With `TMS_LOAD_TOKEN`
 * every request carries it as a bearer token (a node with TMS_AUTH=off
 * needs none). Requests go over
 * keep-alive HTTP/1.1 connections of `http_client.ts` (cheaper than `fetch`,
 * so the driver takes less CPU from the server). The first `warmup` seconds
 * of load are not measured. Prints progress lines and a summary; with
 * `--json`, one JSON line.
 */
import { cpuUsage } from "node:process";
import { runTask, UsageError } from "./cli.ts";
import type { TaskArgs, TaskSpec } from "./cli.ts";
import { HttpConnection, jsonRequest } from "./http_client.ts";
import { organisasjonsnummerFor } from "./orgnr.ts";

export interface LoadResult {
  requests: number;
  ok: number;
  errors: number;
  seconds: number;
  rate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** CPU cores the driver itself used while it sent (user + system). */
  driverCores: number;
}

interface Options {
  url: string;
  seconds: number;
  /** Seconds of load before measuring (JIT and caches warm up). */
  warmup: number;
  concurrency: number;
  rate?: number;
  targets: number;
  json: boolean;
  /** A bearer token sent with every request (`TMS_LOAD_TOKEN`). */
  token?: string;
}

/** `deno task load`: its flags and usage text. */
export const loadTask: TaskSpec = {
  name: "load",
  summary:
    "Drives durable commands (PATCH of a bedrift) at a TMS node on this machine and prints rate and latency.",
  details:
    `Registers --targets bedrifter, then sends to them round-robin: closed loop
with --concurrency requests in flight, or open loop at --rate requests/s
(latency from the scheduled send time). The first --warmup seconds are not
measured. Prints a summary line; with --json, one JSON line.`,
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
  ],
};

function loadOptions(args: TaskArgs): Options {
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
  return {
    url,
    seconds: args.number("seconds", 5),
    warmup: args.number("warmup", 1, { min: 0 }),
    concurrency: args.int("concurrency", 64),
    rate: args.number("rate"),
    targets: args.int("targets", 200),
    json: args.has("json"),
    token: Deno.env.get("TMS_LOAD_TOKEN") || undefined,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
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
  options: Options,
  targets: string[],
): Promise<LoadResult> {
  const latencies: number[] = [];
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
  const one = async (scheduled: number) => {
    const id = targets[next++ % targets.length];
    const measured = scheduled >= started;
    let conn: HttpConnection | undefined;
    try {
      conn = await acquire();
      const status = await conn.request(
        jsonRequest("PATCH", base.host, `/api/v1/bedrifter/${id}`, {
          poststed: `P${next}`,
        }, headers),
      );
      if (conn.usable) idle.push(conn);
      if (!measured) return;
      if (status >= 200 && status < 300) {
        latencies.push(performance.now() - scheduled);
      } else errors++;
    } catch {
      conn?.close();
      if (measured) errors++;
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
  if (options.rate) {
    const interval = 1000 / options.rate;
    const inFlight = new Set<Promise<void>>();
    let i = 0;
    while (performance.now() < until) {
      const scheduled = begun + i * interval;
      const wait = scheduled - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const p = one(scheduled).finally(() => inFlight.delete(p));
      inFlight.add(p);
      i++;
      report();
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
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuUsage(cpuBefore);
  const driverCores = (cpu.user + cpu.system) / 1000 /
    (performance.now() - begun);
  for (const conn of idle.splice(0)) conn.close();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length + errors,
    ok: latencies.length,
    errors,
    seconds,
    rate: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p90: percentile(latencies, 0.9),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? 0,
    driverCores,
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
