/**
 * The drills of `deno task drill`: each is an experiment run through the
 * supervisor API against nodes started for it (embedded, or a local cluster
 * on a nats-server of its own), sometimes with a nemesis of the harness's
 * own (a nats-server restart), under a write workload.
 */
import type { NatsServer } from "../tests/support/nats_server.ts";

/** What a drill's nemesis may act on. */
export interface NemesisContext {
  nats: NatsServer | null;
  durationS: number;
  say(message: string): void;
  signal: AbortSignal;
}

/** One drill. */
export interface DrillSpec {
  name: string;
  summary: string;
  /** Embedded: one node with its Deno KV log; cluster: nodes on JetStream. */
  mode: "embedded" | "cluster";
  /** Nodes of a cluster drill by default. */
  nodes: number;
  /** Seconds the fault lasts by default. */
  durationS: number;
  /** The method's faults (the API's fault bodies) for a fault of `durationS`. */
  method(durationS: number, nodeIds: readonly string[]): unknown[];
  /** Above the blast-radius limit: the drill forces it (recorded). */
  force: boolean;
  /** Runs once the method started; resolves with when its disruption ended. */
  nemesis?: (ctx: NemesisContext) => Promise<number>;
}

const forAll = (kind: string, params: Record<string, unknown> = {}) =>
(
  durationS: number,
) => [{ kind, params, durationS }];

/** Every drill, in the order `drill all` runs them. */
export const DRILLS: readonly DrillSpec[] = [
  {
    name: "kill-node",
    summary:
      "SIGKILL of a cluster node under load (node_kill); the local cluster starts it again after the fault's duration",
    mode: "cluster",
    nodes: 2,
    durationS: 5,
    force: true,
    method: (durationS, nodeIds) => [{
      kind: "node_kill",
      selector: { nodes: [nodeIds.at(-1)] },
      durationS,
    }],
  },
  {
    name: "nats-restart",
    summary:
      "the first node's NATS connection cut (nats_disconnect), the nats-server stopped and started again, then the last node's connection cut",
    mode: "cluster",
    nodes: 2,
    durationS: 3,
    force: true,
    // The nemesis restarts the server between the two cuts, inside the method.
    method: (durationS, nodeIds) => [{
      kind: "nats_disconnect",
      selector: { nodes: [nodeIds[0]] },
      durationS,
    }, {
      kind: "nats_disconnect",
      selector: { nodes: [nodeIds.at(-1)] },
      afterS: 2 * durationS + 5,
      durationS,
    }],
    nemesis: async ({ nats, durationS, say, signal }) => {
      await pause((durationS + 1) * 1000, signal);
      say("nemesis: stopping the nats-server");
      await nats!.stop();
      await pause(durationS * 1000, signal);
      await nats!.restart();
      say("nemesis: the nats-server is back");
      return Date.now();
    },
  },
  {
    name: "log-outage",
    summary: "every event-log call fails (log_outage): 503 + Retry-After",
    mode: "embedded",
    nodes: 1,
    durationS: 5,
    force: true,
    method: forAll("log_outage"),
  },
  {
    name: "log-latency",
    summary: "150 ms on the event-log calls of a fifth of the actors",
    mode: "embedded",
    nodes: 1,
    durationS: 8,
    force: false,
    method: (durationS) => [{
      kind: "log_latency",
      selector: { percent: 20 },
      params: { latencyMs: 150 },
      durationS,
    }],
  },
  {
    name: "projection-pause",
    summary: "every projection paused; the read models catch up after",
    mode: "embedded",
    nodes: 1,
    durationS: 8,
    force: true,
    method: forAll("projection_pause"),
  },
  {
    name: "slow-sql",
    summary: "150 ms on every read-model query and transaction",
    mode: "embedded",
    nodes: 1,
    durationS: 8,
    force: true,
    method: forAll("database_slow", { latencyMs: 150 }),
  },
  {
    name: "crash-actors",
    summary:
      "a fifth of the actors crash in half their commands, before the append and after it landed",
    mode: "embedded",
    nodes: 1,
    durationS: 8,
    force: false,
    method: (durationS) =>
      (["decide", "append"] as const).map((phase) => ({
        kind: "actor_crash",
        selector: { percent: 20 },
        params: { rate: 0.5, phase },
        durationS,
      })),
  },
  {
    name: "disk-full",
    summary:
      "the disk is full: event-log writes and uploads refused (503 + Retry-After)",
    mode: "embedded",
    nodes: 1,
    durationS: 5,
    force: true,
    method: forAll("disk_full"),
  },
];

/** The drill named `name`, or null. */
export function drillNamed(name: string): DrillSpec | null {
  return DRILLS.find((d) => d.name === name) ?? null;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
