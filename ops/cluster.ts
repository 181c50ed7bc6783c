/**
 * `deno task cluster`: N local TMS nodes in distributed mode, against
 * `TMS_NATS_URL` or a 3-server JetStream cluster started here
 * (`--nats-cluster`); see {@linkcode clusterTask} or `--help` for the flags.
 */
import { NatsCluster } from "../tests/support/nats_server.ts";
import { runTask } from "./cli.ts";
import type { TaskArgs, TaskSpec } from "./cli.ts";
import { LocalCluster } from "./local_cluster.ts";
import type { LocalNode } from "./local_cluster.ts";

interface Options {
  nodes: number;
  natsCluster: boolean;
  basePort: number;
  leaseTtlMs?: number;
  chaos: boolean;
}

/** `deno task cluster`: its flags, environment and usage text. */
export const clusterTask: TaskSpec = {
  name: "cluster",
  summary:
    "Starts N local TMS nodes in distributed mode on consecutive ports; Ctrl-C or SIGTERM stops everything.",
  details:
    `The nodes join TMS_NATS_URL or, with --nats-cluster, a 3-server JetStream
cluster started here on free ports with a temporary store (R3 stream and
buckets). With DATABASE_URL the nodes share its read models (one projector
elected by lease), else each has its own PGlite. Prints progress and, every
10 s, the shard split. A node that a node_kill fault took down is started
again (same id, port and data) when the fault's duration is over.`,
  flags: [
    { name: "nodes", value: "N", default: "2", description: "number of nodes" },
    {
      name: "nats-cluster",
      description:
        "start a 3-server JetStream cluster instead of joining TMS_NATS_URL",
    },
    {
      name: "base-port",
      value: "PORT",
      default: "8000",
      description: "HTTP port of the first node; the others follow",
    },
    {
      name: "chaos",
      description:
        "TMS_CHAOS=on on every node: the chaos supervisor's API and control plane",
    },
    {
      name: "lease-ttl-ms",
      value: "MS",
      description: "TMS_LEASE_TTL_MS of the nodes (default the node's, 10000)",
    },
  ],
  env: [
    {
      name: "TMS_NATS_URL",
      default: "nats://127.0.0.1:4222",
      description: "NATS to join (without --nats-cluster)",
    },
    {
      name: "DATABASE_URL",
      description: "shared read models in PostgreSQL; unset: PGlite per node",
    },
    {
      name: "TMS_READ_SCHEMA",
      default: "public",
      description: "schema of the shared read models",
    },
    {
      name: "NATS_SERVER_BIN",
      default: "/usr/sbin/nats-server",
      description: "the nats-server that --nats-cluster starts",
    },
  ],
  examples: [
    "deno task cluster --nodes 3 --nats-cluster",
    "TMS_NATS_URL=nats://127.0.0.1:4222 deno task cluster --base-port 9000",
  ],
};

function options(args: TaskArgs): Options {
  return {
    nodes: args.int("nodes", 2),
    natsCluster: args.has("nats-cluster"),
    basePort: args.int("base-port", 8000, { min: 1, max: 65535 }),
    leaseTtlMs: args.int("lease-ttl-ms"),
    chaos: args.has("chaos"),
  };
}

function say(message: string): void {
  console.log(`[cluster] ${message}`);
}

async function shardSplit(nodes: LocalNode[]): Promise<string> {
  const parts = await Promise.all(nodes.map(async (node) => {
    try {
      const res = await fetch(`http://127.0.0.1:${node.port}/health/ready`);
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
  const cluster = new LocalCluster({ say });
  const nodes = cluster.nodes;
  let stopping: Promise<void> | null = null;
  const stop = () =>
    stopping ??= (async () => {
      say("stopping nodes (graceful: leases are released)");
      await cluster.stop("SIGTERM");
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
        TMS_STREAM_REPLICAS: replicas,
      };
      if (options.chaos) env.TMS_CHAOS = "on";
      if (options.leaseTtlMs) {
        env.TMS_LEASE_TTL_MS = String(options.leaseTtlMs);
      }
      // With DATABASE_URL the nodes share its read models and elect one
      // projector; without it each keeps its own PGlite.
      for (const name of ["DATABASE_URL", "TMS_READ_SCHEMA"]) {
        const value = Deno.env.get(name);
        if (value) env[name] = value;
      }
      await cluster.add(nodeId, env, { port, dataDir: `${dir}/${nodeId}` });
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
  await runTask(clusterTask, async (args) => {
    await main(options(args));
    return 0;
  });
}
