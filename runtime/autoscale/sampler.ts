/** Every node's load sampler. */
import type { JetStreamManager } from "../../deps.ts";
import { abortable, JetStreamNames, withTimeout } from "../core/mod.ts";
import { CpuClock, EventLoopDelay } from "./process_load.ts";
import { Metrics } from "./types.ts";
import type { Metric, NodeSample } from "./types.ts";

/**
 * Durations of one interval's asks, for their p99: every one while there
 * are at most `capacity`, a uniform reservoir of them beyond.
 */
export class LatencyWindow {
  readonly #capacity: number;
  #values: number[] = [];
  #seen = 0;

  constructor(capacity = 8192) {
    this.#capacity = capacity;
  }

  /** Notes one ask that took `ms`. */
  record(ms: number): void {
    this.#seen++;
    if (this.#values.length < this.#capacity) this.#values.push(ms);
    else {
      const i = Math.floor(Math.random() * this.#seen);
      if (i < this.#capacity) this.#values[i] = ms;
    }
  }

  /** The asks since the last call and their p99 (0 when none), then resets. */
  take(): { count: number; p99: number } {
    const values = this.#values.sort((a, b) => a - b);
    const count = this.#seen;
    this.#values = [];
    this.#seen = 0;
    if (values.length === 0) return { count, p99: 0 };
    return {
      count,
      p99: values[
        Math.min(values.length - 1, Math.ceil(values.length * 0.99) - 1)
      ],
    };
  }
}

/** Where a node's numbers come from. */
export interface SamplerSources {
  /** The actor system's counters (`ActorSystem.stats()`). */
  actors(): {
    commands: number;
    active: number;
    queued: number;
    maxMailboxDepth: number;
  };
  /** Position and lag of each projection this node runs; null: it runs none. */
  projections?(): { position: number; lagMs: number }[] | null;
  /**
   * The feed's head as its authority tells it (`streamLeaderHead` in
   * distributed mode, the local log's head embedded).
   */
  head?(options: { signal: AbortSignal }): Promise<number>;
}

/** Options of a {@linkcode NodeSampler}. */
export interface NodeSamplerOptions {
  nodeId: string;
  intervalMs: number;
  sources: SamplerSources;
  /** Where each sample goes (NATS, or the supervisor in-process). */
  publish(sample: NodeSample): void | Promise<void>;
  /** Epoch ms (default `Date.now`). */
  clock?: () => number;
}

/**
 * The head of `TMS_EVENTS` as the stream's leader tells it. The JetStream
 * API's `STREAM.INFO` request is answered by the stream leader alone in a
 * clustered JetStream (followers ignore it; when the stream has no leader
 * the meta leader answers with an error), so its `last_seq` is never a
 * lagging replica's. The monitoring endpoint (`/jsz`) answers with the
 * state of whichever server is asked — the stale lag KEDA's JetStream
 * scaler was seen to read from a follower.
 */
export async function streamLeaderHead(
  jsm: JetStreamManager,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const info = await abortable(
    jsm.streams.info(JetStreamNames.stream),
    options.signal,
  );
  return info.state.last_seq;
}

/**
 * Measures this node every `intervalMs`: commands handled (a rate from the
 * actor system's counter), the p99 of the asks timed into `latency`,
 * mailbox depth (max and sum), active actors, CPU (procfs), event-loop
 * delay, projection lag, and consumer lag (the head from `sources.head`
 * minus the slowest projection here). A metric it fails to read is named in
 * `missing`, never guessed.
 *
 * @example
 * ```ts
 * const sampler = new NodeSampler({ nodeId, intervalMs: 15_000, sources, publish });
 * sampler.start();
 * sampler.latency.record(12.5);
 * await sampler.stop();
 * ```
 */
export class NodeSampler {
  readonly latency = new LatencyWindow();
  readonly nodeId: string;
  readonly intervalMs: number;
  readonly #sources: SamplerSources;
  readonly #publish: NodeSamplerOptions["publish"];
  readonly #clock: () => number;
  readonly #cpu = new CpuClock();
  readonly #loop = new EventLoopDelay();
  #timer: ReturnType<typeof setInterval> | null = null;
  #last: { at: number; commands: number; cpu: number } | null = null;
  #sampling: Promise<void> | null = null;
  #stopped = false;

  constructor(options: NodeSamplerOptions) {
    if (!(options.intervalMs >= 100)) {
      throw new RangeError("The sample interval is at least 100 ms");
    }
    this.nodeId = options.nodeId;
    this.intervalMs = options.intervalMs;
    this.#sources = options.sources;
    this.#publish = options.publish;
    this.#clock = options.clock ?? Date.now;
  }

  /** Takes the baseline and samples every interval until `stop()`. */
  start(): void {
    if (this.#timer !== null || this.#stopped) return;
    this.#baseline();
    this.#loop.start();
    this.#timer = setInterval(() => {
      this.#sampling ??= this.sample()
        .then((sample) => this.#publish(sample))
        .catch(() => {})
        .finally(() => this.#sampling = null);
    }, this.intervalMs);
  }

  /** Measures the interval since the last sample (or since `start`). */
  async sample(): Promise<NodeSample> {
    if (!this.#last) this.#baseline();
    const last = this.#last!;
    const missing: Metric[] = [];
    const actors = this.#sources.actors();
    const cpuNow = this.#cpu.seconds();
    const projections = this.#sources.projections?.() ?? null;
    let consumerLag: number | null = null;
    if (projections !== null && projections.length > 0 && this.#sources.head) {
      try {
        const head = await this.#sources.head({
          signal: withTimeout(Math.min(this.intervalMs, 5_000)),
        });
        const slowest = Math.min(...projections.map((p) => p.position));
        consumerLag = Math.max(0, head - slowest);
      } catch {
        missing.push(Metrics.consumerLag);
      }
    }
    const at = this.#clock();
    const intervalMs = Math.max(1, at - last.at);
    const commands = Math.max(0, actors.commands - last.commands);
    const asks = this.latency.take();
    this.#last = { at, commands: actors.commands, cpu: cpuNow };
    return {
      node: this.nodeId,
      at,
      intervalMs,
      commands,
      commandRate: commands / (intervalMs / 1000),
      asks: asks.count,
      latencyP99Ms: asks.p99,
      mailboxMax: actors.maxMailboxDepth,
      mailboxSum: actors.queued,
      activeActors: actors.active,
      cpu: Math.max(0, cpuNow - last.cpu) / (intervalMs / 1000),
      eventLoopDelayMs: this.#loop.take(),
      projectionLagMs: projections === null || projections.length === 0
        ? null
        : Math.max(...projections.map((p) => p.lagMs)),
      consumerLag,
      missing,
    };
  }

  /** Stops sampling and says the node is leaving (its samples can be forgotten). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#loop.stop();
    await this.#sampling;
    try {
      const last = await this.sample();
      await this.#publish({ ...last, leaving: true });
    } catch {
      // the supervisor forgets the node when its samples go stale
    }
  }

  #baseline(): void {
    this.#last = {
      at: this.#clock(),
      commands: this.#sources.actors().commands,
      cpu: this.#cpu.seconds(),
    };
  }
}
