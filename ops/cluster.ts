/**
 * `deno task cluster --nodes N [--nats-cluster] [--base-port 8000]
 * [--lease-ttl-ms 10000]`: N local TMS nodes in distributed mode on
 * consecutive ports, against `TMS_NATS_URL` (default nats://127.0.0.1:4222)
 * or, with `--nats-cluster`, against a 3-server JetStream cluster started
 * here on free ports with a temporary store (R3 stream and buckets). With
 * `DATABASE_URL` set the nodes share its read models (one projector elected
 * by lease), else each has its own PGlite. Prints progress and the shard
 * split; Ctrl-C or SIGTERM stops everything.
 */
import { NatsCluster } from "../tests/support/nats_server.ts";
import { startServer } from "./server_process.ts";
import type { ServerProcess } from "./server_process.ts";

interface Options {
  nodes: number;
  natsCluster: boolean;
  basePort: number;
  leaseTtlMs?: number;
}

function parseArgs(args: string[]): Options {
  const get = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const int = (name: string, fallback?: number) => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`--${name} must be a positive integer, got ${raw}`);
    }
    return value;
  };
  return {
    nodes: int("nodes", 2)!,
    natsCluster: args.includes("--nats-cluster"),
    basePort: int("base-port", 8000)!,
    leaseTtlMs: int("lease-ttl-ms"),
  };
}

function say(message: string): void {
  console.log(`[cluster] ${message}`);
}

async function shardSplit(nodes: ServerProcess[]): Promise<string> {
  const parts = await Promise.all(nodes.map(async (node) => {
    try {
      const res = await fetch(`${node.url}/health/ready`);
      const body = await res.json();
      return `:${node.port} ${body.checks?.cluster?.shardsOwned ?? "?"}`;
    } catch {
      return `:${node.port} down`;
    }
  }));
  return `shards ${parts.join(", ")}`;
}

async function main(options: Options): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tms-cluster-" });
  let nats: NatsCluster | null = null;
  const nodes: ServerProcess[] = [];
  let stopping: Promise<void> | null = null;
  const stop = () =>
    stopping ??= (async () => {
      say("stopping nodes (graceful: leases are released)");
      await Promise.all(nodes.map((n) => n.stop("SIGTERM")));
      if (nats) {
        say("stopping the NATS cluster");
        await nats.dispose();
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      say("stopped");
    })();
  const stopped = new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(signal, () => stop().then(resolve));
    }
  });
  try {
    let natsUrl = Deno.env.get("TMS_NATS_URL") ?? "nats://127.0.0.1:4222";
    let replicas = "1";
    if (options.natsCluster) {
      say("starting a 3-server JetStream cluster on free ports");
      nats = await NatsCluster.start({ size: 3, name: "tms-local" });
      natsUrl = nats.urls.join(",");
      replicas = "3";
      say(`NATS cluster ready: ${natsUrl}`);
    }
    for (let i = 0; i < options.nodes; i++) {
      const port = options.basePort + i;
      const nodeId = `node-${i + 1}`;
      say(`starting ${nodeId} on port ${port} (${i + 1}/${options.nodes})`);
      const env: Record<string, string> = {
        TMS_NATS_URL: natsUrl,
        TMS_NODE_ID: nodeId,
        TMS_STREAM_REPLICAS: replicas,
        TMS_DATA_DIR: `${dir}/${nodeId}`,
      };
      if (options.leaseTtlMs) {
        env.TMS_LEASE_TTL_MS = String(options.leaseTtlMs);
      }
      // With DATABASE_URL the nodes share its read models and elect one
      // projector; without it each keeps its own PGlite.
      for (const name of ["DATABASE_URL", "TMS_READ_SCHEMA"]) {
        const value = Deno.env.get(name);
        if (value) env[name] = value;
      }
      nodes.push(await startServer(env, { port, timeoutMs: 60_000 }));
      say(`${nodeId} ready at http://127.0.0.1:${port}`);
    }
    say(`${options.nodes} nodes up; ${await shardSplit(nodes)}; Ctrl-C stops`);
    const report = setInterval(async () => {
      if (!stopping) say(await shardSplit(nodes));
    }, 10_000);
    await stopped;
    clearInterval(report);
  } catch (error) {
    await stop();
    throw error;
  }
}

if (import.meta.main) {
  try {
    await main(parseArgs(Deno.args));
    Deno.exit(0);
  } catch (error) {
    console.error(
      `cluster failed: ${error instanceof Error ? error.message : error}`,
    );
    Deno.exit(1);
  }
}
