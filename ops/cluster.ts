/**
 * `deno task cluster`: N local TMS nodes in distributed mode, against
 * `TMS_NATS_URL` or a 3-server JetStream cluster started here
 * (`--nats-cluster`); with `--autoscale`, as many as the autoscale
 * supervisor asks for (`--min` … `--max`) behind a front proxy on the base
 * port. See {@linkcode clusterTask} or `--help` for the flags.
 */
import { natsConnect } from "../deps.ts";
import type { NatsConnection } from "../deps.ts";
import { serveLocalActuator } from "../runtime/autoscale/mod.ts";
import { NatsCluster } from "../tests/support/nats_server.ts";
import { runTask, UsageError } from "./cli.ts";
import type { TaskArgs, TaskSpec } from "./cli.ts";
import { LocalCluster } from "./local_cluster.ts";

interface Options {
  nodes: number;
  natsCluster: boolean;
  basePort: number;
  leaseTtlMs?: number;
  autoscale: { min: number; max: number } | null;
  chaos: boolean;
}

/** `deno task cluster`: its flags, environment and usage text. */
export const clusterTask: TaskSpec = {
  name: "cluster",
  summary:
    "Starts N local TMS nodes in distributed mode on consecutive ports (or, with --autoscale, as many as the autoscaler asks for); Ctrl-C or SIGTERM stops everything.",
  details:
    `The nodes join TMS_NATS_URL or, with --nats-cluster, a 3-server JetStream
cluster started here on free ports with a temporary store (R3 stream and
buckets). With DATABASE_URL the nodes share its read models (one projector
elected by lease), else each has its own PGlite. Prints progress and, every
10 s, the shard split.

With --autoscale the nodes run TMS_AUTOSCALE=on with the local actuator:
this task starts --min nodes and then starts and stops node processes as the
autoscale supervisor (on whichever node holds its lease) asks, between --min
and --max. A front proxy on --base-port spreads requests over the ready
nodes (node-<i> listens on base port + i); a node joins it once ready and
leaves it before it is stopped with SIGTERM (it drains: finishes its asks,
hands its shards over), so scaling in fails no request. The other
TMS_AUTOSCALE_* variables (targets, interval, windows) pass to the nodes.`,
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
      description:
        "HTTP port of the first node (the others follow); with --autoscale, of the front proxy",
    },
    {
      name: "lease-ttl-ms",
      value: "MS",
      description: "TMS_LEASE_TTL_MS of the nodes (default the node's, 10000)",
    },
    {
      name: "chaos",
      description:
        "TMS_CHAOS=on on every node: the chaos supervisor's API and control plane; a node that a node_kill fault took down is started again when the fault ends",
    },
    {
      name: "autoscale",
      description:
        "let the autoscale supervisor start and stop the nodes (instead of --nodes)",
    },
    {
      name: "min",
      value: "N",
      default: "1",
      description: "with --autoscale: fewest nodes",
    },
    {
      name: "max",
      value: "N",
      default: "3",
      description: "with --autoscale: most nodes",
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
    {
      name: "TMS_AUTOSCALE_TARGETS",
      description:
        "with --autoscale: the nodes' targets (and the other TMS_AUTOSCALE_* settings)",
    },
  ],
  examples: [
    "deno task cluster --nodes 3 --nats-cluster",
    "TMS_NATS_URL=nats://127.0.0.1:4222 deno task cluster --base-port 9000",
    "TMS_AUTOSCALE_TARGETS=cpu=0.5 deno task cluster --autoscale --min 1 --max 3",
    "deno task cluster --nodes 3 --chaos",
  ],
};

function options(args: TaskArgs): Options {
  const autoscale = args.has("autoscale")
    ? {
      min: args.int("min", 1, { min: 1 }),
      max: args.int("max", 3, { min: 1, max: 20 }),
    }
    : null;
  if (!autoscale && (args.has("min") || args.has("max"))) {
    throw new UsageError("--min and --max go with --autoscale");
  }
  if (autoscale && autoscale.max < autoscale.min) {
    throw new UsageError("--max is below --min");
  }
  return {
    nodes: args.int("nodes", 2),
    natsCluster: args.has("nats-cluster"),
    basePort: args.int("base-port", 8000, { min: 1, max: 65535 }),
    leaseTtlMs: args.int("lease-ttl-ms"),
    autoscale,
    chaos: args.has("chaos"),
  };
}

function say(message: string): void {
  console.log(`[cluster] ${message}`);
}

async function shardSplit(cluster: LocalCluster): Promise<string> {
  const parts = await Promise.all(cluster.nodes.map(async ({ server }) => {
    try {
      const res = await fetch(`${server.url}/health/ready`);
      const body = await res.json();
      return `:${server.port} ${body.checks?.cluster?.shardsOwned ?? "?"}`;
    } catch {
      return `:${server.port} down`;
    }
  }));
  return `shards ${parts.join(", ")}`;
}

async function main(options: Options): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tms-cluster-" });
  let nats: NatsCluster | null = null;
  let cluster: LocalCluster | null = null;
  let manager: NatsConnection | null = null;
  let actuator: { stop(): Promise<void> } | null = null;
  let stopping: Promise<void> | null = null;
  const stop = () =>
    stopping ??= (async () => {
      await actuator?.stop();
      say("stopping nodes (graceful: leases are released)");
      await cluster?.stop();
      await manager?.close();
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
    const env: Record<string, string> = {
      TMS_NATS_URL: natsUrl,
      TMS_STREAM_REPLICAS: replicas,
    };
    if (options.leaseTtlMs) env.TMS_LEASE_TTL_MS = String(options.leaseTtlMs);
    if (options.chaos) env.TMS_CHAOS = "on";
    // With DATABASE_URL the nodes share its read models and elect one
    // projector; without it each keeps its own PGlite.
    for (const name of ["DATABASE_URL", "TMS_READ_SCHEMA"]) {
      const value = Deno.env.get(name);
      if (value) env[name] = value;
    }
    const scaling = options.autoscale;
    if (scaling) {
      Object.assign(env, {
        TMS_AUTOSCALE: "on",
        TMS_AUTOSCALE_ACTUATOR: "local",
        TMS_AUTOSCALE_MIN: String(scaling.min),
        TMS_AUTOSCALE_MAX: String(scaling.max),
      });
    }
    cluster = new LocalCluster({
      env,
      dir,
      // node-<i> on base + i behind the proxy; else node-1 on the base port.
      basePort: scaling ? options.basePort : options.basePort - 1,
      proxyPort: scaling ? options.basePort : undefined,
      maxNodes: scaling ? scaling.max : options.nodes,
      say,
    });
    if (scaling) {
      manager = await natsConnect({
        servers: natsUrl.split(","),
        name: "tms-cluster-manager",
      });
      actuator = serveLocalActuator(manager, cluster);
      say(
        `autoscale ${scaling.min}–${scaling.max} nodes; the proxy listens on http://127.0.0.1:${options.basePort}`,
      );
    }
    const initial = scaling ? scaling.min : options.nodes;
    for (let i = 1; i <= initial; i++) {
      say(`node ${i}/${initial}`);
      await cluster.start(i);
    }
    say(`${initial} nodes up; ${await shardSplit(cluster)}; Ctrl-C stops`);
    const report = setInterval(async () => {
      if (!stopping && cluster) say(await shardSplit(cluster));
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
