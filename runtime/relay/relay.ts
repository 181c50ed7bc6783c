/**
 * `FeedRelay`: follows the feed from its own checkpoint, maps each commit to
 * integration events (the mapping is injected), hands every batch to a sink
 * and moves the checkpoint only once the sink has every acknowledgement.
 * After a crash between the publish and the checkpoint, the next relay
 * publishes that batch again under the same ids (`<position>-<index>`),
 * which the sink deduplicates: at-least-once delivery, each event once in
 * the stream.
 */
import { backoff, ConcurrencyError, delay } from "../core/mod.ts";
import type {
  Commit,
  EventLog,
  FeedCheckpoints,
  SignalOptions,
} from "../core/mod.ts";
import { withConsumerSpan } from "../telemetry/mod.ts";
import { StreamOrigins } from "./origins.ts";
import type {
  IntegrationMapper,
  PositionedIntegrationEvent,
  RelaySink,
} from "./types.ts";

/** Options of `FeedRelay`. */
export interface FeedRelayOptions<O> {
  log: EventLog;
  checkpoints: FeedCheckpoints;
  mapper: IntegrationMapper<O>;
  sink: RelaySink;
  /** Name of the checkpoint and of the metrics' `relay` label (default `integration`). */
  name?: string;
  /** Commits read per batch (default 500). */
  batchSize?: number;
  /** Head poll while idle, for commits other processes write (default 250 ms). */
  pollIntervalMs?: number;
  /** Origins remembered at once (default 100 000). */
  originCapacity?: number;
  /**
   * Fault seam for tests: runs after a batch is acknowledged and before its
   * checkpoint is stored. A throw there is a crash at the worst moment.
   */
  afterPublish?: (
    batch: { to: number; events: readonly PositionedIntegrationEvent[] },
  ) => void | Promise<void>;
  /** Another writer moved the checkpoint (a second relay runs): told once per conflict. */
  onConflict?: () => void;
}

/** What a relay knows of itself, for metrics and readiness. */
export interface RelayStatus {
  name: string;
  /** The position published and checkpointed. */
  position: number;
  published: number;
  batches: number;
  /** Why the last batch failed (it is retried), or null. */
  failed: string | null;
  failures: number;
  running: boolean;
}

/**
 * Relays integration events from the feed to a sink, exactly once per event
 * id in the sink (see the module doc).
 *
 * @example
 * ```ts
 * const relay = new FeedRelay({ log, checkpoints, mapper, sink });
 * await relay.start();
 * await relay.waitFor(await log.headPosition());
 * await relay.stop();
 * ```
 */
export class FeedRelay<O = unknown> {
  readonly name: string;
  readonly #options: FeedRelayOptions<O>;
  readonly #origins: StreamOrigins<O>;
  readonly #controller = new AbortController();
  #position = 0;
  #revision: string | null = null;
  #published = 0;
  #batches = 0;
  #failed: string | null = null;
  #failures = 0;
  #loop: Promise<void> | null = null;
  #unwatch: (() => void) | null = null;
  #wake: (() => void) | null = null;
  /** A commit was heard since the loop last looked. */
  #noticed = false;
  #waiters = new Set<{ position: number; resolve: () => void }>();

  constructor(options: FeedRelayOptions<O>) {
    this.#options = options;
    this.name = options.name ?? "integration";
    this.#origins = new StreamOrigins(options.log, options.mapper, {
      capacity: options.originCapacity,
    });
  }

  /** The origins of streams this relay remembers (reused by other deliveries). */
  get origins(): StreamOrigins<O> {
    return this.#origins;
  }

  /** The checkpointed position. */
  get position(): number {
    return this.#position;
  }

  status(): RelayStatus {
    return {
      name: this.name,
      position: this.#position,
      published: this.#published,
      batches: this.#batches,
      failed: this.#failed,
      failures: this.#failures,
      running: this.#loop !== null && !this.#controller.signal.aborted,
    };
  }

  /** Loads the checkpoint and starts following the feed. */
  async start(options: SignalOptions = {}): Promise<void> {
    if (this.#loop) throw new TypeError(`Relay ${this.name} already started`);
    await this.#load(options);
    this.#unwatch = this.#options.log.watch((position) => {
      if (position <= this.#position) return;
      this.#noticed = true;
      this.#wake?.();
    });
    this.#loop = this.#run();
  }

  /** Stops after the batch in flight (its checkpoint is stored if it was acknowledged). */
  async stop(): Promise<void> {
    this.#controller.abort(new DOMException("Relay stopped", "AbortError"));
    this.#wake?.();
    this.#unwatch?.();
    this.#unwatch = null;
    await this.#loop;
  }

  /** Resolves once the checkpoint is at or past `position`. */
  waitFor(position: number, options: SignalOptions = {}): Promise<void> {
    if (this.#position >= position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        position,
        resolve: () => {
          options.signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#waiters.delete(waiter);
        reject(options.signal!.reason);
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  async #load(options: SignalOptions): Promise<void> {
    const stored = await this.#options.checkpoints.load(this.name, options);
    this.#position = stored?.position ?? 0;
    this.#revision = stored?.revision ?? null;
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    const batchSize = this.#options.batchSize ?? 500;
    while (!signal.aborted) {
      let commits: Commit[];
      try {
        commits = await this.#options.log.readFeed(
          this.#position,
          batchSize,
          { signal },
        );
        if (commits.length === 0) {
          await this.#idle(signal);
          continue;
        }
        await this.#relay(commits, signal);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof ConcurrencyError) {
          // Another relay moved the checkpoint: go on from where it is.
          this.#options.onConflict?.();
          await this.#load({ signal }).catch(() => {});
          continue;
        }
        this.#failures++;
        this.#failed = error instanceof Error ? error.message : String(error);
        if (this.#failures === 1 || this.#failures % 20 === 0) {
          console.warn(
            `Relay ${this.name} failed at position ${
              this.#position + 1
            } (attempt ${this.#failures}); retrying`,
            error,
          );
        }
        await delay(backoff(this.#failures, 100, 5_000), { signal }).catch(
          () => {},
        );
      }
    }
  }

  async #relay(commits: readonly Commit[], signal: AbortSignal): Promise<void> {
    const { mapper, sink } = this.#options;
    const events: PositionedIntegrationEvent[] = [];
    const sources: (string | undefined)[] = [];
    for (const commit of commits) {
      const own = this.#origins.observe(commit);
      const origin = commit.version === 1
        ? own
        : mapper.needsOrigin(commit)
        ? await this.#origins.of(commit, { signal })
        : null;
      const mapped = mapper.map(commit, origin);
      if (mapped.length > 0) sources.push(commit.meta?.traceparent);
      mapped.forEach((event, index) =>
        events.push({
          ...event,
          id: `${commit.position}-${index}`,
          position: commit.position,
          index,
          ...(commit.meta?.traceparent
            ? { traceparent: commit.meta.traceparent }
            : {}),
        })
      );
    }
    const to = commits[commits.length - 1].position;
    if (events.length > 0) {
      await withConsumerSpan(`tms.relay ${this.name}`, sources, {
        "messaging.system": "nats",
        "messaging.operation.type": "send",
        "tms.relay": this.name,
        "tms.position.from": commits[0].position,
        "tms.position.to": to,
        "tms.relay.events": events.length,
      }, () => sink.publish(events, { signal }));
    }
    await this.#options.afterPublish?.({ to, events });
    this.#revision = await this.#options.checkpoints.save(
      this.name,
      to,
      this.#revision,
    );
    this.#position = to;
    this.#published += events.length;
    this.#batches++;
    this.#failed = null;
    this.#failures = 0;
    for (const waiter of this.#waiters) {
      if (waiter.position <= to) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  async #idle(signal: AbortSignal): Promise<void> {
    if (this.#noticed) {
      this.#noticed = false;
      return;
    }
    const idle = new AbortController();
    this.#wake = () => idle.abort();
    await delay(this.#options.pollIntervalMs ?? 250, {
      signal: AbortSignal.any([signal, idle.signal]),
    }).catch(() => {});
    this.#wake = null;
    this.#noticed = false;
  }
}
