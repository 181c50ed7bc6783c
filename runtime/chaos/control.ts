/**
 * The chaos control plane: what one node does with an order (`ChaosAgent`)
 * and how an order reaches every node (`LocalChaosControl` embedded,
 * `NatsChaosControl` in a cluster: the sending node acts on the order
 * itself at once, then sends it as one request on `tms.chaos.*` and gathers
 * every other node's reply until each live node answered or the time is up).
 */
import { ChaosSubjects } from "../core/mod.ts";
import type { Msg, NatsConnection, Subscription } from "../../deps.ts";
import type { FaultOrder, FaultRegistry } from "./registry.ts";
import { ClearReasons } from "./types.ts";
import type { ActiveFault, ClearReason } from "./types.ts";

/** An emergency stop as it was asked for. */
export interface StopOrder {
  id: string;
  /** Who asked (a user id, or `cli`). */
  by: string;
  /** ISO time it was asked. */
  at: string;
}

/** A node's part of the last emergency stop it heard. */
export interface LastStop extends StopOrder {
  node: string;
  /** Faults it cleared. */
  cleared: number;
  /** ISO time it acted. */
  actedAt: string;
}

/** An experiment running on a node, for the status and the one-per-target rule. */
export interface RunningExperiment {
  id: string;
  title: string;
  /** The nodes its faults reach, or `all`. */
  targets: string[] | "all";
  startedAt: string;
  maxDurationMs: number;
}

/** What `tms.chaos.status` answers for one node. */
export interface NodeChaosStatus {
  node: string;
  faults: ActiveFault[];
  experiments: RunningExperiment[];
  lastStop: LastStop | null;
}

/** One order of the control plane. */
export type ControlMessage =
  | { op: "inject"; order: FaultOrder }
  | {
    op: "clear";
    ids?: string[];
    experimentId?: string;
    reason: ClearReason;
  }
  | { op: "stop"; stop: StopOrder }
  | { op: "status" }
  | { op: "abort"; experimentId: string; reason: string; by: string };

/** One node's answer to an order. */
export interface ControlReply {
  node: string;
  /** `inject`: the fault is held here (its selector names this node). */
  held?: boolean;
  /** `clear`, `stop`: faults cleared. */
  cleared?: number;
  /** `abort`: an experiment was running here and is aborted. */
  aborted?: boolean;
  /** `status`. */
  status?: NodeChaosStatus;
  /** Milliseconds from the order's send to this node acting on it. */
  ms?: number;
  /** Why the node could not act (a bad fault). */
  error?: string;
}

/** Every node's answers to one order. */
export interface Gathered {
  replies: ControlReply[];
  /** Live nodes that did not answer in time. */
  missing: string[];
}

/** What the agent asks of the experiment runner of its node. */
export interface AgentHooks {
  experiments(): RunningExperiment[];
  /** Aborts one running experiment (null: all of them); true when one was. */
  abort(experimentId: string | null, reason: string, by: string): boolean;
}

/**
 * One node's side of the control plane: acts on an order with its own
 * registry only (never the event log, so a stop works while the log is
 * down) and says what it did.
 */
export class ChaosAgent {
  readonly registry: FaultRegistry;
  /** The experiment runner of this node (set once it exists). */
  hooks: AgentHooks = { experiments: () => [], abort: () => false };
  #lastStop: LastStop | null = null;

  constructor(registry: FaultRegistry) {
    this.registry = registry;
  }

  get node(): string {
    return this.registry.node;
  }

  /** The last emergency stop this node acted on. */
  get lastStop(): LastStop | null {
    return this.#lastStop;
  }

  /** Acts on `message`, now. */
  handle(message: ControlMessage, sentAt?: number): ControlReply {
    const node = this.node;
    const ms = sentAt === undefined ? undefined : Date.now() - sentAt;
    switch (message.op) {
      case "inject":
        try {
          return { node, held: this.registry.activate(message.order) !== null };
        } catch (error) {
          return { node, held: false, error: String(error) };
        }
      case "clear": {
        let cleared = 0;
        if (message.ids) {
          for (const id of message.ids) {
            if (this.registry.clear(id, message.reason)) cleared++;
          }
        }
        if (message.experimentId !== undefined) {
          cleared += this.registry.clearAll(
            message.reason,
            message.experimentId,
          ).length;
        }
        return { node, cleared };
      }
      case "stop": {
        if (this.#lastStop?.id === message.stop.id) {
          return { node, cleared: 0, ms };
        }
        const cleared =
          this.registry.clearAll(ClearReasons.emergencyStop).length;
        this.hooks.abort(null, "emergency_stop", message.stop.by);
        this.#lastStop = {
          ...message.stop,
          node,
          cleared,
          actedAt: new Date().toISOString(),
        };
        return { node, cleared, ms };
      }
      case "status":
        return {
          node,
          status: {
            node,
            faults: this.registry.active(),
            experiments: this.hooks.experiments(),
            lastStop: this.#lastStop,
          },
        };
      case "abort":
        return {
          node,
          aborted: this.hooks.abort(
            message.experimentId,
            message.reason,
            message.by,
          ),
        };
    }
  }
}

/** How an order reaches every node. */
export interface ChaosControl {
  readonly agent: ChaosAgent;
  /** Sends `message` to every node (this one included) and gathers the replies. */
  broadcast(message: ControlMessage, timeoutMs?: number): Promise<Gathered>;
  /** The nodes alive now (this one included). */
  liveNodes(): string[];
  close(): Promise<void>;
}

/** The control plane of an embedded node: itself. */
export class LocalChaosControl implements ChaosControl {
  readonly agent: ChaosAgent;

  constructor(agent: ChaosAgent) {
    this.agent = agent;
  }

  broadcast(message: ControlMessage): Promise<Gathered> {
    return Promise.resolve({
      replies: [this.agent.handle(message, Date.now())],
      missing: [],
    });
  }

  liveNodes(): string[] {
    return [this.agent.node];
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const SUBJECT: Record<ControlMessage["op"], string> = {
  inject: ChaosSubjects.faults,
  clear: ChaosSubjects.faults,
  stop: ChaosSubjects.stop,
  status: ChaosSubjects.status,
  abort: ChaosSubjects.abort,
};

const DEFAULT_TIMEOUT_MS = 2000;

/**
 * The control plane over NATS: every chaos-enabled node subscribes to
 * `tms.chaos.*` on `nc` (a connection of the chaos plane's own) and answers
 * each order; `broadcast` gathers the answers until every live node
 * (`liveNodes`, from the cluster's heartbeats) answered or `timeoutMs` passed.
 */
export class NatsChaosControl implements ChaosControl {
  readonly agent: ChaosAgent;
  readonly #nc: NatsConnection;
  readonly #liveNodes: () => string[];
  readonly #subscriptions: Subscription[] = [];
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder();

  constructor(
    agent: ChaosAgent,
    nc: NatsConnection,
    liveNodes: () => string[],
  ) {
    this.agent = agent;
    this.#nc = nc;
    this.#liveNodes = liveNodes;
    for (const subject of new Set(Object.values(SUBJECT))) {
      this.#subscriptions.push(nc.subscribe(subject, {
        callback: (error, msg) => {
          if (!error) this.#serve(msg);
        },
      }));
    }
  }

  liveNodes(): string[] {
    const live = new Set(this.#liveNodes());
    live.add(this.agent.node);
    return [...live].sort();
  }

  async broadcast(
    message: ControlMessage,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<Gathered> {
    const node = this.agent.node;
    const sentAt = Date.now();
    const expected = this.liveNodes();
    // This node acts at once, NATS or not; the others as the order reaches them.
    const replies = new Map<string, ControlReply>([
      [node, this.agent.handle(message, sentAt)],
    ]);
    const done = Promise.withResolvers<void>();
    const check = () => {
      if (expected.every((n) => replies.has(n))) done.resolve();
    };
    const inbox = `_INBOX.${crypto.randomUUID().replaceAll("-", "")}`;
    const timer = setTimeout(done.resolve, timeoutMs);
    let sub: Subscription | null = null;
    try {
      sub = this.#nc.subscribe(inbox, {
        callback: (error, msg) => {
          if (error) return;
          try {
            const reply = JSON.parse(this.#decoder.decode(msg.data));
            if (!replies.has(reply.node)) replies.set(reply.node, reply);
            check();
          } catch {
            // not a reply of this plane
          }
        },
      });
      this.#nc.publish(
        SUBJECT[message.op],
        this.#encoder.encode(
          JSON.stringify({ ...message, sentAt, origin: node }),
        ),
        { reply: inbox },
      );
      // No flush: while the connection reconnects it would wait for it; the
      // gather's timer bounds the wait instead.
      check();
      await done.promise;
    } catch {
      // The connection is closed: this node's own answer is all there is.
    } finally {
      clearTimeout(timer);
      try {
        sub?.unsubscribe();
      } catch {
        // connection closed
      }
    }
    return {
      replies: [...replies.values()].sort((a, b) =>
        a.node.localeCompare(b.node)
      ),
      missing: expected.filter((n) => !replies.has(n)),
    };
  }

  async close(): Promise<void> {
    for (const sub of this.#subscriptions) sub.unsubscribe();
    await this.#nc.close();
  }

  #serve(msg: Msg): void {
    let reply: ControlReply;
    try {
      const { sentAt, origin, ...message } = JSON.parse(
        this.#decoder.decode(msg.data),
      );
      // The sender acted on its own order already.
      if (origin === this.agent.node) return;
      reply = this.agent.handle(message as ControlMessage, sentAt);
    } catch (error) {
      reply = { node: this.agent.node, error: String(error) };
    }
    if (msg.reply) {
      this.#nc.publish(msg.reply, this.#encoder.encode(JSON.stringify(reply)));
    }
  }
}
