/**
 * TMS node processes on this machine, each with its own data directory and
 * port, that come back after a `node_kill`: a node that dies while the
 * cluster runs is started again (same id, port and data) once the time its
 * `chaos_restart_at` file names has passed — or, without the file, only when
 * `restartCrashed` is set. `deno task cluster` and the drills use it.
 */
import { ChaosFiles } from "../runtime/core/mod.ts";
import { startServer } from "./server_process.ts";
import type { ServerProcess } from "./server_process.ts";

/** One node of a local cluster. */
export interface LocalNode {
  id: string;
  port: number;
  dataDir: string;
  env: Record<string, string>;
  /** The running process, or null while it is down. */
  process: ServerProcess | null;
  /** How many times it was started again after dying. */
  restarts: number;
  /** When it last died (epoch ms), and came back. */
  diedAt: number | null;
  backAt: number | null;
}

/** Options of a local cluster. */
export interface RestartingClusterOptions {
  /** Restart a node that dies without a `node_kill` marker too (1 s later). */
  restartCrashed?: boolean;
  /** Lines of progress. */
  say?: (message: string) => void;
  /** Deadline of one node's start (default 60 s). */
  startTimeoutMs?: number;
}

/** Local node processes that a `node_kill` takes down and this brings back. */
export class RestartingCluster {
  readonly nodes: LocalNode[] = [];
  readonly #options: RestartingClusterOptions;
  #stopping = false;
  readonly #restarting = new Set<Promise<void>>();

  constructor(options: RestartingClusterOptions = {}) {
    this.#options = options;
  }

  /** Starts a node and watches it. */
  async add(
    id: string,
    env: Record<string, string>,
    options: { port?: number; dataDir: string },
  ): Promise<LocalNode> {
    const process = await startServer(
      { ...env, TMS_NODE_ID: id, TMS_DATA_DIR: options.dataDir },
      { port: options.port, timeoutMs: this.#options.startTimeoutMs ?? 60_000 },
    );
    const node: LocalNode = {
      id,
      port: process.port,
      dataDir: options.dataDir,
      env,
      process,
      restarts: 0,
      diedAt: null,
      backAt: null,
    };
    this.nodes.push(node);
    this.#watch(node);
    return node;
  }

  /** The nodes running now. */
  get running(): LocalNode[] {
    return this.nodes.filter((n) => n.process !== null);
  }

  /** SIGKILLs a node (it comes back as a crashed node does). */
  async kill(node: LocalNode): Promise<void> {
    await node.process?.stop("SIGKILL");
  }

  /** Stops every node (SIGTERM: graceful) and stops restarting them. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<void> {
    this.#stopping = true;
    await Promise.allSettled([...this.#restarting]);
    await Promise.all(this.nodes.map((n) => n.process?.stop(signal)));
  }

  #say(message: string): void {
    this.#options.say?.(message);
  }

  #watch(node: LocalNode): void {
    const process = node.process!;
    void process.child.status.then(async (status) => {
      if (this.#stopping || node.process !== process) return;
      node.process = null;
      node.diedAt = Date.now();
      const marker = await readRestartMarker(node.dataDir);
      if (marker === null && !this.#options.restartCrashed) {
        this.#say(`${node.id} exited (${status.signal ?? status.code})`);
        return;
      }
      const at = marker ?? Date.now() + 1000;
      this.#say(
        `${node.id} died (${
          status.signal ?? status.code
        }); starting it again in ${
          Math.max(0, Math.round((at - Date.now()) / 100) / 10)
        } s`,
      );
      const restart = this.#restart(node, at);
      this.#restarting.add(restart);
      void restart.finally(() => this.#restarting.delete(restart));
    });
  }

  async #restart(node: LocalNode, at: number): Promise<void> {
    while (Date.now() < at && !this.#stopping) {
      await new Promise((r) => setTimeout(r, Math.min(200, at - Date.now())));
    }
    if (this.#stopping) return;
    await Deno.remove(`${node.dataDir}/${ChaosFiles.restartMarker}`).catch(
      () => {},
    );
    try {
      node.process = await startServer(
        { ...node.env, TMS_NODE_ID: node.id, TMS_DATA_DIR: node.dataDir },
        {
          port: node.port,
          timeoutMs: this.#options.startTimeoutMs ?? 60_000,
        },
      );
      node.restarts++;
      node.backAt = Date.now();
      this.#say(`${node.id} is back on port ${node.port}`);
      this.#watch(node);
    } catch (error) {
      this.#say(`${node.id} did not come back: ${error}`);
    }
  }
}

/**
 * When a node that a `node_kill` took down may start again (epoch ms, from
 * its `chaos_restart_at` file), or null when it died otherwise.
 */
export async function readRestartMarker(
  dataDir: string,
): Promise<number | null> {
  try {
    const at = Number(
      await Deno.readTextFile(`${dataDir}/${ChaosFiles.restartMarker}`),
    );
    return Number.isFinite(at) ? at : null;
  } catch {
    return null;
  }
}
