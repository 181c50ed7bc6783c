import type { Msg, NatsConnection, Subscription } from "../../deps.ts";
import { abortable, backoff, delay } from "../core/mod.ts";
import { encodeHeaders, NatsRequester, NatsStatusError } from "../nats/mod.ts";
import {
  contextFrom,
  idHash,
  SpanKinds,
  traceHeaders,
  tracingEnabled,
  withSpan,
} from "../telemetry/mod.ts";
import type { ActorSystem } from "../actor/mod.ts";
import type {
  ActorClient,
  AskOptions,
  AskResult,
  ReadOptions,
  ReadResult,
} from "../actor/mod.ts";
import { ConcurrencyError, UnavailableError } from "../core/mod.ts";
import { RpcHeaders, rpcSubject } from "../core/mod.ts";
import { decodeError, encodeError } from "../core/mod.ts";
import type { WireError } from "../core/mod.ts";
import { shardOf } from "./placement.ts";
import type { DomainEvent } from "../core/mod.ts";

/** What the router needs to know about placement. */
export interface ShardOwnership {
  readonly shards: number;
  owns(shard: number): boolean;
}

/** Options of `ClusterRouter`. */
export interface ClusterRouterOptions {
  nc: NatsConnection;
  system: ActorSystem;
  placement: ShardOwnership;
  /** Deadline of a request when the caller gives none (default 10 000 ms). */
  requestTimeoutMs?: number;
  /** True while the NATS connection is up (default: not closed). */
  connected?: () => boolean;
  /** Seconds an `UnavailableError` tells the caller to wait (default 1). */
  retryAfter?: number;
}

/** A request on `tms.rpc.<shard>`. */
interface RpcRequest {
  op: "ask" | "read";
  type: string;
  id: string;
  command?: unknown;
  options?: Pick<
    AskOptions,
    "commandId" | "expectedVersion" | "meta" | "principal"
  >;
  /** Epoch ms after which the caller no longer waits. */
  deadline: number;
}

type RpcReply =
  | { ok: AskResult | ReadResult }
  | { error: WireError }
  | { notOwner: true };

/** Counters of the router, for metrics. */
export interface RouterStats {
  local: number;
  forwarded: number;
  served: number;
  rerouted: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The `ActorClient` of a cluster node. An ask for an actor whose shard this
 * node holds goes to the local `ActorSystem`; any other is forwarded over NATS
 * request/reply on `tms.rpc.<shard>`, where only the shard's owner listens,
 * with the caller's deadline. Errors come back typed (`DomainError`,
 * `NotFoundError`, `ConcurrencyError`, `UnavailableError`, deadline), so the
 * edge maps them as for a local ask. No responder (the shard is moving) is
 * retried with backoff until the deadline, then `UnavailableError`. Every
 * command gets its id before it leaves, so a retry is idempotent.
 *
 * @example
 * ```ts
 * const router = new ClusterRouter({ nc, system, placement });
 * placement.handler = router; // acquired → serve, released → drain, passivate
 * await router.ask("bedrift", id, { type: "update", changes, at });
 * ```
 */
export class ClusterRouter implements ActorClient {
  readonly #nc: NatsConnection;
  readonly #requester: NatsRequester;
  readonly #system: ActorSystem;
  readonly #placement: ShardOwnership;
  readonly #timeoutMs: number;
  readonly #connected: () => boolean;
  readonly #retryAfter: number;
  readonly #subscriptions = new Map<number, Subscription>();
  readonly #actors = new Map<number, Map<string, [string, string]>>();
  readonly #inflight = new Map<number, Set<Promise<unknown>>>();
  #offline = new AbortController();
  readonly #stats: RouterStats = {
    local: 0,
    forwarded: 0,
    served: 0,
    rerouted: 0,
  };

  constructor(options: ClusterRouterOptions) {
    this.#nc = options.nc;
    this.#requester = new NatsRequester(options.nc, {
      timeoutMs: options.requestTimeoutMs ?? 10_000,
    });
    this.#system = options.system;
    this.#placement = options.placement;
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#connected = options.connected ?? (() => !options.nc.isClosed());
    this.#retryAfter = options.retryAfter ?? 1;
  }

  ask<E extends DomainEvent = DomainEvent, S = unknown>(
    type: string,
    id: string,
    command: unknown,
    options: AskOptions = {},
  ): Promise<AskResult<E, S>> {
    const { signal, ...rest } = options;
    const wire = { ...rest, commandId: rest.commandId ?? crypto.randomUUID() };
    return this.#route(
      { op: "ask", type, id, command, options: wire, deadline: 0 },
      signal,
    ) as Promise<AskResult<E, S>>;
  }

  read<S = unknown>(
    type: string,
    id: string,
    options: ReadOptions = {},
  ): Promise<ReadResult<S>> {
    const { signal, ...rest } = options;
    return this.#route(
      { op: "read", type, id, options: rest, deadline: 0 },
      signal,
    ) as Promise<ReadResult<S>>;
  }

  /**
   * The NATS connection dropped: every ask in hand is answered with
   * `UnavailableError` now (a started append may still commit; a retry with
   * the same command id gets its outcome).
   */
  disconnected(): void {
    this.#offline.abort(
      new UnavailableError("NATS connection lost", {
        retryAfter: this.#retryAfter,
      }),
    );
  }

  /** The NATS connection is back. */
  reconnected(): void {
    if (this.#offline.signal.aborted) this.#offline = new AbortController();
  }

  /** Counters so far. */
  stats(): RouterStats {
    return { ...this.#stats };
  }

  /** Starts answering remote asks for `shard` (the node now holds it). */
  acquired(shard: number): void {
    if (this.#subscriptions.has(shard)) return;
    this.#passivateAll(shard);
    const sub = this.#nc.subscribe(rpcSubject(shard), {
      callback: (error, msg) => {
        if (!error) void this.#serve(shard, msg);
      },
    });
    this.#subscriptions.set(shard, sub);
  }

  /**
   * Stops answering for `shard`, waits (bounded) for the work in hand, then
   * passivates the shard's actors so a later owner's commits are not shadowed.
   */
  async released(shard: number): Promise<void> {
    const sub = this.#subscriptions.get(shard);
    this.#subscriptions.delete(shard);
    if (sub) {
      try {
        // Drained, not just unsubscribed: a request already on its way here
        // is still answered (not the owner: the caller reroutes at once);
        // dropped, its caller would wait out its whole deadline (seen as a
        // 503 when a node left under load).
        await abortable(sub.drain(), AbortSignal.timeout(2_000));
      } catch {
        try {
          sub.unsubscribe();
        } catch {
          // connection already closed
        }
      }
    }
    const work = [...(this.#inflight.get(shard) ?? [])];
    if (work.length > 0) {
      await Promise.race([Promise.allSettled(work), delay(this.#timeoutMs)]);
    }
    this.#passivateAll(shard);
  }

  /** Unsubscribes from every shard (the node is stopping). */
  async close(): Promise<void> {
    await Promise.all(
      [...this.#subscriptions.keys()].map((shard) => this.released(shard)),
    );
    this.#requester.close();
  }

  async #route(
    request: RpcRequest,
    callerSignal?: AbortSignal,
  ): Promise<AskResult | ReadResult> {
    const offline = this.#offline.signal;
    const signal = callerSignal
      ? AbortSignal.any([callerSignal, offline])
      : offline;
    const shard = shardOf(request.type, request.id, this.#placement.shards);
    const deadline = Date.now() + this.#timeoutMs;
    request.deadline = deadline;
    for (let attempt = 0;; attempt++) {
      signal.throwIfAborted();
      if (!this.#connected()) {
        throw new UnavailableError("NATS connection is down", {
          retryAfter: this.#retryAfter,
        });
      }
      if (this.#placement.owns(shard)) {
        try {
          this.#stats.local++;
          return await this.#local(shard, request, signal);
        } catch (error) {
          // A stale owner lost the race to the fence: route to the new owner.
          if (
            error instanceof ConcurrencyError &&
            request.options?.expectedVersion === undefined &&
            !this.#placement.owns(shard)
          ) {
            this.#stats.rerouted++;
            continue;
          }
          throw error;
        }
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      let reply: RpcReply;
      try {
        this.#stats.forwarded++;
        reply = await this.#forward(shard, request, remaining, signal);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (!isNoResponders(error)) {
          throw new UnavailableError(
            `Owner of shard ${shard} did not answer: ${errorMessage(error)}`,
            { retryAfter: this.#retryAfter, cause: error },
          );
        }
        reply = { notOwner: true };
      }
      if ("ok" in reply) return reply.ok;
      if ("error" in reply) throw decodeError(reply.error);
      this.#stats.rerouted++;
      const pause = Math.min(
        backoff(attempt, 20, 250),
        deadline - Date.now(),
      );
      if (pause <= 0) break;
      await delay(pause, { signal });
    }
    throw new UnavailableError(`No owner of shard ${shard} is reachable`, {
      retryAfter: this.#retryAfter,
    });
  }

  /**
   * One request to the shard's owner. With tracing on, inside a CLIENT span
   * `tms.forward <type>` whose context travels in the request's headers.
   */
  async #forward(
    shard: number,
    request: RpcRequest,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<RpcReply> {
    const send = async (headers?: Uint8Array) => {
      const msg = await abortable(
        this.#requester.request(
          rpcSubject(shard),
          encoder.encode(JSON.stringify(request)),
          { timeoutMs, headers },
        ),
        signal,
      );
      return JSON.parse(decoder.decode(msg.data)) as RpcReply;
    };
    if (!tracingEnabled()) return await send();
    return await withSpan(`tms.forward ${request.type}`, {
      kind: SpanKinds.client,
      attributes: {
        "rpc.system": "nats",
        "messaging.system": "nats",
        "messaging.destination.name": rpcSubject(shard),
        "tms.rpc.op": request.op,
        "tms.shard": shard,
        "tms.aggregate.type": request.type,
        "tms.aggregate.id_hash": idHash(request.id),
      },
    }, async (span) => {
      const { traceparent, tracestate } = traceHeaders();
      const entries: [string, string][] = [];
      if (traceparent) entries.push([RpcHeaders.traceparent, traceparent]);
      if (tracestate) entries.push([RpcHeaders.tracestate, tracestate]);
      const reply = await send(
        entries.length > 0 ? encodeHeaders(entries) : undefined,
      );
      span?.setAttribute(
        "tms.rpc.reply",
        "ok" in reply ? "ok" : "error" in reply ? "error" : "not_owner",
      );
      return reply;
    });
  }

  #local(
    shard: number,
    request: RpcRequest,
    signal?: AbortSignal,
  ): Promise<AskResult | ReadResult> {
    let actors = this.#actors.get(shard);
    if (!actors) this.#actors.set(shard, actors = new Map());
    actors.set(`${request.type}/${request.id}`, [request.type, request.id]);
    const work = request.op === "ask"
      ? this.#system.ask(request.type, request.id, request.command, {
        ...request.options,
        signal,
      })
      : this.#system.read(request.type, request.id, {
        principal: request.options?.principal,
        signal,
      });
    let inflight = this.#inflight.get(shard);
    if (!inflight) this.#inflight.set(shard, inflight = new Set());
    const set = inflight;
    set.add(work);
    const done = () => set.delete(work);
    work.then(done, done);
    return work;
  }

  async #serve(shard: number, msg: Msg): Promise<void> {
    let reply: RpcReply;
    try {
      const request = JSON.parse(decoder.decode(msg.data)) as RpcRequest;
      if (!this.#placement.owns(shard) || !this.#subscriptions.has(shard)) {
        reply = { notOwner: true };
      } else {
        this.#stats.served++;
        const signal = AbortSignal.timeout(
          Math.max(1, request.deadline - Date.now()),
        );
        const parent = tracingEnabled()
          ? contextFrom(
            msg.headers?.get(RpcHeaders.traceparent),
            msg.headers?.get(RpcHeaders.tracestate),
          )
          : undefined;
        reply = {
          ok: parent
            // The caller's trace goes on here, under a SERVER span.
            ? await withSpan(`tms.serve ${request.type}`, {
              kind: SpanKinds.server,
              parent,
              attributes: {
                "rpc.system": "nats",
                "tms.rpc.op": request.op,
                "tms.shard": shard,
                "tms.aggregate.type": request.type,
              },
            }, () => this.#local(shard, request, signal))
            : await this.#local(shard, request, signal),
        };
      }
    } catch (error) {
      reply = { error: encodeError(error) };
    }
    try {
      msg.respond(encoder.encode(JSON.stringify(reply)));
    } catch {
      // the connection is gone; the caller times out and retries
    }
  }

  #passivateAll(shard: number): void {
    const actors = this.#actors.get(shard);
    if (!actors) return;
    for (const [type, id] of actors.values()) this.#system.passivate(type, id);
    this.#actors.delete(shard);
  }
}

function isNoResponders(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof NatsStatusError && e.code === 503) return true;
    if (e.name === "NoRespondersError") return true;
    const check = (e as { isNoResponders?: () => boolean }).isNoResponders;
    if (typeof check === "function" && check.call(e)) return true;
  }
  return false;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
