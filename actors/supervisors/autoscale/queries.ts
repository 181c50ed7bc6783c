/** Reads of the autoscale stream: the decision log, paged, and the cost of what ran. */
import type {
  Commit,
  EventLog,
  SignalOptions,
} from "../../../runtime/core/mod.ts";
import type { AutoscaleEvent } from "./events.ts";
import { AUTOSCALE, AUTOSCALE_STREAM } from "./types.ts";

/** One event of the decision log. */
export interface DecisionLogItem {
  version: number;
  position: number;
  type: AutoscaleEvent["type"];
  at: string;
  data: AutoscaleEvent["data"];
}

/** A page of the decision log, newest first. */
export interface DecisionLogPage {
  items: DecisionLogItem[];
  /** The version to read below for the next page; null on the last. */
  nextCursor: string | null;
}

/**
 * The decision log newest first: the events of `autoscale/cluster` below
 * version `before` (default: all), at most `limit`. One command makes one
 * event, so versions page it exactly; only the page's tail of the stream is
 * read.
 */
export async function decisionLog(
  log: EventLog,
  head: number,
  page: { before?: number; limit: number },
  options: SignalOptions = {},
): Promise<DecisionLogPage> {
  const before = Math.min(page.before ?? head + 1, head + 1);
  const after = Math.max(0, before - 1 - page.limit);
  const commits = (await log.readStream(
    AUTOSCALE,
    AUTOSCALE_STREAM,
    after,
    options,
  )).filter((c) => c.version < before);
  const items = commits.flatMap((commit) =>
    (commit.events as AutoscaleEvent[]).map((event) => ({
      version: commit.version,
      position: commit.position,
      type: event.type,
      at: event.data.at,
      data: event.data,
    }))
  ).reverse();
  return { items, nextCursor: after > 0 ? String(after + 1) : null };
}

/** Node-hours used against a cluster sized for the peak, over a period. */
export interface CostReport {
  from: string;
  to: string;
  /** Where the log first tells the replica count within the period (null: it never does). */
  knownFrom: string | null;
  /** Hours from `knownFrom` to `to`. */
  hours: number;
  nodeHours: number;
  peakReplicas: number;
  /** A static cluster of `peakReplicas` over the same hours. */
  staticNodeHours: number;
  savedNodeHours: number;
  /** Saved against the static cluster, 0–100. */
  savedPercent: number;
  /** Scale actions within the period. */
  actions: number;
}

/**
 * The replica count over `[from, to]` as the log tells it (each decision's
 * `current`, each action's `to`), integrated to node-hours and compared
 * with a cluster of the period's peak size running throughout.
 */
export function costOf(
  commits: readonly Commit[],
  period: { from: number; to: number },
): CostReport {
  const points: { at: number; replicas: number; action: boolean }[] = [];
  for (const commit of commits) {
    for (const event of commit.events as AutoscaleEvent[]) {
      const at = Date.parse(event.data.at);
      if (event.type === "autoscale.decided") {
        points.push({ at, replicas: event.data.current, action: false });
      } else if (event.type === "autoscale.scaled") {
        points.push({ at, replicas: event.data.to, action: true });
      }
    }
  }
  points.sort((a, b) => a.at - b.at);
  const { from, to } = period;
  let replicas: number | null = null;
  let knownFrom: number | null = null;
  let last = from;
  let nodeMs = 0;
  let peak = 0;
  let actions = 0;
  for (const point of points) {
    if (point.at > to) break;
    if (point.at <= from) {
      replicas = point.replicas;
      continue;
    }
    if (replicas !== null) {
      knownFrom ??= last;
      nodeMs += replicas * (point.at - last);
      peak = Math.max(peak, replicas);
    }
    replicas = point.replicas;
    last = point.at;
    if (point.action) actions++;
  }
  if (replicas !== null) {
    knownFrom ??= last;
    nodeMs += replicas * (to - last);
    peak = Math.max(peak, replicas);
  }
  const hour = 3_600_000;
  const hours = knownFrom === null ? 0 : (to - knownFrom) / hour;
  const nodeHours = nodeMs / hour;
  const staticNodeHours = peak * hours;
  const round = (n: number) => Math.round(n * 1e6) / 1e6;
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    knownFrom: knownFrom === null ? null : new Date(knownFrom).toISOString(),
    hours: round(hours),
    nodeHours: round(nodeHours),
    peakReplicas: peak,
    staticNodeHours: round(staticNodeHours),
    savedNodeHours: round(staticNodeHours - nodeHours),
    savedPercent: staticNodeHours === 0
      ? 0
      : round(100 * (1 - nodeHours / staticNodeHours)),
    actions,
  };
}
