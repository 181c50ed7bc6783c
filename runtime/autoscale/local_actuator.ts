/**
 * The local actuator: the supervisor asks the process manager of
 * `deno task cluster --autoscale` over NATS to start or stop node processes.
 */
import type { NatsConnection, Subscription } from "../../deps.ts";
import { AutoscaleSubjects } from "../core/mod.ts";
import type { Actuator, ScaleResult } from "./types.ts";

/** What the local cluster's process manager does. */
export interface LocalClusterControl {
  /** Node processes running (or starting) now. */
  current(): Promise<{ replicas: number; nodes: string[] }>;
  /**
   * Starts or stops node processes until `replicas` run; a stopped node
   * drains first (SIGTERM). Never stops `keep` while another can go.
   */
  scale(replicas: number, keep?: string): Promise<ScaleResult>;
}

type Request =
  | { op: "current" }
  | { op: "scale"; replicas: number; keep?: string };

type Reply =
  | { ok: { replicas: number; nodes?: string[]; removed?: string[] } }
  | { error: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * An `Actuator` that asks the local cluster's process manager on
 * `tms.autoscale.actuator.local`. A start waits until the new node is ready,
 * so `scale` may take a while (`timeoutMs`, default 120 s).
 *
 * @example
 * ```ts
 * const actuator = new LocalActuator(nc);
 * await actuator.scale(3, { keep: "node-1" });
 * ```
 */
export class LocalActuator implements Actuator {
  readonly name = "local";
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;

  constructor(nc: NatsConnection, options: { timeoutMs?: number } = {}) {
    this.#nc = nc;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
  }

  async current(): Promise<number> {
    return (await this.#ask({ op: "current" }, 5_000)).replicas;
  }

  async scale(
    replicas: number,
    options: { keep?: string } = {},
  ): Promise<ScaleResult> {
    const ok = await this.#ask(
      { op: "scale", replicas, keep: options.keep },
      this.#timeoutMs,
    );
    return { replicas: ok.replicas, removed: ok.removed ?? [] };
  }

  async #ask(
    request: Request,
    timeoutMs: number,
  ): Promise<{ replicas: number; removed?: string[] }> {
    let msg;
    try {
      msg = await this.#nc.request(
        AutoscaleSubjects.localActuator,
        encoder.encode(JSON.stringify(request)),
        { timeout: timeoutMs },
      );
    } catch (error) {
      throw new Error(
        "The local cluster's process manager did not answer (is deno task cluster --autoscale running?)",
        { cause: error },
      );
    }
    const reply = JSON.parse(decoder.decode(msg.data)) as Reply;
    if ("error" in reply) throw new Error(reply.error);
    return reply.ok;
  }
}

/**
 * Serves `control` on `tms.autoscale.actuator.local` (what
 * `deno task cluster --autoscale` runs); scale requests are handled one at
 * a time, in order.
 */
export function serveLocalActuator(
  nc: NatsConnection,
  control: LocalClusterControl,
): { stop(): Promise<void> } {
  let queue: Promise<unknown> = Promise.resolve();
  const handle = async (data: Uint8Array): Promise<Reply> => {
    try {
      const request = JSON.parse(decoder.decode(data)) as Request;
      if (request.op === "current") return { ok: await control.current() };
      if (
        request.op === "scale" && Number.isInteger(request.replicas) &&
        request.replicas >= 1
      ) {
        const done = queue.then(() =>
          control.scale(request.replicas, request.keep)
        );
        queue = done.catch(() => {});
        return { ok: await done };
      }
      return { error: "Bad request to the local actuator" };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };
  const sub: Subscription = nc.subscribe(AutoscaleSubjects.localActuator, {
    callback: (error, msg) => {
      if (error) return;
      void handle(msg.data).then((reply) => {
        try {
          msg.respond(encoder.encode(JSON.stringify(reply)));
        } catch {
          // the asker is gone
        }
      });
    },
  });
  return {
    async stop() {
      sub.unsubscribe();
      await queue;
    },
  };
}
