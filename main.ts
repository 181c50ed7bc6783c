/**
 * TMS node: reads configuration from the environment, wires the backends and
 * serves the HTTP edge. `deno task start`.
 */
import { registerActors } from "./actors/mod.ts";
import { createApp } from "./http/mod.ts";
import { ActorSystem, KvEventLog } from "./runtime/mod.ts";
import type { EventLog } from "./runtime/mod.ts";

/** Configuration of a node, from environment variables. */
export interface NodeConfig {
  port: number;
  hostname: string;
  dataDir: string;
  snapshotEvery: number;
  mailboxCapacity: number;
  idleTimeoutMs: number;
  maxActive: number;
  requestTimeoutMs: number;
}

function intEnv(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `${name} must be a non-negative integer, got "${raw}"`,
    );
  }
  return value;
}

/** Reads the configuration; throws `RangeError` naming a bad variable. */
export function loadConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): NodeConfig {
  return {
    port: intEnv(env, "PORT", 8000),
    hostname: env.TMS_HOSTNAME ?? "0.0.0.0",
    dataDir: env.TMS_DATA_DIR ?? "./data",
    snapshotEvery: intEnv(env, "TMS_SNAPSHOT_EVERY", 100),
    mailboxCapacity: intEnv(env, "TMS_MAILBOX_CAPACITY", 1000),
    idleTimeoutMs: intEnv(env, "TMS_IDLE_TIMEOUT_MS", 300_000),
    maxActive: intEnv(env, "TMS_MAX_ACTIVE_ACTORS", 100_000),
    requestTimeoutMs: intEnv(env, "TMS_REQUEST_TIMEOUT_MS", 10_000),
  };
}

/** A running node: its parts, and how to stop it. */
export interface Node {
  system: ActorSystem;
  log: EventLog;
  server: Deno.HttpServer;
  stop(): Promise<void>;
}

/** Opens the event log, starts the actor system and serves the edge. */
export async function startNode(config: NodeConfig): Promise<Node> {
  await Deno.mkdir(config.dataDir, { recursive: true });
  const log = await KvEventLog.open(`${config.dataDir}/events.kv`);
  const system = registerActors(
    new ActorSystem({
      log,
      snapshotEvery: config.snapshotEvery,
      mailboxCapacity: config.mailboxCapacity,
      idleTimeoutMs: config.idleTimeoutMs,
      maxActive: config.maxActive,
    }),
  );
  const app = createApp({ system, requestTimeoutMs: config.requestTimeoutMs });
  const server = Deno.serve({
    port: config.port,
    hostname: config.hostname,
    onListen: ({ hostname, port }) =>
      console.log(
        `TMS listening on http://${hostname}:${port} (data in ${config.dataDir})`,
      ),
  }, app.fetch);
  let stopping: Promise<void> | undefined;
  return {
    system,
    log,
    server,
    stop: () =>
      stopping ??= (async () => {
        await server.shutdown();
        await system.shutdown();
        await log.close();
      })(),
  };
}

if (import.meta.main) {
  let node: Node;
  try {
    node = await startNode(loadConfig());
  } catch (error) {
    console.error(
      `TMS failed to start: ${error instanceof Error ? error.message : error}`,
    );
    Deno.exit(1);
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, async () => {
      console.log(`${signal}: draining and stopping`);
      await node.stop();
      Deno.exit(0);
    });
  }
}
