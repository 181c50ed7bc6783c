/**
 * The decision policy: the Kubernetes HPA's algorithm as a pure function of
 * its inputs, its state and the time given to it.
 */
import { LOAD_PROPORTIONAL } from "./types.ts";
import type { Metric, Targets } from "./types.ts";

/** A rate limit on changes: at most `percent` % or `pods` replicas per `periodMs`. */
export interface ScalingRule {
  percent: number;
  pods: number;
  periodMs: number;
}

/** Everything the policy is configured with. */
export interface PolicyConfig {
  minReplicas: number;
  maxReplicas: number;
  targets: Targets;
  /** No change while |value / target − 1| is at most this (default 0.1). */
  tolerance: number;
  /** A scale-down takes the highest recommendation of this window (default 300 000). */
  stabilizationMs: number;
  /** Scale-up limit: the larger of `percent` and `pods` per period (HPA: 100 %, 4 pods, 15 s). */
  scaleUp: ScalingRule;
  /** Scale-down limit: the larger of the two (HPA: 100 % per 15 s). */
  scaleDown: ScalingRule;
  /** No automatic action this long after the last action (or failed action). */
  cooldownMs: number;
  /** A forecast of the rate this far ahead may pull a scale-up forward. */
  forecastHorizonMs: number;
  /** The forecast is trusted only at or below this MAPE (default 0.25)… */
  forecastMaxMape: number;
  /** …measured over at least this many forecasts (default 30). */
  forecastMinPoints: number;
}

/** The HPA's defaults, with TMS's targets and a 30 s cooldown. */
export function defaultPolicyConfig(
  overrides: Partial<PolicyConfig> = {},
): PolicyConfig {
  return {
    minReplicas: 1,
    maxReplicas: 10,
    targets: { cpu: 0.7, latencyP99Ms: 50, mailboxMax: 100, consumerLag: 1000 },
    tolerance: 0.1,
    stabilizationMs: 300_000,
    scaleUp: { percent: 100, pods: 4, periodMs: 15_000 },
    scaleDown: { percent: 100, pods: 0, periodMs: 15_000 },
    cooldownMs: 30_000,
    forecastHorizonMs: 300_000,
    forecastMaxMape: 0.25,
    forecastMinPoints: 30,
    ...overrides,
  };
}

/** The forecast as the policy sees it. */
export interface ForecastInput {
  /** The command rate forecast `forecastHorizonMs` ahead (null: none yet). */
  rate: number | null;
  /** The command rate now. */
  currentRate: number;
  /** Its error so far (null: nothing scored yet). */
  mape: number | null;
  points: number;
}

/** One evaluation's inputs. */
export interface PolicyInput {
  /** Epoch ms. */
  now: number;
  /** Replicas running now. */
  current: number;
  /** The value of each metric (undefined: not measured anywhere). */
  values: Partial<Record<Metric, number>>;
  /** Metrics some node failed to read. */
  missing: readonly Metric[];
  /** Nodes whose last sample is too old. */
  stale: readonly string[];
  /** Nodes reporting fresh samples. */
  reporting: number;
  forecast?: ForecastInput;
  /** A manual scale holds automatic actions until then (epoch ms). */
  manualHoldUntil?: number | null;
  /** An action is still under way: nothing new until it is done. */
  acting?: boolean;
}

/** What one metric asked for. */
export interface MetricReason {
  metric: Metric;
  value: number;
  target: number;
  /** value / target. */
  ratio: number;
  /** Replicas it asks for: `ceil(current × ratio)`, or current within the tolerance. */
  replicas: number;
  withinTolerance: boolean;
}

/** What the forecast did in a decision. */
export interface ForecastReason {
  rate: number | null;
  currentRate: number;
  horizonMs: number;
  mape: number | null;
  /** Replicas the forecast load asks for (null: no forecast). */
  replicas: number | null;
  /** True when it raised the recommendation. */
  used: boolean;
  /** Why it was not used, when it was not. */
  note: string | null;
}

/** The kinds of decision. */
export const DecisionActions = {
  up: "scale_up",
  down: "scale_down",
  hold: "hold",
} as const;
export type DecisionAction =
  typeof DecisionActions[keyof typeof DecisionActions];

/** One evaluation's outcome, with its reasons. */
export interface Decision {
  at: number;
  current: number;
  /** Replicas wanted after stabilization, rate limits and min/max. */
  desired: number;
  /** The raw recommendation (largest metric or forecast proposal). */
  recommendation: number;
  action: DecisionAction;
  reasons: MetricReason[];
  forecast: ForecastReason | null;
  /** Why nothing is done although `desired` differs, or why nothing could be decided. */
  held: string | null;
  /** What bounded `desired` below or above the recommendation. */
  limits: string[];
}

/** What the policy remembers between evaluations. */
export interface PolicyState {
  /** Raw recommendations within the stabilization window. */
  recommendations: { at: number; replicas: number }[];
  /** Changes within the rate-limit periods. */
  changes: { at: number; from: number; to: number }[];
  lastActionAt: number | null;
  /** When this supervisor began observing (a scale-down needs a full window since). */
  since: number;
}

/** The state of a supervisor that starts (or takes over) at `now`. */
export function initialPolicyState(
  now: number,
  lastActionAt: number | null = null,
): PolicyState {
  return { recommendations: [], changes: [], lastActionAt, since: now };
}

/** Records an action (or a failed attempt: it starts the cooldown too). */
export function recordAction(
  state: PolicyState,
  at: number,
  from: number,
  to: number,
  succeeded = true,
): PolicyState {
  return {
    ...state,
    changes: succeeded && from !== to
      ? [...state.changes, { at, from, to }]
      : state.changes,
    lastActionAt: at,
  };
}

/**
 * One evaluation, after the HPA: for each metric with a target,
 * `ceil(current × value / target)` (current when the ratio is within the
 * tolerance of 1); the recommendation is the largest. A forecast of the
 * command rate, when trusted, may raise it (load-proportional metrics moved
 * by forecast/current rate) but never lower it. A scale-up is taken at once
 * (scale-up stabilization 0), limited to the larger of `scaleUp.percent` %
 * and `scaleUp.pods` per period; a scale-down takes the highest
 * recommendation of the stabilization window, and only once this supervisor
 * has observed a whole window. Then min/max, an action still under way,
 * cooldown and a manual hold.
 * A stale node or a missing metric holds: it never scales, and its
 * evaluation is not remembered as a recommendation.
 *
 * @example
 * ```ts
 * const config = defaultPolicyConfig({ maxReplicas: 3 });
 * const { decision, state } = decide(config, initialPolicyState(now), {
 *   now, current: 1, values: { cpu: 1.4 }, missing: [], stale: [], reporting: 1,
 * });
 * decision.desired; // 2
 * ```
 */
export function decide(
  config: PolicyConfig,
  state: PolicyState,
  input: PolicyInput,
): { decision: Decision; state: PolicyState } {
  const { now, current } = input;
  const hold = (held: string, reasons: MetricReason[] = []) => ({
    decision: {
      at: now,
      current,
      desired: current,
      recommendation: current,
      action: DecisionActions.hold,
      reasons,
      forecast: null,
      held,
      limits: [],
    },
    state,
  });
  if (input.stale.length > 0) {
    return hold(`no fresh sample from ${input.stale.join(", ")}`);
  }
  if (input.reporting === 0) return hold("no node has reported yet");
  const targeted = (Object.keys(config.targets) as Metric[]).filter((m) =>
    config.targets[m] !== undefined
  );
  const missing = targeted.filter((m) => input.missing.includes(m));
  if (missing.length > 0) {
    return hold(`metrics missing: ${missing.join(", ")}`);
  }
  const reasons: MetricReason[] = [];
  for (const metric of targeted) {
    const value = input.values[metric];
    if (value === undefined) continue;
    reasons.push(proposal(config, metric, value, current));
  }
  const reactive = Math.max(current, ...reasons.map((r) => r.replicas));
  const reactiveDown = reasons.length === 0
    ? current
    : Math.max(...reasons.map((r) => r.replicas));
  const forecast = input.forecast
    ? forecastProposal(config, input.forecast, input.values, current, reactive)
    : null;
  const recommendation = forecast?.used
    ? Math.max(reactiveDown, forecast.replicas!)
    : reactiveDown;
  const window = state.recommendations.filter((r) =>
    r.at > now - config.stabilizationMs
  );
  window.push({ at: now, replicas: recommendation });
  const changes = state.changes.filter((c) =>
    c.at > now - Math.max(config.scaleUp.periodMs, config.scaleDown.periodMs)
  );
  const next: PolicyState = { ...state, recommendations: window, changes };
  const limits: string[] = [];
  let desired = current;
  if (recommendation > current) {
    desired = recommendation;
    const limit = scaleUpLimit(config.scaleUp, changes, current, now);
    if (desired > limit) {
      desired = limit;
      limits.push(`scale-up policy allows ${limit} now`);
    }
  } else if (recommendation < current) {
    const highest = Math.max(...window.map((r) => r.replicas));
    if (highest > recommendation) {
      limits.push(`stabilization: highest recommendation ${highest}`);
    }
    if (now - state.since < config.stabilizationMs) {
      limits.push("stabilization: window not yet observed in full");
    } else if (highest < current) {
      desired = highest;
      const limit = scaleDownLimit(config.scaleDown, changes, current, now);
      if (desired < limit) {
        desired = limit;
        limits.push(`scale-down policy allows ${limit} now`);
      }
    }
  }
  if (desired > config.maxReplicas) {
    desired = config.maxReplicas;
    limits.push(`max ${config.maxReplicas}`);
  }
  if (desired < config.minReplicas) {
    desired = config.minReplicas;
    limits.push(`min ${config.minReplicas}`);
  }
  let held: string | null = null;
  if (desired !== current) {
    if (input.acting) {
      held = "the last action is still under way";
    } else if (
      input.manualHoldUntil !== undefined && input.manualHoldUntil !== null &&
      now < input.manualHoldUntil
    ) {
      held = `a manual scale holds automatic actions until ${
        new Date(input.manualHoldUntil).toISOString()
      }`;
    } else if (
      state.lastActionAt !== null &&
      now - state.lastActionAt < config.cooldownMs
    ) {
      held = `cooldown after the last action until ${
        new Date(state.lastActionAt + config.cooldownMs).toISOString()
      }`;
    }
  }
  return {
    decision: {
      at: now,
      current,
      desired,
      recommendation,
      action: held !== null || desired === current
        ? DecisionActions.hold
        : desired > current
        ? DecisionActions.up
        : DecisionActions.down,
      reasons,
      forecast,
      held,
      limits,
    },
    state: next,
  };
}

function proposal(
  config: PolicyConfig,
  metric: Metric,
  value: number,
  current: number,
): MetricReason {
  const target = config.targets[metric]!;
  const ratio = value / target;
  // Inclusive, as documented: 0.55 / 0.5 is 1.1000000000000002 in floating point.
  const withinTolerance = Math.abs(ratio - 1) <= config.tolerance + 1e-9;
  return {
    metric,
    value,
    target,
    ratio,
    replicas: withinTolerance ? current : Math.ceil(current * ratio),
    withinTolerance,
  };
}

function forecastProposal(
  config: PolicyConfig,
  input: ForecastInput,
  values: Partial<Record<Metric, number>>,
  current: number,
  reactive: number,
): ForecastReason {
  const reason: ForecastReason = {
    rate: input.rate,
    currentRate: input.currentRate,
    horizonMs: config.forecastHorizonMs,
    mape: input.mape,
    replicas: null,
    used: false,
    note: null,
  };
  if (input.rate === null) return { ...reason, note: "no forecast yet" };
  if (input.mape === null || input.points < config.forecastMinPoints) {
    return {
      ...reason,
      note:
        `not trusted yet: ${input.points} of ${config.forecastMinPoints} forecasts scored`,
    };
  }
  if (input.mape > config.forecastMaxMape) {
    return {
      ...reason,
      note: `not trusted: MAPE ${
        round(input.mape)
      } above ${config.forecastMaxMape}`,
    };
  }
  if (input.currentRate <= 0) {
    return { ...reason, note: "no load now to scale the forecast from" };
  }
  const factor = input.rate / input.currentRate;
  let replicas = current;
  for (const metric of LOAD_PROPORTIONAL) {
    const value = values[metric];
    if (value === undefined || config.targets[metric] === undefined) continue;
    replicas = Math.max(
      replicas,
      proposal(config, metric, value * factor, current).replicas,
    );
  }
  const used = replicas > reactive;
  return {
    ...reason,
    replicas,
    used,
    note: used
      ? "pulls the scale-up forward"
      : factor < 1
      ? "forecast lower: never scales in"
      : "asks no more than the metrics now",
  };
}

/** HPA: the larger of `periodStart + pods` and `periodStart × (1 + percent %)`. */
function scaleUpLimit(
  rule: ScalingRule,
  changes: PolicyState["changes"],
  current: number,
  now: number,
): number {
  const start = periodStart(rule, changes, current, now);
  return Math.max(
    start + rule.pods,
    Math.ceil(start * (1 + rule.percent / 100)),
  );
}

/** HPA: the smaller of `periodStart − pods` and `periodStart × (1 − percent %)`. */
function scaleDownLimit(
  rule: ScalingRule,
  changes: PolicyState["changes"],
  current: number,
  now: number,
): number {
  const start = periodStart(rule, changes, current, now);
  return Math.max(
    0,
    Math.min(
      start - rule.pods,
      Math.floor(start * (1 - rule.percent / 100)),
    ),
  );
}

/** Replicas at the start of the rule's period: current minus the changes within it. */
function periodStart(
  rule: ScalingRule,
  changes: PolicyState["changes"],
  current: number,
  now: number,
): number {
  let start = current;
  for (const change of changes) {
    if (change.at > now - rule.periodMs) start -= change.to - change.from;
  }
  return start;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
