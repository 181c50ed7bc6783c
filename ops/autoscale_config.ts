/**
 * The autoscaler's configuration: its environment variables (part of the
 * node's `CONFIG_ENV`), their defaults and checks, and the actuator they
 * name. A bad value is a `RangeError` naming the variable.
 */
import type { AutoscaleSettings } from "../actors/supervisors/autoscale/mod.ts";
import {
  AutoscaleModes,
  DEFAULT_TARGETS,
  defaultPolicyConfig,
  isAutoscaleMode,
  isMetric,
  KubernetesActuator,
  LocalActuator,
} from "../runtime/autoscale/mod.ts";
import type { Actuator, Targets } from "../runtime/autoscale/mod.ts";
import type { NatsConnection } from "../deps.ts";
import type { EnvSpec } from "./cli.ts";

/** What scales the cluster (`TMS_AUTOSCALE_ACTUATOR`). */
export const ActuatorKinds = {
  none: "none",
  local: "local",
  kubernetes: "kubernetes",
} as const;
export type ActuatorKind = typeof ActuatorKinds[keyof typeof ActuatorKinds];

/** The autoscaler's configuration. */
export interface AutoscaleConfig {
  settings: AutoscaleSettings;
  actuator: ActuatorKind;
  kubernetes: { deployment: string; namespace?: string; kubeconfig?: string };
}

const DEFAULT_TARGETS_TEXT = Object.entries(DEFAULT_TARGETS)
  .map(([metric, value]) => `${metric}=${value}`).join(",");

/** The autoscaler's variables, in the README's order. */
export const AUTOSCALE_ENV: EnvSpec[] = [
  {
    name: "TMS_AUTOSCALE",
    default: "off",
    description:
      "off; recommend: sample, forecast, decide and record; on: act through the actuator too",
  },
  {
    name: "TMS_AUTOSCALE_ACTUATOR",
    default: "none",
    description:
      "none; local: deno task cluster --autoscale's processes; kubernetes: the Deployment's scale subresource",
  },
  { name: "TMS_AUTOSCALE_MIN", default: "1", description: "fewest replicas" },
  { name: "TMS_AUTOSCALE_MAX", default: "10", description: "most replicas" },
  {
    name: "TMS_AUTOSCALE_TARGETS",
    default: DEFAULT_TARGETS_TEXT,
    description:
      "metric=target pairs (cpu, latencyP99Ms, mailboxMax, commandRate, eventLoopDelayMs, consumerLag, projectionLagMs)",
  },
  {
    name: "TMS_AUTOSCALE_INTERVAL_MS",
    default: "15000",
    description: "sample and evaluation interval",
  },
  {
    name: "TMS_AUTOSCALE_STABILIZATION_MS",
    default: "300000",
    description: "a scale-in takes the highest recommendation of this window",
  },
  {
    name: "TMS_AUTOSCALE_COOLDOWN_MS",
    default: "30000",
    description: "no automatic action this long after the last",
  },
  {
    name: "TMS_AUTOSCALE_FORECAST_HORIZON_MS",
    default: "300000",
    description: "how far ahead a trusted forecast may pull a scale-up",
  },
  {
    name: "TMS_AUTOSCALE_SEASON_MS",
    default: "86400000",
    description: "the forecast's season (Holt-Winters period)",
  },
  {
    name: "TMS_AUTOSCALE_KUBE_DEPLOYMENT",
    default: "tms",
    description: "the Deployment the kubernetes actuator scales",
  },
  {
    name: "TMS_AUTOSCALE_KUBE_NAMESPACE",
    default: "<the pod's>",
    description: "its namespace",
  },
  {
    name: "KUBECONFIG",
    description:
      "outside a pod: the kubeconfig the kubernetes actuator uses (its current context)",
  },
];

function positive(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min = 1,
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  }
  return value;
}

/** Parses `cpu=0.7,latencyP99Ms=50` (every value a positive number). */
export function parseTargets(text: string): Targets {
  const targets: Targets = {};
  for (const pair of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [metric, raw, extra] = pair.split("=");
    const value = Number(raw);
    if (
      extra !== undefined || !isMetric(metric) || !(value > 0) ||
      !Number.isFinite(value)
    ) {
      throw new RangeError(
        `TMS_AUTOSCALE_TARGETS: "${pair}" is not metric=positive number (metrics: cpu, latencyP99Ms, mailboxMax, commandRate, eventLoopDelayMs, consumerLag, projectionLagMs)`,
      );
    }
    targets[metric] = value;
  }
  if (Object.keys(targets).length === 0) {
    throw new RangeError("TMS_AUTOSCALE_TARGETS names no target");
  }
  return targets;
}

/** Reads the autoscaler's variables. */
export function autoscaleConfigFromEnv(
  env: Record<string, string | undefined>,
): AutoscaleConfig {
  const mode = env.TMS_AUTOSCALE || AutoscaleModes.off;
  if (!isAutoscaleMode(mode)) {
    throw new RangeError(
      `TMS_AUTOSCALE must be off, recommend or on, got "${mode}"`,
    );
  }
  const actuator = env.TMS_AUTOSCALE_ACTUATOR || ActuatorKinds.none;
  if (!Object.hasOwn(ActuatorKinds, actuator)) {
    throw new RangeError(
      `TMS_AUTOSCALE_ACTUATOR must be none, local or kubernetes, got "${actuator}"`,
    );
  }
  if (mode === AutoscaleModes.on && actuator === ActuatorKinds.none) {
    throw new RangeError(
      "TMS_AUTOSCALE=on needs TMS_AUTOSCALE_ACTUATOR (local or kubernetes); recommend decides without one",
    );
  }
  const minReplicas = positive(env, "TMS_AUTOSCALE_MIN", 1);
  const maxReplicas = positive(env, "TMS_AUTOSCALE_MAX", 10);
  if (maxReplicas < minReplicas) {
    throw new RangeError(
      `TMS_AUTOSCALE_MAX (${maxReplicas}) is below TMS_AUTOSCALE_MIN (${minReplicas})`,
    );
  }
  return {
    settings: {
      mode,
      intervalMs: positive(env, "TMS_AUTOSCALE_INTERVAL_MS", 15_000, 100),
      seasonMs: positive(env, "TMS_AUTOSCALE_SEASON_MS", 86_400_000),
      policy: defaultPolicyConfig({
        minReplicas,
        maxReplicas,
        targets: env.TMS_AUTOSCALE_TARGETS
          ? parseTargets(env.TMS_AUTOSCALE_TARGETS)
          : { ...DEFAULT_TARGETS },
        stabilizationMs: positive(
          env,
          "TMS_AUTOSCALE_STABILIZATION_MS",
          300_000,
          0,
        ),
        cooldownMs: positive(env, "TMS_AUTOSCALE_COOLDOWN_MS", 30_000, 0),
        forecastHorizonMs: positive(
          env,
          "TMS_AUTOSCALE_FORECAST_HORIZON_MS",
          300_000,
        ),
      }),
    },
    actuator: actuator as ActuatorKind,
    kubernetes: {
      deployment: env.TMS_AUTOSCALE_KUBE_DEPLOYMENT || "tms",
      namespace: env.TMS_AUTOSCALE_KUBE_NAMESPACE || undefined,
      kubeconfig: env.KUBECONFIG || undefined,
    },
  };
}

/**
 * The actuator the configuration names: the local cluster's process
 * manager over NATS (distributed mode only), or the Kubernetes Deployment
 * (in a pod, or through `KUBECONFIG`).
 */
export async function openActuator(
  config: AutoscaleConfig,
  nc: NatsConnection | null,
): Promise<Actuator | null> {
  if (config.settings.mode === AutoscaleModes.off) return null;
  switch (config.actuator) {
    case ActuatorKinds.none:
      return null;
    case ActuatorKinds.local:
      if (!nc) {
        throw new RangeError(
          "TMS_AUTOSCALE_ACTUATOR=local needs distributed mode (TMS_NATS_URL)",
        );
      }
      return new LocalActuator(nc);
    case ActuatorKinds.kubernetes: {
      const { deployment, namespace, kubeconfig } = config.kubernetes;
      return kubeconfig
        ? await KubernetesActuator.fromKubeconfig(kubeconfig, {
          deployment,
          namespace,
        })
        : await KubernetesActuator.inCluster({ deployment, namespace });
    }
  }
}
