/**
 * The autoscaler on one node: its sampler, its supervisor (active while it
 * holds the lease; always when embedded), and the API's view of them —
 * answered here when this node's supervisor is the active one, else asked
 * of the active one over NATS.
 */
import type { NatsConnection, Subscription } from "../../../deps.ts";
import {
  autoscaleMetrics,
  AutoscaleModes,
  NodeSampler,
  openSupervisorBucket,
  SupervisorLease,
} from "../../../runtime/autoscale/mod.ts";
import type {
  Actuator,
  Anomaly,
  NodeSample,
  SamplerSources,
} from "../../../runtime/autoscale/mod.ts";
import type { ActorClient } from "../../../runtime/actor/mod.ts";
import {
  autoscaleSampleSubject,
  AutoscaleSubjects,
  decodeError,
  DomainError,
  encodeError,
  SupervisorKeys,
  UnavailableError,
} from "../../../runtime/core/mod.ts";
import type { EventLog, WireError } from "../../../runtime/core/mod.ts";
import { jetstream } from "../../../deps.ts";
import { costOf, decisionLog } from "./queries.ts";
import type { CostReport, DecisionLogPage } from "./queries.ts";
import { AutoscaleSupervisor } from "./supervisor.ts";
import type {
  AutoscaleSettings,
  ManualScaleResult,
  Predictions,
  Recommendations,
  SupervisorStatus,
} from "./types.ts";
import { AUTOSCALE, AUTOSCALE_STREAM, AutoscaleErrorCode } from "./types.ts";

/** The status endpoint's answer: the active supervisor's, or the settings when off. */
export type AutoscaleStatus =
  | (SupervisorStatus & { active: true })
  | {
    mode: "off";
    active: false;
    minReplicas: number;
    maxReplicas: number;
  };

/** What the API asks of the autoscaler. */
export interface AutoscaleApi {
  status(): Promise<AutoscaleStatus>;
  predictions(horizonMs: number): Promise<Predictions>;
  recommendations(): Promise<Recommendations>;
  anomalies(): Promise<Anomaly[]>;
  scale(
    request: { replicas: number; reason: string; by: string },
  ): Promise<ManualScaleResult>;
  decisions(page: { before?: number; limit: number }): Promise<DecisionLogPage>;
  cost(period: { from: number; to: number }): Promise<CostReport>;
}

/** Options of {@linkcode AutoscaleNode.start}. */
export interface AutoscaleNodeOptions {
  nodeId: string;
  settings: AutoscaleSettings;
  /** Where the supervisor's events go and are read (the router in a cluster). */
  client: ActorClient;
  /** The log the decision log and the cost are read from. */
  log: EventLog;
  sources: SamplerSources;
  /** Null: the supervisor decides but cannot act. */
  actuator: Actuator | null;
  /** Distributed: samples and API requests over NATS, one active supervisor by lease. */
  nats?: { nc: NatsConnection; replicas: number; leaseTtlMs: number };
}

type ControlRequest =
  | { op: "status" | "recommendations" | "anomalies" }
  | { op: "predictions"; horizonMs: number }
  | { op: "scale"; replicas: number; reason: string; by: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * One node's autoscaler. Off: nothing runs and the API says so. Otherwise
 * the sampler reports every interval — over NATS
 * (`tms.autoscale.sample.<node>`) in a cluster, straight to the supervisor
 * embedded — and the supervisor runs while this node holds the lease
 * `autoscale` of `tms_supervisors`; the active one alone listens on
 * `tms.autoscale.sample.*` and answers `tms.autoscale.control`.
 *
 * @example
 * ```ts
 * const autoscale = await AutoscaleNode.start({ nodeId, settings, client, log, sources, actuator: null });
 * autoscale.measure(12.5); // one ask's milliseconds
 * await autoscale.status();
 * await autoscale.stop();
 * ```
 */
export class AutoscaleNode implements AutoscaleApi {
  readonly settings: AutoscaleSettings;
  readonly supervisor: AutoscaleSupervisor | null;
  readonly sampler: NodeSampler | null;
  readonly #options: AutoscaleNodeOptions;
  #lease: SupervisorLease | null = null;
  #subscriptions: Subscription[] = [];
  #changing: Promise<void> = Promise.resolve();
  #stopped = false;

  private constructor(options: AutoscaleNodeOptions) {
    this.#options = options;
    this.settings = options.settings;
    if (options.settings.mode === AutoscaleModes.off) {
      this.supervisor = null;
      this.sampler = null;
      return;
    }
    const supervisor = new AutoscaleSupervisor({
      nodeId: options.nodeId,
      settings: options.settings,
      client: options.client,
      actuator: options.actuator,
    });
    this.supervisor = supervisor;
    const nc = options.nats?.nc;
    this.sampler = new NodeSampler({
      nodeId: options.nodeId,
      intervalMs: options.settings.intervalMs,
      sources: options.sources,
      publish: nc
        ? (sample) =>
          nc.publish(
            autoscaleSampleSubject(options.nodeId),
            encoder.encode(JSON.stringify(sample)),
          )
        : (sample) => supervisor.accept(sample),
    });
  }

  /**
   * An autoscaler that is off, for an edge without one: it answers its
   * status and reads the decision log and cost from `log`.
   */
  static off(
    options: Pick<AutoscaleNodeOptions, "client" | "log"> & {
      policy: AutoscaleSettings["policy"];
    },
  ): AutoscaleNode {
    return new AutoscaleNode({
      nodeId: "off",
      settings: {
        mode: AutoscaleModes.off,
        intervalMs: 15_000,
        seasonMs: 86_400_000,
        policy: options.policy,
      },
      client: options.client,
      log: options.log,
      sources: {
        actors: () => ({
          commands: 0,
          active: 0,
          queued: 0,
          maxMailboxDepth: 0,
        }),
      },
      actuator: null,
    });
  }

  /** Starts sampling and, embedded, the supervisor; in a cluster, the lease. */
  static async start(options: AutoscaleNodeOptions): Promise<AutoscaleNode> {
    const node = new AutoscaleNode(options);
    if (!node.supervisor) return node;
    node.sampler!.start();
    const nats = options.nats;
    if (!nats) {
      await node.supervisor.activate();
      return node;
    }
    const kv = await openSupervisorBucket(jetstream(nats.nc), {
      ttlMs: nats.leaseTtlMs,
      replicas: nats.replicas,
    });
    node.#lease = new SupervisorLease({
      kv,
      key: SupervisorKeys.autoscale,
      nodeId: options.nodeId,
      ttlMs: nats.leaseTtlMs,
      onChange: (active) => node.#switch(active),
    });
    await node.#lease.start();
    return node;
  }

  /** Notes one ask the edge timed (for the p99). */
  measure(ms: number): void {
    this.sampler?.latency.record(ms);
  }

  /** The `tms_autoscale_*` lines of `/metrics`. */
  metrics(): string {
    const s = this.supervisor;
    const active = s !== null && s.active;
    const status = active ? s.status() : null;
    return autoscaleMetrics({
      mode: this.settings.mode,
      active,
      replicas: status?.replicas,
      desired: status?.desired,
      minReplicas: this.settings.policy.minReplicas,
      maxReplicas: this.settings.policy.maxReplicas,
      forecastMape: status?.forecast.mape,
    });
  }

  async status(): Promise<AutoscaleStatus> {
    if (!this.supervisor) {
      return {
        mode: AutoscaleModes.off,
        active: false,
        minReplicas: this.settings.policy.minReplicas,
        maxReplicas: this.settings.policy.maxReplicas,
      };
    }
    return await this.#ask({ op: "status" });
  }

  async predictions(horizonMs: number): Promise<Predictions> {
    if (!this.supervisor) {
      // Off: no forecast, rather than an error for a read.
      return {
        at: new Date().toISOString(),
        intervalMs: this.settings.intervalMs,
        horizonMs,
        currentRate: 0,
        accuracy: {
          mape: null,
          points: 0,
          horizonSteps: 0,
          windowMs: 3_600_000,
        },
        points: [],
      };
    }
    return await this.#ask({ op: "predictions", horizonMs });
  }

  async recommendations(): Promise<Recommendations> {
    if (!this.supervisor) return { decision: null, window: [] };
    return await this.#ask({ op: "recommendations" });
  }

  async anomalies(): Promise<Anomaly[]> {
    if (!this.supervisor) return [];
    return await this.#ask({ op: "anomalies" });
  }

  async scale(
    request: { replicas: number; reason: string; by: string },
  ): Promise<ManualScaleResult> {
    return await this.#ask({ op: "scale", ...request });
  }

  async decisions(
    page: { before?: number; limit: number },
  ): Promise<DecisionLogPage> {
    const { version } = await this.#options.client.read(
      AUTOSCALE,
      AUTOSCALE_STREAM,
    );
    return await decisionLog(this.#options.log, version, page);
  }

  async cost(period: { from: number; to: number }): Promise<CostReport> {
    const commits = await this.#options.log.readStream(
      AUTOSCALE,
      AUTOSCALE_STREAM,
      0,
    );
    return costOf(commits, period);
  }

  /** Stops the supervisor (releasing the lease) and the sampler (saying goodbye). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#lease?.stop();
    await this.#changing;
    await this.#switch(false);
    await this.sampler?.stop();
  }

  /** Answers locally when this supervisor is active, else asks the active one. */
  async #ask<T>(request: ControlRequest): Promise<T> {
    const supervisor = this.supervisor;
    if (!supervisor) {
      throw new DomainError(
        AutoscaleErrorCode.OFF,
        "The autoscaler is off (TMS_AUTOSCALE=off)",
      );
    }
    if (supervisor.active) return await this.#answer(request) as T;
    const nc = this.#options.nats?.nc;
    if (!nc) throw new UnavailableError("The autoscaler is starting");
    let reply: { ok: T } | { error: WireError };
    try {
      const msg = await nc.request(
        AutoscaleSubjects.control,
        encoder.encode(JSON.stringify(request)),
        { timeout: 10_000 },
      );
      reply = JSON.parse(decoder.decode(msg.data));
    } catch (error) {
      throw new UnavailableError(
        "No autoscale supervisor is active right now (the lease is moving)",
        { retryAfter: 2, cause: error },
      );
    }
    if ("error" in reply) throw decodeError(reply.error);
    return reply.ok;
  }

  async #answer(request: ControlRequest): Promise<unknown> {
    const supervisor = this.supervisor!;
    switch (request.op) {
      case "status":
        return { ...supervisor.status(), active: true };
      case "predictions":
        return supervisor.predictions(request.horizonMs);
      case "recommendations":
        return supervisor.recommendations();
      case "anomalies":
        return supervisor.anomalies();
      case "scale":
        return await supervisor.manualScale(request);
    }
  }

  /** The lease came or went: start or stop supervising (one change at a time). */
  #switch(active: boolean): Promise<void> {
    this.#changing = this.#changing.then(async () => {
      const supervisor = this.supervisor!;
      const nc = this.#options.nats?.nc;
      if (active && !this.#stopped) {
        await supervisor.activate();
        if (!nc) return;
        this.#subscriptions = [
          nc.subscribe(`${AutoscaleSubjects.samplePrefix}.*`, {
            callback: (error, msg) => {
              if (error) return;
              try {
                supervisor.accept(
                  JSON.parse(decoder.decode(msg.data)) as NodeSample,
                );
              } catch {
                // not a sample
              }
            },
          }),
          nc.subscribe(AutoscaleSubjects.control, {
            callback: (error, msg) => {
              if (error) return;
              void this.#serve(msg.data).then((reply) => {
                try {
                  msg.respond(encoder.encode(JSON.stringify(reply)));
                } catch {
                  // the asker is gone
                }
              });
            },
          }),
        ];
      } else if (!active) {
        for (const sub of this.#subscriptions) sub.unsubscribe();
        this.#subscriptions = [];
        await supervisor.deactivate();
      }
    }).catch((error) => console.error("Autoscale supervisor:", error));
    return this.#changing;
  }

  async #serve(data: Uint8Array): Promise<unknown> {
    try {
      const request = JSON.parse(decoder.decode(data)) as ControlRequest;
      if (!this.supervisor?.active) {
        throw new UnavailableError("This supervisor is no longer active", {
          retryAfter: 1,
        });
      }
      return { ok: await this.#answer(request) };
    } catch (error) {
      return { error: encodeError(error) };
    }
  }
}
