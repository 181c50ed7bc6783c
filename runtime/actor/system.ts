import { abortable, backoff, delay } from "../core/mod.ts";
import {
  ConcurrencyError,
  DomainError,
  NotFoundError,
  UnavailableError,
} from "../core/mod.ts";
import { Activations, actorKey, post, unposted } from "./activations.ts";
import type { Activation, Envelope } from "./activations.ts";
import {
  type AnyDefinition,
  maybeSnapshot,
  rehydrate,
  rememberCommand,
  stateAt,
} from "./state.ts";
import type { AsOf, Replayed } from "./state.ts";
import { history, isForeign, readAt } from "./time_travel.ts";
import { tracedAsk } from "./ask_span.ts";
import { reportDeadLetter } from "./dead_letters.ts";
import { runInContext, tracingEnabled } from "../telemetry/mod.ts";
import type { TraceContext } from "../telemetry/mod.ts";
import type { DeadLetterInput } from "../core/mod.ts";
import type { Commit, DomainEvent, EventLog } from "../core/mod.ts";
import type {
  ActorClient,
  ActorDefinition,
  ActorFaults,
  ActorSystemOptions,
  ActorSystemStats,
  AskOptions,
  AskResult,
  MailboxDepth,
  ReadOptions,
  ReadResult,
} from "./types.ts";

const DEFAULTS = {
  mailboxCapacity: 1000,
  idleTimeoutMs: 5 * 60_000,
  maxActive: 100_000,
  snapshotEvery: 100,
  recentCommands: 128,
  restartAttempts: 3,
  restartBaseDelayMs: 20,
  restartMaxDelayMs: 1000,
  parkMs: 5000,
} as const;

const STALE_RETRIES = 3;

const NO_FAULTS: ActorFaults = {
  armed: false,
  delay: () => null,
  crash: () => {},
};

/**
 * Virtual actors over an `EventLog`. An actor exists by its id, is activated on
 * its first message (latest snapshot + tail replay), handles one message at a
 * time from a bounded mailbox, and is passivated when idle or when too many are
 * active.
 *
 * @example
 * ```ts
 * const system = new ActorSystem({ log: new MemoryEventLog() });
 * system.register({ type: "counter", decider: counter });
 * const { version } = await system.ask("counter", "a", { type: "inc" });
 * ```
 */
export class ActorSystem implements ActorClient {
  readonly log: EventLog;
  readonly #options: Required<
    Omit<ActorSystemOptions, "log" | "onDeadLetter" | "faults">
  >;
  readonly #onDeadLetter?: (letter: DeadLetterInput) => void;
  readonly #faults: ActorFaults;
  readonly #definitions = new Map<string, AnyDefinition>();
  readonly #actors: Activations;
  #sweeper: ReturnType<typeof setInterval>;
  #commands = 0;
  #restarts = 0;
  #closed = false;

  constructor(options: ActorSystemOptions) {
    this.log = options.log;
    this.#onDeadLetter = options.onDeadLetter;
    this.#faults = options.faults ?? NO_FAULTS;
    const { log: _, onDeadLetter: __, faults: ___, ...rest } = options;
    this.#options = { ...DEFAULTS, ...withoutUndefined(rest) };
    this.#actors = new Activations(this.#options.maxActive);
    this.#sweeper = setInterval(
      () => this.#actors.sweep(Date.now() - this.#options.idleTimeoutMs),
      Math.max(10, Math.min(this.#options.idleTimeoutMs / 2, 30_000)),
    );
    Deno.unrefTimer(this.#sweeper);
  }

  /** Registers an aggregate type. */
  register<C, E extends DomainEvent, S>(
    definition: ActorDefinition<C, E, S>,
  ): this {
    if (this.#definitions.has(definition.type)) {
      throw new TypeError(
        `Actor type ${definition.type} is already registered`,
      );
    }
    this.#definitions.set(definition.type, definition as AnyDefinition);
    return this;
  }

  /**
   * Sends a command to the actor `type/id` and waits for its commit. With
   * tracing on, inside a `tms.ask <type>` span (mailbox wait included) that
   * the append's span is a child of.
   */
  ask<E extends DomainEvent = DomainEvent, S = unknown>(
    type: string,
    id: string,
    command: unknown,
    options: AskOptions = {},
  ): Promise<AskResult<E, S>> {
    const enqueue = (trace?: TraceContext) =>
      this.#enqueue(type, id, "command", command, options, trace) as Promise<
        AskResult
      >;
    return (tracingEnabled()
      ? tracedAsk(type, id, command, enqueue)
      : enqueue()) as Promise<AskResult<E, S>>;
  }

  /** Reads the actor's state through its mailbox; version 0 means it does not exist. */
  read<S = unknown>(
    type: string,
    id: string,
    options: ReadOptions = {},
  ): Promise<ReadResult<S>> {
    return this.#enqueue(type, id, "read", undefined, options) as Promise<
      ReadResult<S>
    >;
  }

  /**
   * The state of `type/id` as it was at `asOf` (a version, or an instant:
   * the last commit accepted at or before it), replayed from the log by
   * whichever node asks — not through the actor's mailbox, so it works for
   * an actor another node owns. Null when it had no commit then (or never
   * reached the version), or when it belongs to another tenant than the
   * principal's (judged on the state replayed).
   *
   * @example
   * ```ts
   * const then = await system.readAt("invoice", id, { version: 2 });
   * ```
   */
  readAt<S = unknown>(
    type: string,
    id: string,
    asOf: AsOf,
    options: ReadOptions = {},
  ): Promise<(Replayed & { state: S }) | null> {
    return readAt<S>(
      this.log,
      this.#definition(type, id),
      type,
      id,
      asOf,
      options,
    );
  }

  /**
   * The commits of `type/id` after `afterVersion` (at most `limit`), read
   * from the log; null when the stream is empty or belongs to another
   * tenant than the principal's (judged on its whole history replayed).
   */
  history(
    type: string,
    id: string,
    options: ReadOptions & { afterVersion?: number; limit?: number } = {},
  ): Promise<{ commits: Commit[]; version: number } | null> {
    return history(this.log, this.#definition(type, id), type, id, options);
  }

  #definition(type: string, id: string): AnyDefinition {
    const def = this.#definitions.get(type);
    if (!def) throw new TypeError(`Unknown actor type ${type}`);
    if (typeof id !== "string" || id.length === 0) {
      throw new TypeError("Actor id must be a non-empty string");
    }
    return def;
  }

  /** Current counters, for health and metrics. */
  stats(): ActorSystemStats {
    let queued = 0;
    let maxMailboxDepth = 0;
    for (const activation of this.#actors.values()) {
      queued += activation.mailbox.length;
      maxMailboxDepth = Math.max(maxMailboxDepth, activation.mailbox.length);
    }
    return {
      active: this.#actors.size,
      queued,
      maxMailboxDepth,
      commands: this.#commands,
      restarts: this.#restarts,
      parked: this.#actors.parked(),
    };
  }

  /**
   * The `limit` deepest mailboxes (deepest first; empty ones left out), for
   * an operator's view: one pass over the active actors, keeping at most
   * `limit` (1–100) candidates.
   *
   * @example
   * ```ts
   * system.deepestMailboxes(10); // [{ type: "invoice", id: "7", depth: 42 }, …]
   * ```
   */
  deepestMailboxes(limit = 10): MailboxDepth[] {
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new RangeError("limit must be an integer from 1 to 100");
    }
    const top: MailboxDepth[] = [];
    for (const activation of this.#actors.values()) {
      const depth = activation.mailbox.length;
      if (depth === 0) continue;
      if (top.length === limit && depth <= top[limit - 1].depth) continue;
      let i = top.length;
      while (i > 0 && top[i - 1].depth < depth) i--;
      top.splice(i, 0, { type: activation.type, id: activation.id, depth });
      if (top.length > limit) top.pop();
    }
    return top;
  }

  /**
   * Passivates one actor: now when idle, or as soon as the message in hand is
   * done. False when it is not active or has messages waiting.
   */
  passivate(type: string, id: string): boolean {
    const key = actorKey(type, id);
    const activation = this.#actors.get(key);
    if (!activation || activation.mailbox.length > 0) return false;
    activation.retire = true;
    if (!activation.running) this.#actors.settle(activation);
    return true;
  }

  /**
   * Ends every park now (the next message to such an actor loads it again),
   * for when what made them fail is known to be gone — a healed fault, an
   * emergency stop. Answers how many were parked.
   */
  unparkAll(): number {
    return this.#actors.unparkAll();
  }

  /** Stops accepting messages, waits for mailboxes to drain, stops timers. */
  async shutdown(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    while (Date.now() < deadline && this.#actors.busy()) await delay(5);
    this.#actors.clear();
  }

  #enqueue(
    type: string,
    id: string,
    kind: Envelope["kind"],
    command: unknown,
    options: AskOptions,
    trace?: TraceContext,
  ): Promise<AskResult | ReadResult> {
    try {
      if (this.#closed) {
        throw new UnavailableError("Actor system is shutting down", {
          retryAfter: 1,
        });
      }
      const def = this.#definitions.get(type);
      if (!def) throw new TypeError(`Unknown actor type ${type}`);
      if (typeof id !== "string" || id.length === 0) {
        throw new TypeError("Actor id must be a non-empty string");
      }
      options.signal?.throwIfAborted();
      const key = actorKey(type, id);
      this.#actors.assertNotParked(key);
      const activation = this.#actors.activate(key, type, id, def);
      if (
        activation.loaded && !activation.running &&
        activation.mailbox.length === 0 && !this.#faults.armed
      ) {
        // Idle and loaded: nothing can be ahead of this message, so it skips
        // the mailbox (a read is answered at once). With a chaos fault armed
        // every message goes through the mailbox, where its seam acts.
        if (kind === "read") {
          return Promise.resolve(this.#readResult(activation, options));
        }
        return abortable(
          this.#handleNow(activation, command, options, trace),
          options.signal,
        );
      }
      if (activation.mailbox.length >= this.#options.mailboxCapacity) {
        throw new UnavailableError(`Mailbox of ${key} is full`, {
          status: 429,
          retryAfter: 1,
        });
      }
      const { envelope, done } = post(activation, kind, command, options);
      envelope.trace = trace;
      if (!activation.running) void this.#drain(activation);
      return done;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Handles a command to an idle actor without the mailbox; then drains what came meanwhile. */
  async #handleNow(
    activation: Activation,
    command: unknown,
    options: AskOptions,
    trace: TraceContext | undefined,
  ): Promise<AskResult> {
    activation.running = true;
    this.#commands++;
    let outcome: Outcome;
    try {
      outcome = await this.#handle(
        activation,
        unposted(command, options, trace),
      );
    } finally {
      if (activation.mailbox.length > 0) void this.#drain(activation);
      else this.#idle(activation);
    }
    if (outcome instanceof Failure) throw outcome.error;
    return outcome as AskResult;
  }

  async #drain(activation: Activation): Promise<void> {
    activation.running = true;
    try {
      while (activation.mailbox.length > 0) {
        const envelope = activation.mailbox.shift()!;
        if (envelope.options.signal?.aborted) {
          envelope.reject(envelope.options.signal.reason);
          continue;
        }
        if (envelope.kind === "command") this.#commands++;
        if (this.#faults.armed) {
          await this.#faults.delay(activation.type, activation.id);
        }
        const outcome = await this.#handle(activation, envelope);
        // Idle before the caller hears: its next message skips the mailbox.
        if (activation.mailbox.length === 0) this.#idle(activation);
        if (outcome instanceof Failure) envelope.reject(outcome.error);
        else envelope.resolve(outcome);
      }
    } finally {
      if (activation.running) this.#idle(activation);
    }
  }

  #idle(activation: Activation): void {
    activation.running = false;
    activation.lastUsed = Date.now();
    this.#actors.settle(activation);
  }

  /** A read's answer; another tenant's actor reads as one that does not exist. */
  #readResult(activation: Activation, options: ReadOptions): ReadResult {
    const foreign = isForeign(
      activation.def,
      options.principal,
      activation.state,
      undefined,
      activation.id,
    );
    return foreign
      ? { version: 0, position: 0, state: activation.def.decider.initialState }
      : {
        version: activation.version,
        position: activation.position,
        state: activation.state,
      };
  }

  /** Handles one message (with restarts); its outcome, delivered by the caller. */
  async #handle(activation: Activation, envelope: Envelope): Promise<Outcome> {
    const signal = envelope.options.signal;
    let infraFailures = 0;
    let staleRetries = 0;
    for (;;) {
      try {
        if (!activation.loaded) await this.#load(activation);
        const result = envelope.kind === "read"
          ? this.#readResult(activation, envelope.options)
          : envelope.trace === undefined
          ? await this.#process(activation, envelope)
          : await runInContext(
            envelope.trace,
            () => this.#process(activation, envelope),
          );
        this.#actors.settle(activation);
        return result;
      } catch (error) {
        if (!(error instanceof InfrastructureFailure)) {
          return new Failure(error);
        }
        activation.loaded = false;
        if (error.cause instanceof ConcurrencyError) {
          if (++staleRetries <= STALE_RETRIES) continue;
          return new Failure(error.cause);
        }
        this.#restarts++;
        if (infraFailures >= this.#options.restartAttempts) {
          this.#actors.park(activation, this.#options.parkMs, error.cause);
          if (envelope.kind === "command") {
            reportDeadLetter(
              this.#onDeadLetter,
              activation,
              envelope,
              infraFailures + 1,
              error.cause,
            );
          }
          return new Failure(
            new UnavailableError(
              `Actor ${activation.key} failed ${
                infraFailures + 1
              } times and is parked`,
              {
                retryAfter: Math.ceil(this.#options.parkMs / 1000),
                cause: error.cause,
              },
            ),
          );
        }
        try {
          await delay(
            backoff(
              infraFailures++,
              this.#options.restartBaseDelayMs,
              this.#options.restartMaxDelayMs,
            ),
            { signal },
          );
        } catch (abort) {
          return new Failure(abort);
        }
      }
    }
  }

  async #process(
    activation: Activation,
    envelope: Envelope,
  ): Promise<AskResult> {
    const { options, commandId } = envelope;
    if (this.#foreign(activation, envelope)) {
      throw new NotFoundError(`No such ${activation.type}`);
    }
    // An id generated for this message cannot have been committed before
    // its first append was tried: no lookup then.
    const seen = options.commandId === undefined &&
        envelope.appendedFrom === null
      ? undefined
      : activation.recent.get(commandId);
    if (seen) {
      // A retry answers what the first call answered: its version, events and
      // the state as of that commit (replayed when the actor has moved on).
      return {
        version: seen.version,
        position: seen.position,
        events: seen.events,
        state: seen.version === activation.version
          ? activation.state
          : await this.#stateAt(activation, seen.version),
        duplicate: true,
      };
    }
    if (
      options.expectedVersion !== undefined &&
      options.expectedVersion !== activation.version
    ) {
      throw new ConcurrencyError(
        `${activation.key} is at version ${activation.version}, not ${options.expectedVersion}`,
        options.expectedVersion,
        activation.version,
      );
    }
    const { decider } = activation.def;
    const events = decider.decide(envelope.command, activation.state);
    if (events.length === 0) {
      return {
        version: activation.version,
        position: activation.position,
        events: [],
        state: activation.state,
        duplicate: false,
      };
    }
    const state = events.reduce(
      (s: unknown, e: DomainEvent) => decider.evolve(s, e),
      activation.state,
    );
    if (this.#faults.armed) this.#crash(activation, "decide");
    let appended;
    envelope.appendedFrom ??= activation.version;
    try {
      appended = await this.log.append({
        type: activation.type,
        id: activation.id,
        expectedVersion: activation.version,
        commandId,
        events,
        meta: options.meta,
      });
    } catch (error) {
      // A DomainError from the log is a refusal before anything was written
      // (a sealing log whose data subject was erased), not a failure.
      if (
        error instanceof RangeError || error instanceof TypeError ||
        error instanceof DomainError
      ) {
        throw error;
      }
      throw new InfrastructureFailure(error);
    }
    if (appended.duplicate) {
      // The log knew this command id but the actor did not: reload, and the
      // recent-command check answers with the original result.
      throw new InfrastructureFailure(
        new ConcurrencyError(
          `${activation.key} missed commit of command ${commandId}`,
          activation.version,
          appended.version,
        ),
      );
    }
    if (this.#faults.armed) this.#crash(activation, "append");
    activation.state = state;
    activation.version = appended.version;
    activation.position = appended.position;
    rememberCommand(activation.recent, {
      commandId,
      version: appended.version,
      position: appended.position,
      events,
    }, this.#options.recentCommands);
    maybeSnapshot(
      this.log,
      activation,
      activation.def.snapshotEvery ?? this.#options.snapshotEvery,
    );
    return {
      version: appended.version,
      position: appended.position,
      events,
      state,
      duplicate: false,
    };
  }

  /** An injected crash: handled as a failure of the infrastructure (restart). */
  #crash(activation: Activation, phase: "decide" | "append"): void {
    try {
      this.#faults.crash(activation.type, activation.id, phase);
    } catch (error) {
      throw new InfrastructureFailure(error);
    }
  }

  /**
   * True when the message's principal belongs to another tenant than the
   * actor (or the command, for one that does not exist yet): the second
   * tenancy check, whatever the edge did.
   */
  #foreign(activation: Activation, envelope: Envelope): boolean {
    return isForeign(
      activation.def,
      envelope.options.principal,
      activation.state,
      envelope.kind === "command" ? envelope.command : undefined,
      activation.id,
    );
  }

  async #load(activation: Activation): Promise<void> {
    const { def, type, id } = activation;
    try {
      const loaded = await rehydrate(
        this.log,
        def,
        type,
        id,
        this.#options.recentCommands,
      );
      Object.assign(activation, loaded, { loaded: true });
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new InfrastructureFailure(error);
    }
  }

  async #stateAt(activation: Activation, version: number): Promise<unknown> {
    try {
      return await stateAt(
        this.log,
        activation.def,
        activation.type,
        activation.id,
        version,
      );
    } catch (error) {
      if (error instanceof DomainError || error instanceof RangeError) {
        throw error;
      }
      throw new InfrastructureFailure(error);
    }
  }
}

/** What handling a message came to: its result, or the error its caller gets. */
type Outcome = AskResult | ReadResult | Failure;

/** The error a message's caller gets (returned, not thrown, by `#handle`). */
class Failure {
  constructor(readonly error: unknown) {}
}

/** Marks a failure of the log (not of the command) inside the mailbox loop. */
class InfrastructureFailure extends Error {
  override name = "InfrastructureFailure";
  constructor(cause: unknown) {
    super("Event log failure", { cause });
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

export type {
  ActorClient,
  ActorDefinition,
  ActorFaults,
  ActorSystemOptions,
  ActorSystemStats,
  AskOptions,
  AskResult,
  ReadResult,
} from "./types.ts";
