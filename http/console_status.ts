/**
 * The ops console's status snapshot: one node's health components, the live
 * nodes and shard map, actors, log, projections, dead letters, autoscaler
 * and chaos, read from the parts the edge already holds and the few
 * `ConsoleSources` the node adds. Each section is read on its own with a
 * deadline, so one that hangs (a log outage under chaos) leaves the others
 * shown and its reason in `errors`. Rates (commits/s, commands/s, group
 * commits) are deltas between two snapshots; one snapshot serves every
 * console watching within half an interval.
 */
import type { ShardMap } from "../runtime/cluster/mod.ts";
import { errorReason } from "../runtime/core/mod.ts";
import type { HistogramSnapshot } from "../runtime/telemetry/mod.ts";
import { listExperiments } from "../actors/supervisors/chaos/mod.ts";
import type { ConsoleStatus } from "../schemas/mod.ts";
import type { EdgeDeps, ReadinessCheck } from "./context.ts";
import { checkReadiness } from "./health.ts";
import { deadLetterView } from "./dead_letters.ts";

/** The embedded log's group commits (`KvEventLog.stats()` and `commitLatency`). */
export interface LogCounters {
  commits: number;
  atomics: number;
  unindexed: number;
  latency: HistogramSnapshot;
}

/** What the console reads of its node beyond the edge's own parts. */
export interface ConsoleSources {
  node: { id: string; mode: "embedded" | "distributed" };
  /** The log's kind (`kv`, `jetstream`, …), shown as is. */
  logBackend: string;
  /** The shard map (a cluster node's placement). */
  shards?: () => ShardMap;
  /** The embedded log's counters. */
  logCounters?: () => LogCounters;
}

/** Longest a section may take before the snapshot goes without it. */
const SECTION_MS = 1500;
/** Measured rates kept for the autoscale chart. */
const CHART_POINTS = 60;
/** How far ahead the chart shows the forecast, in autoscale intervals. */
const FORECAST_STEPS = 20;

type Section<K extends keyof ConsoleStatus> = ConsoleStatus[K];
type RatePoint = Section<"autoscale"> extends infer A
  ? A extends { chart: { measured: (infer P)[] } } ? P : never
  : never;

interface Counters {
  at: number;
  head: number | null;
  commands: number;
  log: LogCounters | null;
}

/** Rejects when `work` takes longer than `ms`. */
async function within<T>(ms: number, work: () => Promise<T> | T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(work),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${ms} ms`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function perSecond(delta: number, ms: number): number | null {
  return ms > 0 ? Math.round((delta / ms) * 1000 * 100) / 100 : null;
}

/** Mean, a p99 upper bound and the max of a latency histogram's window, in ms. */
function latencyMs(
  now: HistogramSnapshot,
  before: HistogramSnapshot | null,
): { mean: number | null; p99: number | null; max: number | null } {
  const same = before !== null && before.count < now.count;
  const count = same ? now.count - before!.count : now.count;
  if (count === 0) return { mean: null, p99: null, max: null };
  const sum = same ? now.sumSeconds - before!.sumSeconds : now.sumSeconds;
  const cumulative = now.cumulative.map((n, i) =>
    same ? n - before!.cumulative[i] : n
  );
  const bucket = cumulative.findIndex((n) => n >= 0.99 * count);
  const ms = (s: number) => Math.round(s * 1000 * 100) / 100;
  return {
    mean: ms(sum / count),
    p99: bucket < 0 ? ms(now.maxSeconds) : ms(now.bounds[bucket]),
    max: ms(now.maxSeconds),
  };
}

/**
 * Builds the console's snapshots for one edge.
 *
 * @example
 * ```ts
 * const monitor = new ConsoleMonitor(deps);
 * const status = await monitor.snapshot();
 * ```
 */
export class ConsoleMonitor {
  readonly intervalMs: number;
  readonly #deps: EdgeDeps;
  #previous: Counters | null = null;
  #current: { at: number; snapshot: Promise<ConsoleStatus> } | null = null;
  readonly #measured: RatePoint[] = [];
  #lastSampleAt: number | null = null;
  /** The band the latest forecast gave for the times ahead. */
  #ahead: { at: number; low: number; high: number }[] = [];

  constructor(deps: EdgeDeps, options: { intervalMs?: number } = {}) {
    this.#deps = deps;
    this.intervalMs = options.intervalMs ?? 2000;
  }

  /** A snapshot: the one taken within half an interval, or a new one. */
  snapshot(): Promise<ConsoleStatus> {
    const now = Date.now();
    if (this.#current && now - this.#current.at < this.intervalMs / 2) {
      return this.#current.snapshot;
    }
    const snapshot = this.#build();
    this.#current = { at: now, snapshot };
    return snapshot;
  }

  async #build(): Promise<ConsoleStatus> {
    const deps = this.#deps;
    const sources = deps.console;
    const errors: Record<string, string> = {};
    const guard = async <T>(
      name: string,
      work: () => Promise<T> | T,
    ): Promise<T | null> => {
      try {
        return await within(SECTION_MS, work);
      } catch (error) {
        errors[name] = errorReason(error);
        return null;
      }
    };
    const [health, letters, autoscale, chaos] = await Promise.all([
      guard(
        "health",
        () => checkReadiness(deps, AbortSignal.timeout(SECTION_MS)),
      ),
      guard(
        "deadLetters",
        () =>
          deps.deadLetters
            ? deps.deadLetters.list({ limit: 20 }, {
              signal: AbortSignal.timeout(SECTION_MS),
            })
            : null,
      ),
      guard("autoscale", () => this.#autoscale()),
      guard("chaos", () => this.#chaos()),
    ]);
    const shards = sources?.shards
      ? await guard("shards", () => sources.shards!())
      : null;
    const checks = health?.checks ?? {};
    const at = Date.now();
    const stats = deps.system.stats();
    const head = typeof checks.eventLog?.position === "number"
      ? checks.eventLog.position
      : null;
    const counters: Counters = {
      at,
      head,
      commands: stats.commands,
      log: sources?.logCounters?.() ?? null,
    };
    const before = this.#previous;
    this.#previous = counters;
    const elapsed = before ? at - before.at : 0;
    const nodeId = sources?.node.id ?? "node";
    const startup = deps.startup?.() ?? { ok: true };
    const letterCheck = checks.deadLetters as
      | (ReadinessCheck & { open?: number; byStatus?: Record<string, number> })
      | undefined;
    return {
      at: new Date(at).toISOString(),
      intervalMs: this.intervalMs,
      node: {
        id: nodeId,
        mode: sources?.node.mode ?? "embedded",
        uptimeS: Math.round(performance.now() / 1000),
        rssBytes: Deno.memoryUsage().rss,
        startup,
      },
      health: health ? { ok: health.ok, checks: health.checks } : null,
      nodes: this.#nodes(nodeId, checks.cluster, shards),
      shards: shards
        ? {
          count: shards.shards,
          ttlMs: shards.ttlMs,
          leases: shards.leases,
          moves: shards.moves,
        }
        : null,
      actors: {
        active: stats.active,
        queued: stats.queued,
        maxMailboxDepth: stats.maxMailboxDepth,
        commands: stats.commands,
        commandsPerS: before
          ? perSecond(stats.commands - before.commands, elapsed)
          : null,
        restarts: stats.restarts,
        parked: stats.parked,
        mailboxes: deps.system.deepestMailboxes(10),
      },
      log: {
        backend: sources?.logBackend ?? "memory",
        head,
        commitsPerS: before?.head != null && head !== null
          ? perSecond(head - before.head, elapsed)
          : null,
        groupCommit: counters.log
          ? groupCommit(counters.log, before?.log ?? null)
          : null,
      },
      projections: projectionsOf(checks.projections, nodeId),
      deadLetters: letterCheck || letters
        ? {
          open: letterCheck?.open ?? 0,
          byStatus: letterCheck?.byStatus ?? {},
          items: (letters?.items ?? []).map(deadLetterView),
        }
        : null,
      autoscale,
      chaos,
      errors,
    };
  }

  #nodes(
    self: string,
    cluster: ReadinessCheck | undefined,
    shards: ShardMap | null,
  ): ConsoleStatus["nodes"] {
    const live = Array.isArray(cluster?.liveNodes)
      ? cluster.liveNodes as string[]
      : [self];
    const held = new Map<string, number>();
    for (const lease of shards?.leases ?? []) {
      if (lease.node) held.set(lease.node, (held.get(lease.node) ?? 0) + 1);
    }
    return [...new Set([self, ...live, ...held.keys()])].sort().map((id) => ({
      id,
      self: id === self,
      shards: shards ? held.get(id) ?? 0 : null,
    }));
  }

  async #autoscale(): Promise<Section<"autoscale">> {
    const api = this.#deps.autoscale;
    if (!api) return null;
    const status = await api.status();
    const empty = { measured: [], forecast: [] };
    if (!status.active) {
      return {
        mode: status.mode,
        active: false,
        supervisor: null,
        actuator: null,
        replicas: null,
        desired: null,
        minReplicas: status.minReplicas,
        maxReplicas: status.maxReplicas,
        intervalMs: null,
        forecast: null,
        lastDecision: null,
        decisions: [],
        chart: empty,
      };
    }
    const [decisions, predictions] = await Promise.all([
      api.decisions({ limit: 8 }),
      api.predictions(FORECAST_STEPS * status.intervalMs),
    ]);
    const decision = status.lastDecision;
    if (decision && decision.at !== this.#lastSampleAt) {
      this.#lastSampleAt = decision.at;
      const band = nearest(this.#ahead, decision.at, status.intervalMs);
      this.#measured.push({
        at: decision.at,
        rate: decision.forecast?.currentRate ?? predictions.currentRate,
        low: band?.low ?? null,
        high: band?.high ?? null,
      });
      if (this.#measured.length > CHART_POINTS) this.#measured.shift();
    }
    this.#ahead = predictions.points.map((p) => ({
      at: Date.parse(p.at),
      low: p.low,
      high: p.high,
    }));
    return {
      mode: status.mode,
      active: true,
      supervisor: status.supervisor,
      actuator: status.actuator,
      replicas: status.replicas,
      desired: status.desired,
      minReplicas: status.minReplicas,
      maxReplicas: status.maxReplicas,
      intervalMs: status.intervalMs,
      forecast: status.forecast as unknown as Record<string, unknown>,
      lastDecision: decision,
      decisions: decisions.items as unknown as NonNullable<
        Section<"autoscale">
      >["decisions"],
      chart: {
        measured: [...this.#measured],
        forecast: predictions.points.map((p) => ({
          at: Date.parse(p.at),
          rate: p.rate,
          low: p.low,
          high: p.high,
        })),
      },
    };
  }

  async #chaos(): Promise<Section<"chaos">> {
    const supervisor = this.#deps.chaos;
    if (!supervisor?.settings.enabled) {
      return { enabled: false, status: null, running: [], history: [] };
    }
    const store = this.#deps.readSide?.store;
    const [status, history] = await Promise.all([
      supervisor.status(),
      store
        ? listExperiments(store, { limit: 10 }, {
          signal: AbortSignal.timeout(SECTION_MS),
        })
        : { items: [] },
    ]);
    const ids = [
      ...new Set(
        status.nodes.flatMap((n) => n.experiments.map((e) => e.id)),
      ),
    ].slice(0, 5);
    const faults = status.nodes.flatMap((n) => n.faults);
    const running = await Promise.all(ids.map(async (id) => {
      const view = await supervisor.experiment(id, {
        signal: AbortSignal.timeout(SECTION_MS),
      });
      const steady = view?.journal.steady_states;
      const latest = steady?.during.at(-1)?.probes ?? steady?.before?.probes ??
        [];
      return {
        id,
        title: view?.state.definition.title ?? id,
        status: view?.state.status ?? "running",
        startedAt: view?.state.startedAt ?? null,
        deviations: view?.state.deviations ?? 0,
        probes: latest,
        faults: faults.filter((f) => f.experimentId === id),
      };
    }));
    return {
      enabled: true,
      status: status as unknown as NonNullable<Section<"chaos">>["status"],
      running,
      history: history.items,
    };
  }
}

/** The point nearest `at`, if one is within `within` ms of it. */
function nearest<P extends { at: number }>(
  points: readonly P[],
  at: number,
  within: number,
): P | null {
  let best: P | null = null;
  for (const p of points) {
    if (!best || Math.abs(p.at - at) < Math.abs(best.at - at)) best = p;
  }
  return best && Math.abs(best.at - at) <= within ? best : null;
}

function groupCommit(
  now: LogCounters,
  before: LogCounters | null,
): NonNullable<ConsoleStatus["log"]["groupCommit"]> {
  const atomics = before ? now.atomics - before.atomics : 0;
  const commits = before ? now.commits - before.commits : 0;
  const batch = atomics > 0
    ? commits / atomics
    : now.atomics > 0
    ? now.commits / now.atomics
    : null;
  return {
    commits: now.commits,
    atomics: now.atomics,
    batchSize: batch === null ? null : Math.round(batch * 100) / 100,
    unindexed: now.unindexed,
    latencyMs: latencyMs(now.latency, before?.latency ?? null),
  };
}

/** The projections section from the readiness component. */
function projectionsOf(
  check: ReadinessCheck | undefined,
  self: string,
): ConsoleStatus["projections"] {
  if (!check) {
    return { role: "follower", holder: null, head: null, items: [] };
  }
  const role = (typeof check.role === "string" ? check.role : "own") as
    | "own"
    | "projector"
    | "standby"
    | "stopped";
  const items = Array.isArray(check.projections)
    ? (check.projections as Record<string, unknown>[]).map((p) => ({
      name: String(p.name),
      state: String(p.state),
      position: Number(p.position),
      head: Number(p.head),
      lagPositions: Number(p.lagPositions),
      lagMs: Number(p.lagMs),
      retries: Number(p.retries),
      lastError: (p.lastError as string | null) ?? null,
      failure: (p.failure as { position: number; error: string } | null) ??
        null,
    }))
    : [];
  return {
    role,
    holder: role === "projector"
      ? self
      : typeof check.holder === "string"
      ? check.holder
      : null,
    head: typeof check.head === "number" ? check.head : null,
    items,
  };
}
