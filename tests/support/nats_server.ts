/**
 * Real nats-server processes for integration tests: one JetStream server, or a
 * JetStream cluster, on free ports with their own store directories. Every
 * process and directory this module creates is released by `dispose()`; a
 * missing binary is an error, never a skipped test.
 *
 * The binary is `$NATS_SERVER_BIN`, else `/usr/sbin/nats-server` when present,
 * else `nats-server` on `PATH` (`findNatsServer`).
 */
import { findNatsServer } from "../../ops/nats_binary.ts";
import { freePort } from "../../ops/server_process.ts";

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

/** Options of one server. */
export interface NatsServerOptions {
  /** Server name (`server_name`); unique within a cluster. */
  name?: string;
  /** Client port; a free one when absent. */
  port?: number;
  /** Enable JetStream (default true). */
  jetstream?: boolean;
  /** Cluster membership: name, this server's route port, all route ports. */
  cluster?: { name: string; port: number; routes: number[] };
  /** Extra command-line arguments. */
  args?: string[];
}

/**
 * One nats-server child process. `restart()` brings it back on the same port
 * and store directory, so JetStream state survives.
 *
 * @example
 * ```ts
 * const server = await NatsServer.start();
 * try {
 *   const nc = await connect({ servers: server.url });
 *   await nc.close();
 * } finally {
 *   await server.dispose();
 * }
 * ```
 */
export class NatsServer {
  readonly name: string;
  readonly port: number;
  readonly monitorPort: number;
  readonly dir: string;
  readonly #args: string[];
  #child: Deno.ChildProcess | null = null;
  #exited: Promise<Deno.CommandStatus> | null = null;

  private constructor(
    name: string,
    port: number,
    monitorPort: number,
    dir: string,
    args: string[],
  ) {
    this.name = name;
    this.port = port;
    this.monitorPort = monitorPort;
    this.dir = dir;
    this.#args = args;
  }

  /** Starts a server and waits until it (and JetStream) is ready. */
  static start(options: NatsServerOptions = {}): Promise<NatsServer> {
    return retryPortRace(async () => {
      const server = await NatsServer.create(options);
      try {
        await server.#spawn();
        await server.waitReady();
        return server;
      } catch (error) {
        await server.dispose();
        throw error;
      }
    }, options.port === undefined);
  }

  /** Prepares a server without starting it (for clusters started together). */
  static async create(options: NatsServerOptions = {}): Promise<NatsServer> {
    const port = options.port ?? freePort();
    const monitorPort = freePort();
    const name = options.name ?? `tms-test-${port}`;
    const dir = await Deno.makeTempDir({ prefix: `nats-${name}-` });
    const args = [
      "-a",
      "127.0.0.1",
      "-p",
      String(port),
      "-m",
      String(monitorPort),
      "-n",
      name,
      "-l",
      `${dir}/server.log`,
    ];
    if (options.jetstream !== false) args.push("-js", "-sd", `${dir}/store`);
    if (options.cluster) {
      const { cluster } = options;
      args.push(
        "--cluster_name",
        cluster.name,
        "--cluster",
        `nats://127.0.0.1:${cluster.port}`,
        "--routes",
        cluster.routes.map((p) => `nats://127.0.0.1:${p}`).join(","),
      );
    }
    args.push(...(options.args ?? []));
    return new NatsServer(name, port, monitorPort, dir, args);
  }

  /** The client URL, `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** The process id while it runs. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.#child !== null;
  }

  /** Spawns the process (no wait). */
  spawn(): Promise<void> {
    return this.#spawn();
  }

  /**
   * Waits until `/healthz` answers 200: JetStream enabled and, in a cluster,
   * in contact with a current meta leader.
   */
  async waitReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      if (!this.#child) throw new Error(`nats-server ${this.name} is stopped`);
      const exited = await Promise.race([
        this.#exited!.then(() => true),
        sleep(0).then(() => false),
      ]);
      if (exited) {
        this.#child = null;
        throw new Error(
          `nats-server ${this.name} exited during start: ${await this.log()}`,
        );
      }
      try {
        const response = await fetch(
          `http://127.0.0.1:${this.monitorPort}/healthz`,
          { headers: { connection: "close" } },
        );
        last = await response.text();
        if (response.ok) return;
      } catch (error) {
        last = String(error);
      }
      await sleep(50);
    }
    throw new Error(`nats-server ${this.name} not ready in time: ${last}`);
  }

  /** Graceful stop (SIGTERM, then SIGKILL after a grace period). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = null;
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
        resolve();
      }, STOP_TIMEOUT_MS);
    });
    await Promise.race([this.#exited, forced]);
    clearTimeout(timer);
    await this.#exited;
    this.#exited = null;
  }

  /** `kill -9`: the process dies without flushing or saying goodbye. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = null;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.#exited;
    this.#exited = null;
  }

  /** Starts the process again on the same ports and store; waits until ready. */
  async restart(options: { wait?: boolean } = {}): Promise<void> {
    await this.stop();
    await this.#spawn();
    if (options.wait !== false) await this.waitReady();
  }

  /** Stops the process and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  /** The server's log so far. */
  async log(): Promise<string> {
    try {
      return await Deno.readTextFile(`${this.dir}/server.log`);
    } catch {
      return "(no log)";
    }
  }

  /** Synchronous last resort for `unload`: SIGKILL, remove the directory. */
  killSync(): void {
    try {
      this.#child?.kill("SIGKILL");
    } catch {
      // already gone
    }
    try {
      Deno.removeSync(this.dir, { recursive: true });
    } catch {
      // already gone
    }
  }

  async #spawn(): Promise<void> {
    if (this.#child) return;
    const binary = await natsServerBinary();
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(binary, {
        args: this.#args,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(
          `nats-server not found (${binary}): install it or set NATS_SERVER_BIN`,
          { cause: error },
        );
      }
      throw error;
    }
    this.#child = child;
    this.#exited = child.status;
  }
}

/** Options of a test cluster. */
export interface NatsClusterOptions {
  /** Number of servers (default 3). */
  size?: number;
  name?: string;
}

/**
 * A JetStream cluster of nats-server processes with full-mesh routes.
 *
 * @example
 * ```ts
 * const cluster = await NatsCluster.start({ size: 3 });
 * try {
 *   const nc = await connect({ servers: cluster.urls });
 *   await nc.close();
 * } finally {
 *   await cluster.dispose();
 * }
 * ```
 */
export class NatsCluster {
  readonly servers: NatsServer[];

  private constructor(servers: NatsServer[]) {
    this.servers = servers;
  }

  /** Starts all servers and waits until every one reports healthy. */
  static start(options: NatsClusterOptions = {}): Promise<NatsCluster> {
    return retryPortRace(() => NatsCluster.#start(options), true);
  }

  static async #start(options: NatsClusterOptions): Promise<NatsCluster> {
    const size = options.size ?? 3;
    const name = options.name ?? `tms-test-${crypto.randomUUID().slice(0, 8)}`;
    const routes: number[] = [];
    for (let i = 0; i < size; i++) routes.push(freePort());
    const servers: NatsServer[] = [];
    const cluster = new NatsCluster(servers);
    try {
      for (let i = 0; i < size; i++) {
        servers.push(
          await NatsServer.create({
            name: `${name}-n${i + 1}`,
            cluster: { name, port: routes[i], routes },
          }),
        );
      }
      await Promise.all(servers.map((s) => s.spawn()));
      await cluster.waitReady();
      return cluster;
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
  }

  /** Client URLs of all servers. */
  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** Waits until every running server is healthy. */
  async waitReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    await Promise.all(
      this.servers.filter((s) => s.running).map((s) => s.waitReady(timeoutMs)),
    );
  }

  /** Stops every server and removes their directories. */
  async dispose(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.dispose()));
  }

  /** Synchronous last resort for `unload`. */
  killSync(): void {
    for (const server of this.servers) server.killSync();
  }
}

async function natsServerBinary(): Promise<string> {
  return await findNatsServer() ?? "nats-server";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `start` again (with fresh ports) when a server died because a port it
 * was given was bound by another process between the check and the bind.
 */
async function retryPortRace<T>(
  start: () => Promise<T>,
  portsAreOurs: boolean,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await start();
    } catch (error) {
      const raced = String(error).includes("address already in use");
      if (!raced || !portsAreOurs || attempt >= 3) throw error;
    }
  }
}
