/**
 * The realtime section of `deno task bench`: fan-out latency from commit to
 * a connected SSE client, on one embedded node (its own process), with the
 * load from another process at half the node's command rate (measured with
 * the clients connected). Each message carries its commit's timestamp
 * (`tmscommittedat`, the log's clock), and the client — in this process, on
 * the same machine — takes its arrival time, so the figure is commit →
 * client. The baseline is the write's own latency in the same run (the load
 * driver's p99, from the scheduled send to the 2xx).
 */
import { loadProcess, ratio } from "./bench_support.ts";
import type { LoadResult } from "./load.ts";
import { startServer } from "./server_process.ts";
import type { ServerProcess } from "./server_process.ts";

/** One row of the section (the bench's `BenchRow` without its section). */
export interface RealtimeRow {
  name: string;
  value: number;
  unit: string;
  ratio?: string;
}

const HALF_SECONDS = 15;

/** An SSE client that records each message's commit → arrival latency. */
class LatencyClient {
  readonly latencies: number[] = [];
  /** The ids received while recording, in order. */
  readonly ids: string[] = [];
  readonly #reader: ReadableStreamDefaultReader<string>;
  readonly #done: Promise<void>;
  #recording = false;

  private constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.pipeThrough(new TextDecoderStream()).getReader();
    this.#done = this.#read().catch(() => {});
  }

  static async open(url: string): Promise<LatencyClient> {
    const res = await fetch(`${url}/api/v1/stream`);
    if (res.status !== 200) throw new Error(`SSE answered ${res.status}`);
    return new LatencyClient(res.body!);
  }

  record(on: boolean): void {
    if (on) {
      this.latencies.length = 0;
      this.ids.length = 0;
    }
    this.#recording = on;
  }

  async close(): Promise<void> {
    // Cancelling the reader ends the read loop (an aborted fetch may not).
    await this.#reader.cancel().catch(() => {});
    await this.#done;
  }

  async #read(): Promise<void> {
    let buffer = "";
    for (;;) {
      const { value: chunk, done } = await this.#reader.read();
      if (done) return;
      const now = Date.now();
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!this.#recording) continue;
        const at = /"tmscommittedat":"([^"]+)"/.exec(block);
        const id = /^id: (\S+)/m.exec(block);
        if (!at || !id) continue;
        this.latencies.push(now - Date.parse(at[1]));
        this.ids.push(id[1]);
      }
    }
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** The ids of the messages from `first` to `last` (both ids), replayed from the log. */
async function replay(
  url: string,
  first: string,
  last: string,
): Promise<string[]> {
  const [position, index] = first.split("-").map(Number);
  const res = await fetch(`${url}/api/v1/stream`, {
    headers: {
      "last-event-id": index === 0
        ? String(position - 1)
        : `${position}-${index - 1}`,
    },
  });
  const ids: string[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return ids;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const id = /^id: (\S+)/m.exec(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (!id) continue;
        ids.push(id[1]);
        if (id[1] === last) return ids;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** Waits until `clients` saw nothing new for a while (the node drained). */
async function settle(clients: LatencyClient[]): Promise<void> {
  let last = -1;
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const seen = clients.reduce((n, c) => n + c.ids.length, 0);
    if (seen === last) return;
    last = seen;
  }
}

async function halfRun(
  server: ServerProcess,
  clients: LatencyClient[],
  rate: number,
): Promise<{ load: LoadResult; latencies: number[]; missed: number }> {
  for (const c of clients) c.record(true);
  const load = await loadProcess([
    "--url",
    server.url,
    "--targets",
    "500",
    "--seconds",
    String(HALF_SECONDS),
    "--rate",
    String(rate),
  ]);
  await settle(clients);
  for (const c of clients) c.record(false);
  // The truth is the log: the same range replayed from it (Last-Event-ID),
  // every id of it received once, in order.
  let missed = 0;
  for (const { ids } of clients) {
    if (ids.length === 0) {
      missed += load.requests;
      continue;
    }
    const replayed = await replay(server.url, ids[0], ids.at(-1)!);
    const seen = new Set(ids);
    missed += replayed.filter((id) => !seen.has(id)).length +
      (ids.length - seen.size) +
      (ids.join() === replayed.join() ? 0 : 1);
  }
  return {
    load,
    latencies: clients.flatMap((c) => c.latencies),
    missed,
  };
}

/**
 * Runs the section: the node's maximum with one SSE client connected, then
 * an open-loop run at half of it.
 */
export async function benchRealtime(
  options: { progress: (message: string) => void },
): Promise<RealtimeRow[]> {
  const dir = await Deno.makeTempDir({ prefix: "tms-bench-rt-" });
  const server = await startServer({ TMS_DATA_DIR: dir, TMS_AUTH: "off" });
  const clients: LatencyClient[] = [];
  try {
    clients.push(await LatencyClient.open(server.url));
    options.progress("realtime: closed loop, 64 in flight, one SSE client");
    const max = await loadProcess([
      "--url",
      server.url,
      "--targets",
      "500",
      "--seconds",
      "5",
      "--concurrency",
      "64",
    ]);
    await settle(clients);
    const rate = Math.max(1, Math.round(max.rate / 2));
    const rows: RealtimeRow[] = [{
      name: "TMS commands over HTTP with an SSE client connected, max",
      value: max.rate,
      unit: "commands/s",
    }];
    // One client: ten in this one process made the process the bottleneck
    // (its parsing), not the node.
    options.progress(
      `realtime: open loop at half the maximum (${rate}/s, ${HALF_SECONDS} s), one SSE client`,
    );
    const run = await halfRun(server, clients, rate);
    const p99 = percentile(run.latencies, 0.99);
    rows.push(
      {
        name: `realtime fan-out commit → SSE client p50 at half max (${
          Math.round(run.load.rate)
        }/s)`,
        value: percentile(run.latencies, 0.5),
        unit: "ms",
      },
      {
        name: "realtime fan-out commit → SSE client p99 at half max",
        value: p99,
        unit: "ms",
        ratio: ratio(p99, run.load.p99),
      },
      {
        name: "realtime fan-out commit → SSE client max at half max",
        value: Math.max(...run.latencies),
        unit: "ms",
      },
      {
        name: "baseline: the HTTP commands' own latency p99 in that run",
        value: run.load.p99,
        unit: "ms",
        ratio: "1.00×",
      },
      {
        name:
          "messages missed, doubled or out of order (against a replay of the log)",
        value: run.missed,
        unit: `of ${run.latencies.length} received`,
      },
    );
    return rows;
  } finally {
    for (const c of clients) await c.close();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
}
