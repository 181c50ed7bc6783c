/**
 * Every node follows the feed in memory and fans each commit's messages out
 * to the subscribers it serves: a write on another node reaches them as soon
 * as this node's log sees it. A subscriber may resume after a message it
 * saw: the commits since are read back from the log and mapped the same
 * way, then live messages follow, with nothing missed or sent twice.
 */
import { delay, UnavailableError } from "../core/mod.ts";
import type { EventLog, SignalOptions } from "../core/mod.ts";
import { isAfter } from "./types.ts";
import type {
  BacklogLimits,
  FeedCursor,
  FeedMapper,
  FeedMessage,
  SubscriptionEnd,
} from "./types.ts";

/** Options of `RealtimeHub`. */
export interface RealtimeHubOptions<A> {
  log: EventLog;
  mapper: FeedMapper<A>;
  /** Fallback poll of the feed head (default 1000 ms; the watch wakes it at once). */
  pollIntervalMs?: number;
  /** Commits read and mapped at once (default 500). */
  batchSize?: number;
  /** Wait after a failed read before trying again (default 500 ms). */
  retryMs?: number;
}

/** What a subscriber asks for. */
export interface SubscribeOptions<A> extends BacklogLimits {
  /** Whether this subscriber gets a message (its rooms and rights). */
  accepts: (message: FeedMessage<A>) => boolean;
  /** Resume after this message: what came since is replayed first. */
  after?: FeedCursor | null;
}

const DEFAULT_MAX_MESSAGES = 1000;
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

/**
 * One subscriber's stream of messages: replayed ones first (when resuming),
 * then live ones, each once. Live messages wait in a bounded queue; past the
 * bound the subscription ends (`backlog`) and the queue is dropped.
 */
export class Subscription<A = unknown> {
  /** Resolves once, when the subscription ends, with why. */
  readonly ended: Promise<SubscriptionEnd>;
  readonly #accepts: (message: FeedMessage<A>) => boolean;
  readonly #after: FeedCursor | null;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #queue: FeedMessage<A>[] = [];
  #head = 0;
  #bytes = 0;
  #replay: AsyncGenerator<FeedMessage<A>> | null;
  #end: SubscriptionEnd | null = null;
  #resolveEnd!: (end: SubscriptionEnd) => void;
  #waiter: (() => void) | null = null;
  readonly #onEnd: (subscription: Subscription<A>) => void;

  /** @internal Made by `RealtimeHub.subscribe`. */
  constructor(
    options: SubscribeOptions<A>,
    replay: AsyncGenerator<FeedMessage<A>> | null,
    onEnd: (subscription: Subscription<A>) => void,
  ) {
    this.#accepts = options.accepts;
    this.#after = options.after ?? null;
    this.#maxMessages = options.maxMessages ?? DEFAULT_MAX_MESSAGES;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.#replay = replay;
    this.#onEnd = onEnd;
    this.ended = new Promise((resolve) => (this.#resolveEnd = resolve));
  }

  /** Messages waiting to be taken (live ones; a replay reads page by page). */
  get backlog(): number {
    return this.#queue.length - this.#head;
  }

  /** Why it ended, or null while it runs. */
  get end(): SubscriptionEnd | null {
    return this.#end;
  }

  /**
   * The next message, or null once the subscription ended. One caller at a
   * time.
   */
  async next(): Promise<FeedMessage<A> | null> {
    while (this.#end === null) {
      if (this.#replay) {
        const step = await this.#replay.next();
        if (this.#end !== null) return null;
        if (!step.done) return step.value;
        this.#replay = null;
        continue;
      }
      if (this.#head < this.#queue.length) {
        const message = this.#queue[this.#head];
        this.#queue[this.#head++] = undefined as unknown as FeedMessage<A>;
        if (this.#head === this.#queue.length) {
          this.#queue.length = 0;
          this.#head = 0;
        }
        this.#bytes -= message.body.length;
        return message;
      }
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
    return null;
  }

  /** Ends it (`closed`, or another reason); `next` answers null. */
  close(
    message = "closed by the subscriber",
    reason: SubscriptionEnd["reason"] = "closed",
  ): void {
    this.finish({ reason, message });
  }

  /** @internal A live message from the hub. */
  offer(message: FeedMessage<A>): void {
    if (this.#end !== null) return;
    if (!isAfter(this.#after, message.position, message.index)) return;
    if (!this.#accepts(message)) return;
    this.#queue.push(message);
    this.#bytes += message.body.length;
    if (
      this.backlog > this.#maxMessages || this.#bytes > this.#maxBytes
    ) {
      this.finish({
        reason: "backlog",
        message: `More than ${
          this.backlog > this.#maxMessages
            ? `${this.#maxMessages} messages`
            : `${this.#maxBytes} bytes`
        } waited for this client: it reads too slowly. Reconnect and resume from the last id it got.`,
      });
      return;
    }
    this.#wake();
  }

  /** @internal */
  finish(end: SubscriptionEnd): void {
    if (this.#end !== null) return;
    this.#end = end;
    this.#queue.length = 0;
    this.#head = 0;
    this.#bytes = 0;
    void this.#replay?.return(undefined);
    this.#replay = null;
    this.#resolveEnd(end);
    this.#onEnd(this);
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }
}

/** Counters of a hub, for `/metrics`. */
export interface HubStats {
  /** Subscriptions open now. */
  subscribers: number;
  /** Feed position the hub has fanned out. */
  position: number;
  /** Messages handed to subscribers' queues. */
  delivered: number;
  /** Subscriptions ended because their backlog passed the bound. */
  cutOff: number;
  /** Failed reads or mappings (retried). */
  errors: number;
}

/**
 * Follows the feed from its head at start and fans out each batch's
 * messages to the subscribers that accept them.
 *
 * @example
 * ```ts
 * const hub = new RealtimeHub({ log, mapper });
 * await hub.start();
 * const sub = hub.subscribe({ accepts: (m) => m.type.startsWith("no.tms.invoice.") });
 * const message = await sub.next();
 * await hub.stop();
 * ```
 */
export class RealtimeHub<A = unknown> {
  readonly #log: EventLog;
  readonly #mapper: FeedMapper<A>;
  readonly #pollIntervalMs: number;
  readonly #batchSize: number;
  readonly #retryMs: number;
  readonly #subscribers = new Set<Subscription<A>>();
  readonly #controller = new AbortController();
  #position = 0;
  #head = 0;
  #loop: Promise<void> | null = null;
  #unwatch: (() => void) | null = null;
  #wake: (() => void) | null = null;
  #delivered = 0;
  #cutOff = 0;
  #errors = 0;

  constructor(options: RealtimeHubOptions<A>) {
    this.#log = options.log;
    this.#mapper = options.mapper;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#batchSize = options.batchSize ?? 500;
    this.#retryMs = options.retryMs ?? 500;
  }

  /** The feed position fanned out so far. */
  get position(): number {
    return this.#position;
  }

  /** Starts at the feed's head: older commits only reach resuming subscribers. */
  async start(options: SignalOptions = {}): Promise<void> {
    if (this.#loop) throw new TypeError("The hub already started");
    this.#position = this.#head = await this.#log.headPosition(options);
    this.#unwatch = this.#log.watch((position) => {
      if (position > this.#head) this.#head = position;
      this.#poke();
    });
    this.#loop = this.#run();
  }

  /** Ends every subscription (`stopped`) and stops following. */
  async stop(): Promise<void> {
    this.#controller.abort(new DOMException("Stopped", "AbortError"));
    this.#unwatch?.();
    this.#poke();
    await this.#loop;
    for (const subscription of [...this.#subscribers]) {
      subscription.finish({
        reason: "stopped",
        message: "The node is stopping; reconnect and resume",
      });
    }
  }

  /**
   * A new subscription. Live messages after the hub's position reach it
   * from now on; with `after`, the messages between `after` and that
   * position are replayed from the log first.
   */
  subscribe(options: SubscribeOptions<A>): Subscription<A> {
    if (this.#controller.signal.aborted) {
      throw new UnavailableError("Realtime is stopping on this node");
    }
    const after = options.after ?? null;
    const until = this.#position;
    const replay = after !== null && after.position <= until
      ? this.#replay(after, until, options.accepts)
      : null;
    const subscription = new Subscription(options, replay, (s) => {
      this.#subscribers.delete(s);
      if (s.end?.reason === "backlog") this.#cutOff++;
    });
    this.#subscribers.add(subscription);
    return subscription;
  }

  /** Counters for `/metrics`. */
  stats(): HubStats {
    return {
      subscribers: this.#subscribers.size,
      position: this.#position,
      delivered: this.#delivered,
      cutOff: this.#cutOff,
      errors: this.#errors,
    };
  }

  async *#replay(
    after: FeedCursor,
    until: number,
    accepts: (message: FeedMessage<A>) => boolean,
  ): AsyncGenerator<FeedMessage<A>> {
    const signal = this.#controller.signal;
    let position = after.index === Infinity
      ? after.position
      : Math.max(0, after.position - 1);
    while (position < until) {
      const commits = (await this.#log.readFeed(
        position,
        Math.min(this.#batchSize, until - position),
        { signal },
      )).filter((c) => c.position <= until);
      if (commits.length === 0) return;
      for (const message of await this.#mapper.map(commits, { signal })) {
        if (
          isAfter(after, message.position, message.index) && accepts(message)
        ) {
          yield message;
        }
      }
      position = commits[commits.length - 1].position;
    }
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    let lastPoll = performance.now();
    while (!signal.aborted) {
      try {
        if (performance.now() - lastPoll >= this.#pollIntervalMs) {
          lastPoll = performance.now();
          const head = await this.#log.headPosition({ signal });
          if (head > this.#head) this.#head = head;
        }
        if (this.#position < this.#head && await this.#step()) continue;
        await this.#sleep(
          Math.max(1, this.#pollIntervalMs - (performance.now() - lastPoll)),
        );
      } catch (error) {
        if (signal.aborted) return;
        this.#errors++;
        console.warn("Realtime: reading the feed failed; retrying", error);
        await delay(this.#retryMs, { signal }).catch(() => {});
      }
    }
  }

  /** Reads and fans out one batch; false when the feed had nothing new. */
  async #step(): Promise<boolean> {
    // Nobody to send to: nothing to read. A subscription made now starts
    // at the head (and replays from the log what it asks for before it).
    if (this.#subscribers.size === 0) {
      this.#position = this.#head;
      return true;
    }
    const signal = this.#controller.signal;
    const commits = await this.#log.readFeed(this.#position, this.#batchSize, {
      signal,
    });
    if (commits.length === 0) return false;
    const last = commits[commits.length - 1].position;
    const messages = await this.#mapper.map(commits, { signal });
    // From here on synchronous: a subscription made now replays up to
    // `#position` and gets this batch live, so no message is lost or doubled.
    for (const message of messages) {
      for (const subscription of this.#subscribers) {
        const before = subscription.backlog;
        subscription.offer(message);
        if (subscription.backlog > before) this.#delivered++;
      }
    }
    this.#position = last;
    if (last > this.#head) this.#head = last;
    return true;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
