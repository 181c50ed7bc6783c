/**
 * The local cluster's process manager: TMS node processes started and
 * stopped on request (the local autoscale actuator's other end), behind a
 * front proxy that plays the part of a Kubernetes Service — a node enters
 * the rotation once ready, and leaves it before it is stopped, so a scale-in
 * refuses no request.
 */
import type { ScaleResult } from "../runtime/autoscale/mod.ts";
import type { LocalClusterControl } from "../runtime/autoscale/mod.ts";
import { ChaosFiles } from "../runtime/core/mod.ts";
import { readRestartMarker } from "./restarting_cluster.ts";
import { startServer } from "./server_process.ts";
import type { ServerProcess } from "./server_process.ts";

/** Headers that belong to one connection, not to the request. */
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
];

interface Backend {
  node: string;
  url: string;
  inflight: number;
  idle: (() => void)[];
}

/**
 * An HTTP reverse proxy over the ready nodes, round-robin. `remove` takes a
 * node out of the rotation and resolves once the requests it was given
 * have been answered (bodies included).
 */
export class FrontProxy {
  readonly port: number;
  readonly #backends: Backend[] = [];
  readonly #server: Deno.HttpServer;
  #next = 0;

  constructor(port: number) {
    this.port = port;
    this.#server = Deno.serve(
      { port, hostname: "127.0.0.1", onListen() {} },
      (req) => this.#forward(req),
    );
  }

  /** Nodes in the rotation. */
  get nodes(): string[] {
    return this.#backends.map((b) => b.node);
  }

  add(node: string, url: string): void {
    this.#backends.push({ node, url, inflight: 0, idle: [] });
  }

  /** Takes `node` out of the rotation; resolves when its requests are done (at most `timeoutMs`). */
  async remove(node: string, timeoutMs = 30_000): Promise<void> {
    const i = this.#backends.findIndex((b) => b.node === node);
    if (i < 0) return;
    const [backend] = this.#backends.splice(i, 1);
    if (backend.inflight === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise<void>((resolve) => backend.idle.push(resolve)),
      new Promise((resolve) => timer = setTimeout(resolve, timeoutMs)),
    ]);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    await this.#server.shutdown();
  }

  async #forward(req: Request): Promise<Response> {
    if (this.#backends.length === 0) {
      return Response.json({
        type: "about:blank",
        title: "No node is ready",
        status: 503,
      }, { status: 503, headers: { "retry-after": "1" } });
    }
    const backend = this.#backends[this.#next++ % this.#backends.length];
    backend.inflight++;
    const done = () => {
      if (--backend.inflight === 0) {
        for (const resolve of backend.idle.splice(0)) resolve();
      }
    };
    try {
      const url = new URL(req.url);
      const headers = new Headers(req.headers);
      for (const name of HOP_BY_HOP) headers.delete(name);
      const body = req.body ? await req.arrayBuffer() : undefined;
      const upstream = await fetch(
        `${backend.url}${url.pathname}${url.search}`,
        {
          method: req.method,
          headers,
          body,
          redirect: "manual",
        },
      );
      const out = new Headers(upstream.headers);
      for (const name of HOP_BY_HOP) out.delete(name);
      if (!upstream.body) {
        done();
        return new Response(null, { status: upstream.status, headers: out });
      }
      // The request counts as in flight until its body has been passed on.
      const body$ = upstream.body.pipeThrough(
        new TransformStream({ flush: done }),
      );
      return new Response(body$, { status: upstream.status, headers: out });
    } catch (error) {
      done();
      return Response.json({
        type: "about:blank",
        title: `Node ${backend.node} did not answer: ${
          error instanceof Error ? error.message : String(error)
        }`,
        status: 502,
      }, { status: 502 });
    }
  }
}

/** Options of a {@linkcode LocalCluster}. */
export interface LocalClusterOptions {
  /** Environment of every node (NATS URL, replicas, lease TTL, …). */
  env: Record<string, string>;
  /** Node `node-<i>` listens on `basePort + i`. */
  basePort: number;
  /** Data directories go below it. */
  dir: string;
  /** The front proxy's port (none: no proxy). */
  proxyPort?: number;
  /** Most nodes it will run. */
  maxNodes: number;
  /** Progress lines. */
  say?: (line: string) => void;
}

/**
 * Node processes `node-1`, `node-2`, … of a local cluster. `scale(n)`
 * starts the missing ones (each enters the proxy once ready) or stops the
 * highest-numbered ones but `keep` (each leaves the proxy, its requests
 * finish, then SIGTERM: the node drains, hands its shards over and exits).
 */
export class LocalCluster implements LocalClusterControl {
  readonly proxy: FrontProxy | null;
  readonly #options: LocalClusterOptions;
  readonly #nodes = new Map<number, ServerProcess>();
  readonly #say: (line: string) => void;
  #stopping = false;

  constructor(options: LocalClusterOptions) {
    this.#options = options;
    this.#say = options.say ?? (() => {});
    this.proxy = options.proxyPort ? new FrontProxy(options.proxyPort) : null;
  }

  /** The running nodes, by index. */
  get nodes(): { index: number; id: string; server: ServerProcess }[] {
    return [...this.#nodes].sort(([a], [b]) => a - b).map((
      [index, server],
    ) => ({ index, id: nodeId(index), server }));
  }

  current(): Promise<{ replicas: number; nodes: string[] }> {
    const nodes = this.nodes.map((n) => n.id);
    return Promise.resolve({ replicas: nodes.length, nodes });
  }

  async scale(replicas: number, keep?: string): Promise<ScaleResult> {
    if (replicas > this.#options.maxNodes) {
      throw new Error(
        `${replicas} nodes asked for; this cluster runs at most ${this.#options.maxNodes}`,
      );
    }
    const from = this.#nodes.size;
    if (replicas > from) {
      this.#say(
        `scale ${from} → ${replicas}${keep ? ` (asked by ${keep})` : ""}`,
      );
      const starting = [];
      for (let i = 1; this.#nodes.size + starting.length < replicas; i++) {
        if (!this.#nodes.has(i)) starting.push(this.start(i));
      }
      await Promise.all(starting);
      return { replicas: this.#nodes.size, removed: [] };
    }
    if (replicas < from) {
      this.#say(
        `scale ${from} → ${replicas}${keep ? ` (asked by ${keep})` : ""}`,
      );
      const leaving = this.nodes.filter((n) => n.id !== keep).reverse()
        .slice(0, from - replicas);
      await Promise.all(leaving.map((n) => this.drain(n.index)));
      return { replicas: this.#nodes.size, removed: leaving.map((n) => n.id) };
    }
    return { replicas: from, removed: [] };
  }

  /** Starts `node-<index>` and, once ready, puts it in the proxy. */
  async start(index: number): Promise<ServerProcess> {
    const id = nodeId(index);
    const port = this.#options.basePort + index;
    const started = performance.now();
    this.#say(`starting ${id} on port ${port}`);
    const server = await startServer({
      ...this.#options.env,
      TMS_NODE_ID: id,
      TMS_DATA_DIR: `${this.#options.dir}/${id}`,
    }, { port, timeoutMs: 90_000 });
    this.#nodes.set(index, server);
    this.proxy?.add(id, server.url);
    this.#watch(index, server);
    this.#say(
      `${id} ready at ${server.url} after ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s${this.proxy ? `; proxy: ${this.proxy.nodes.join(", ")}` : ""}`,
    );
    return server;
  }

  /**
   * Stops `node-<index>` without failing a request: out of the proxy, its
   * proxied requests answered, then SIGTERM (the node stops accepting,
   * finishes its asks, hands its shards over, releases its leases).
   */
  async drain(index: number): Promise<void> {
    const server = this.#nodes.get(index);
    if (!server) return;
    const id = nodeId(index);
    const started = performance.now();
    await this.proxy?.remove(id);
    this.#say(`draining ${id}: out of the proxy, SIGTERM`);
    const status = await server.stop("SIGTERM");
    this.#nodes.delete(index);
    this.#say(
      `${id} stopped after ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s (exit ${status.code})`,
    );
  }

  /** Stops every node (gracefully) and the proxy. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.nodes.map((n) => this.drain(n.index)));
    await this.proxy?.stop();
  }

  /**
   * A node that dies on its own leaves the proxy; one that a `node_kill`
   * fault took down (its `chaos_restart_at` file says when) is started
   * again, same id, port and data, once that time has passed.
   */
  #watch(index: number, server: ServerProcess): void {
    void server.child.status.then(async (status) => {
      if (this.#stopping || this.#nodes.get(index) !== server) return;
      const id = nodeId(index);
      this.#nodes.delete(index);
      await this.proxy?.remove(id);
      const dataDir = `${this.#options.dir}/${id}`;
      const at = await readRestartMarker(dataDir);
      this.#say(
        `${id} exited (${status.signal ?? status.code})${
          at === null
            ? ""
            : "; a node_kill: it starts again when the fault ends"
        }`,
      );
      if (at === null) return;
      while (Date.now() < at && !this.#stopping) {
        await new Promise((r) => setTimeout(r, Math.min(200, at - Date.now())));
      }
      if (this.#stopping || this.#nodes.has(index)) return;
      await Deno.remove(`${dataDir}/${ChaosFiles.restartMarker}`).catch(
        () => {},
      );
      await this.start(index).catch((error) =>
        this.#say(`${id} did not come back: ${error}`)
      );
    });
  }
}

function nodeId(index: number): string {
  return `node-${index}`;
}
