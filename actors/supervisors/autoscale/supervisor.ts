/**
 * The autoscale supervisor's loop: on the node that holds the lease, every
 * interval it reads the replicas from the actuator, the cluster's metrics
 * from the samples, feeds the forecast, decides, records the decision in
 * its stream and acts on it.
 */
import {
  AnomalyDetector,
  AutoscaleModes,
  decide,
  initialPolicyState,
  RateForecaster,
  recordAction,
  SampleBoard,
} from "../../../runtime/autoscale/mod.ts";
import type {
  Actuator,
  Anomaly,
  BoardView,
  Decision,
  NodeSample,
  PolicyState,
} from "../../../runtime/autoscale/mod.ts";
import type { ActorClient } from "../../../runtime/actor/mod.ts";
import { DomainError } from "../../../runtime/core/mod.ts";
import type { ScaleTrigger } from "./events.ts";
import { AUTOSCALE, AUTOSCALE_STREAM, AutoscaleErrorCode } from "./types.ts";
import type {
  AutoscaleCommand,
  AutoscaleSettings,
  AutoscaleState,
  ManualScaleResult,
  Predictions,
  Recommendations,
  SupervisorStatus,
} from "./types.ts";

/** Options of an {@linkcode AutoscaleSupervisor}. */
export interface AutoscaleSupervisorOptions {
  nodeId: string;
  settings: AutoscaleSettings;
  /** Where its events go (the cluster router in distributed mode). */
  client: ActorClient;
  /** Null: decisions only (current = the nodes reporting). */
  actuator: Actuator | null;
  /** Epoch ms (default `Date.now`). */
  clock?: () => number;
  /** Called when an error is swallowed (a record or actuation that failed). */
  onError?: (error: unknown) => void;
  /** False: no timer, the caller calls `evaluate()` (tests). Default true. */
  timer?: boolean;
}

/**
 * A decision is recorded when it acts or its outcome (current, desired)
 * changes; when only what holds it changes, at most every ten intervals
 * (a metric hovering at a rounding edge would otherwise write one a
 * second); and at least every five minutes.
 */
const HEARTBEAT_MS = 5 * 60_000;
const WHY_GAP_INTERVALS = 10;
/** Most forecast points a prediction answers with. */
const MAX_POINTS = 120;

/**
 * The supervisor of one node. `activate()` when this node holds the lease
 * (embedded: at once), `deactivate()` when it loses it. While active it
 * takes samples (`accept`), evaluates every interval, records its
 * decisions (`autoscale.decided`: every action, every changed outcome), and — in mode `on` — acts through the
 * actuator (`autoscale.scaled` / `autoscale.failed`), one action at a time.
 * On activation it resumes the cooldown and a manual hold from its stream,
 * and starts a fresh stabilization window: it scales in only after it has
 * watched a whole one.
 *
 * @example
 * ```ts
 * const supervisor = new AutoscaleSupervisor({ nodeId, settings, client, actuator });
 * await supervisor.activate();
 * supervisor.accept(sample);
 * await supervisor.deactivate();
 * ```
 */
export class AutoscaleSupervisor {
  readonly nodeId: string;
  readonly settings: AutoscaleSettings;
  readonly actuator: Actuator | null;
  readonly #client: ActorClient;
  readonly #clock: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #useTimer: boolean;
  #active = false;
  #timer: ReturnType<typeof setInterval> | null = null;
  #evaluating: Promise<void> | null = null;
  #actuation: Promise<void> = Promise.resolve();
  #actions = 0;
  #board!: SampleBoard;
  #forecaster!: RateForecaster;
  #anomalies = new AnomalyDetector();
  #policy!: PolicyState;
  #view: BoardView | null = null;
  #decision: Decision | null = null;
  #recorded: { outcome: string; why: string; at: number } | null = null;
  #replicas: number | null = null;
  #manualHoldUntil: number | null = null;

  constructor(options: AutoscaleSupervisorOptions) {
    if (options.settings.mode === AutoscaleModes.off) {
      throw new RangeError("An autoscale supervisor does not run when off");
    }
    this.nodeId = options.nodeId;
    this.settings = options.settings;
    this.actuator = options.actuator;
    this.#client = options.client;
    this.#clock = options.clock ?? Date.now;
    this.#onError = options.onError ??
      ((error) => console.error("Autoscale supervisor:", error));
    this.#useTimer = options.timer ?? true;
    this.#reset();
  }

  /** True while this supervisor is the cluster's active one. */
  get active(): boolean {
    return this.#active;
  }

  /** Becomes the active supervisor: resumes from its stream, then evaluates every interval. */
  async activate(): Promise<void> {
    if (this.#active) return;
    this.#reset();
    this.#active = true;
    let lastActionAt: number | null = null;
    try {
      const { state } = await this.#client.read<AutoscaleState>(
        AUTOSCALE,
        AUTOSCALE_STREAM,
      );
      if (state?.lastActionAt) lastActionAt = Date.parse(state.lastActionAt);
      if (state?.manualHoldUntil) {
        this.#manualHoldUntil = Date.parse(state.manualHoldUntil);
      }
      this.#replicas = state?.replicas ?? null;
    } catch (error) {
      this.#onError(error);
    }
    this.#policy = initialPolicyState(this.#clock(), lastActionAt);
    if (!this.#active || !this.#useTimer) return;
    this.#timer = setInterval(() => {
      this.#evaluating ??= this.evaluate()
        .then(() => {}, (error) => this.#onError(error))
        .finally(() => this.#evaluating = null);
    }, this.settings.intervalMs);
  }

  /**
   * Stops evaluating (the lease went elsewhere, or the node stops). An
   * action in hand is waited for at most `waitMs` (a node start may take
   * longer than a pod's grace period); its outcome is still recorded.
   */
  async deactivate(waitMs = 5_000): Promise<void> {
    this.#active = false;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#evaluating;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#actuation,
      new Promise((resolve) => timer = setTimeout(resolve, waitMs)),
    ]);
    clearTimeout(timer);
  }

  /** Takes a node's sample. */
  accept(sample: NodeSample): void {
    this.#board.put(sample);
  }

  /** One evaluation (the timer's; tests call it with their own clock). */
  async evaluate(): Promise<Decision> {
    const now = this.#clock();
    const view = this.#board.view(now);
    let current: number;
    try {
      current = this.actuator
        ? await this.actuator.current({ signal: AbortSignal.timeout(10_000) })
        : Math.max(1, view.fresh.length);
      this.#replicas = current;
    } catch (error) {
      return await this.#conclude(now, view, {
        at: now,
        current: this.#replicas ?? 0,
        desired: this.#replicas ?? 0,
        recommendation: this.#replicas ?? 0,
        action: "hold",
        reasons: [],
        forecast: null,
        held: `the ${this.actuator!.name} actuator did not answer: ${
          error instanceof Error ? error.message : String(error)
        }`,
        limits: [],
      });
    }
    const complete = view.stale.length === 0 && view.fresh.length > 0;
    const band = complete ? this.#forecaster.expected(this.#anomalies.k) : null;
    if (complete) {
      this.#forecaster.observe(now, view.metrics.totalCommandRate);
      this.#anomalies.observe(now, view.metrics, band);
    }
    const accuracy = this.#forecaster.accuracy(now);
    const { decision, state } = decide(this.settings.policy, this.#policy, {
      now,
      current,
      values: view.metrics.values,
      missing: view.metrics.missing,
      stale: view.stale,
      reporting: view.fresh.length,
      forecast: {
        rate: this.#forecaster.model.forecast(this.#forecaster.horizonSteps),
        currentRate: view.metrics.totalCommandRate,
        mape: accuracy.mape,
        points: accuracy.points,
      },
      manualHoldUntil: this.#manualHoldUntil,
      acting: this.#actions > 0,
    });
    this.#policy = state;
    await this.#conclude(now, view, decision);
    if (
      this.settings.mode === AutoscaleModes.on && this.actuator &&
      decision.action !== "hold" && this.#active
    ) {
      this.#actuate(current, decision.desired, "automatic");
    }
    return decision;
  }

  /**
   * Sets the replica count by hand (validated and recorded first), then acts
   * in the background; automatic actions wait until the hold ends (the
   * longer of the cooldown and the stabilization window).
   */
  async manualScale(
    request: { replicas: number; reason: string; by: string },
  ): Promise<ManualScaleResult> {
    if (!this.actuator) {
      throw new DomainError(
        AutoscaleErrorCode.NO_ACTUATOR,
        "No actuator is configured (TMS_AUTOSCALE_ACTUATOR): nothing can be scaled",
      );
    }
    const current = await this.actuator.current();
    const { policy } = this.settings;
    const now = this.#clock();
    const holdUntil = now + Math.max(policy.cooldownMs, policy.stabilizationMs);
    await this.#record({
      type: "scale_manually",
      replicas: request.replicas,
      reason: request.reason,
      by: request.by,
      current,
      minReplicas: policy.minReplicas,
      maxReplicas: policy.maxReplicas,
      holdUntil: new Date(holdUntil).toISOString(),
      at: new Date(now).toISOString(),
    }, true);
    this.#manualHoldUntil = holdUntil;
    this.#actuate(current, request.replicas, "manual");
    return {
      from: current,
      to: request.replicas,
      holdUntil: new Date(holdUntil).toISOString(),
    };
  }

  /** What the status endpoint shows. */
  status(): SupervisorStatus {
    const now = this.#clock();
    const view = this.#view ?? this.#board.view(now);
    const accuracy = this.#forecaster.accuracy(now);
    const { policy } = this.settings;
    return {
      mode: this.settings.mode,
      supervisor: this.nodeId,
      actuator: this.actuator?.name ?? null,
      replicas: this.#replicas,
      desired: this.#decision?.desired ?? null,
      minReplicas: policy.minReplicas,
      maxReplicas: policy.maxReplicas,
      targets: policy.targets,
      intervalMs: this.settings.intervalMs,
      stabilizationMs: policy.stabilizationMs,
      cooldownMs: policy.cooldownMs,
      nodes: view.fresh.map((s) => ({ ...s, ageMs: now - s.at })),
      staleNodes: view.stale,
      lastDecision: this.#decision,
      forecast: {
        ...accuracy,
        horizonMs: policy.forecastHorizonMs,
        trusted: accuracy.mape !== null &&
          accuracy.points >= policy.forecastMinPoints &&
          accuracy.mape <= policy.forecastMaxMape,
        seasonal: this.#forecaster.model.seasonal,
        observations: this.#forecaster.model.observations,
      },
      manualHoldUntil: iso(this.#manualHoldUntil),
      lastActionAt: iso(this.#policy.lastActionAt),
      actuating: this.#actions > 0,
    };
  }

  /** The command rate forecast up to `horizonMs` ahead (at most 120 points). */
  predictions(horizonMs: number): Predictions {
    const now = this.#clock();
    const interval = this.settings.intervalMs;
    const steps = Math.max(1, Math.ceil(horizonMs / interval));
    const every = Math.ceil(steps / MAX_POINTS);
    const points = this.#forecaster.forecast(steps)
      .filter((p) => p.steps % every === 0 || p.steps === steps)
      .map((p) => ({
        at: new Date(now + p.steps * interval).toISOString(),
        rate: round(p.value),
        low: round(p.low),
        high: round(p.high),
      }));
    return {
      at: new Date(now).toISOString(),
      intervalMs: interval,
      horizonMs,
      currentRate: round(this.#view?.metrics.totalCommandRate ?? 0),
      accuracy: this.#forecaster.accuracy(now),
      points,
    };
  }

  /** The latest decision and the recommendations its stabilization window holds. */
  recommendations(): Recommendations {
    return {
      decision: this.#decision,
      window: this.#policy.recommendations.map((r) => ({
        at: new Date(r.at).toISOString(),
        replicas: r.replicas,
      })),
    };
  }

  /** Anomalies found while active, newest first. */
  anomalies(): Anomaly[] {
    return this.#anomalies.list();
  }

  /** Waits for the action in hand (tests). */
  settled(): Promise<void> {
    return this.#actuation;
  }

  #reset(): void {
    const { intervalMs, policy, seasonMs } = this.settings;
    this.#board = new SampleBoard({
      staleAfterMs: 2 * intervalMs,
      forgetAfterMs: 10 * intervalMs,
    });
    this.#forecaster = new RateForecaster({
      period: Math.max(2, Math.round(seasonMs / intervalMs)),
      horizonSteps: Math.max(
        1,
        Math.ceil(policy.forecastHorizonMs / intervalMs),
      ),
    });
    this.#anomalies = new AnomalyDetector();
    this.#policy = initialPolicyState(this.#clock());
    this.#view = null;
    this.#decision = null;
    this.#recorded = null;
  }

  async #conclude(
    now: number,
    view: BoardView,
    decision: Decision,
  ): Promise<Decision> {
    this.#view = view;
    this.#decision = decision;
    const outcome = [decision.action, decision.current, decision.desired]
      .join("|");
    // What held or bounded it, without the numbers that change every time.
    const why = [decision.held, ...decision.limits]
      .map((text) => text?.split(/:| until| \d/)[0]).join("|");
    const last = this.#recorded;
    if (
      !last || decision.action !== "hold" || last.outcome !== outcome ||
      (last.why !== why &&
        now - last.at >= WHY_GAP_INTERVALS * this.settings.intervalMs) ||
      now - last.at >= HEARTBEAT_MS
    ) {
      this.#recorded = { outcome, why, at: now };
      await this.#record({
        type: "record_decision",
        decision,
        mode: this.settings.mode,
        nodes: view.fresh.length,
        at: new Date(now).toISOString(),
      });
    }
    return decision;
  }

  /** Queues one action; its outcome is recorded and starts the cooldown. */
  #actuate(from: number, to: number, trigger: ScaleTrigger): void {
    const actuator = this.actuator!;
    this.#actions++;
    this.#actuation = this.#actuation.then(async () => {
      const started = this.#clock();
      try {
        const result = await actuator.scale(to, { keep: this.nodeId });
        for (const node of result.removed ?? []) this.#board.forget(node);
        const at = this.#clock();
        this.#policy = recordAction(this.#policy, at, from, result.replicas);
        this.#replicas = result.replicas;
        await this.#record({
          type: "record_scaled",
          from,
          to: result.replicas,
          actuator: actuator.name,
          trigger,
          durationMs: at - started,
          at: new Date(at).toISOString(),
        });
      } catch (error) {
        const at = this.#clock();
        this.#policy = recordAction(this.#policy, at, from, to, false);
        await this.#record({
          type: "record_failed",
          from,
          to,
          actuator: actuator.name,
          trigger,
          error: error instanceof Error ? error.message : String(error),
          at: new Date(at).toISOString(),
        });
      } finally {
        this.#actions--;
      }
    });
  }

  /** Records an event; only a manual scale's refusal reaches the caller. */
  async #record(command: AutoscaleCommand, rethrow = false): Promise<void> {
    try {
      await this.#client.ask(AUTOSCALE, AUTOSCALE_STREAM, command, {
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      if (rethrow) throw error;
      this.#onError(error);
    }
  }
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
