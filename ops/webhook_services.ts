/**
 * Webhooks wired for one node: the subscriptions' services (the SSRF rule,
 * the secrets under the personal-data key store), the outbox projection
 * that runs in the node's projection engine, and the dispatcher that sends
 * — where the outbox is one for the cluster: on an embedded node, and on
 * the projector of distributed nodes sharing PostgreSQL (it follows the
 * projector lease). Distributed nodes with a PGlite each would each send
 * every delivery, so there webhooks are accepted but not sent (readiness
 * says so).
 */
import { webhookOutboxProjection } from "../actors/webhook/mod.ts";
import type { WebhookServices } from "../actors/webhook/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import type { Projection } from "../runtime/projection/mod.ts";
import type { SqlStore } from "../runtime/sql/mod.ts";
import type { EncryptedValue, KeyStore } from "../runtime/storage/mod.ts";
import {
  countOpenDeliveries,
  WebhookDispatcher,
} from "../runtime/webhook/mod.ts";
import type { WebhookEdge } from "../http/webhooks.ts";
import type { ReadinessCheck } from "../http/mod.ts";
import type { EnvSpec } from "./cli.ts";

/** Webhook settings of a node. */
export interface WebhookConfig {
  /** How long a delivery is retried before it is dead (`TMS_WEBHOOK_RETRY_HOURS`, 24). */
  retryHours: number;
  /** Deadline of one delivery attempt (`TMS_WEBHOOK_TIMEOUT_MS`, 10 000). */
  timeoutMs: number;
  /** Loopback and private targets allowed (`TMS_WEBHOOK_ALLOW_PRIVATE=on`). */
  allowPrivate: boolean;
}

/** The webhook variables, in the README's order. */
export const WEBHOOK_ENV: EnvSpec[] = [
  {
    name: "TMS_WEBHOOK_RETRY_HOURS",
    default: "24",
    description:
      "hours a webhook delivery is retried (exponential backoff) before it is dead; fractions allowed",
  },
  {
    name: "TMS_WEBHOOK_TIMEOUT_MS",
    default: "10000",
    description: "deadline of one webhook delivery attempt",
  },
  {
    name: "TMS_WEBHOOK_ALLOW_PRIVATE",
    default: "off",
    description:
      "on: webhooks may go to loopback and private addresses (tests, closed networks)",
  },
];

/** Reads the webhook settings; a bad value is a `RangeError` naming it. */
export function webhookConfigFromEnv(
  env: Record<string, string | undefined>,
): WebhookConfig {
  const hours = env.TMS_WEBHOOK_RETRY_HOURS || "24";
  if (!/^\d+(\.\d+)?$/.test(hours) || Number(hours) <= 0) {
    throw new RangeError(
      `TMS_WEBHOOK_RETRY_HOURS must be a positive number of hours, got "${hours}"`,
    );
  }
  const timeout = env.TMS_WEBHOOK_TIMEOUT_MS || "10000";
  if (!/^[1-9]\d{0,6}$/.test(timeout)) {
    throw new RangeError(
      `TMS_WEBHOOK_TIMEOUT_MS must be a positive whole number, got "${timeout}"`,
    );
  }
  const allow = env.TMS_WEBHOOK_ALLOW_PRIVATE || "off";
  if (allow !== "on" && allow !== "off") {
    throw new RangeError(
      `TMS_WEBHOOK_ALLOW_PRIVATE must be "on" or "off", got "${allow}"`,
    );
  }
  return {
    retryHours: Number(hours),
    timeoutMs: Number(timeout),
    allowPrivate: allow === "on",
  };
}

/** The webhook services of a node. */
export interface WebhookNodeServices {
  edge: WebhookEdge;
  /** The outbox projection, for the engine (null: this node does not send). */
  projection: Projection | null;
  dispatcher: WebhookDispatcher | null;
  /** Starts sending (once the engine has made the outbox's tables). */
  start(): void;
  readiness(): Promise<ReadinessCheck>;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The node's webhooks. With `dispatch`, the outbox projection goes into the
 * engine and the dispatcher sends while `active()` (the projector role).
 */
export function openWebhookServices(options: {
  log: EventLog;
  store: SqlStore;
  keys: KeyStore;
  config: WebhookConfig;
  dispatch: boolean;
  active?: () => boolean;
}): WebhookNodeServices {
  const { config } = options;
  const services: WebhookServices = {
    keys: options.keys,
    allowPrivate: config.allowPrivate,
  };
  const dispatcher = options.dispatch
    ? new WebhookDispatcher({
      store: options.store,
      decryptSecret: (secret) => options.keys.decrypt(secret as EncryptedValue),
      retryPeriodMs: config.retryHours * 3_600_000,
      timeoutMs: config.timeoutMs,
      allowPrivate: config.allowPrivate,
      active: options.active,
      onDead: (delivery, url) =>
        console.warn(
          `Webhook delivery ${delivery.id} to ${url} (webhook ${delivery.webhookId}) is dead after ${delivery.attempts} attempts: ${delivery.lastError}`,
        ),
    })
    : null;
  const open = () =>
    dispatcher && (options.active?.() ?? true)
      ? countOpenDeliveries(options.store)
      : Promise.resolve(null);
  return {
    edge: { services, wake: () => dispatcher?.wake() },
    projection: options.dispatch ? webhookOutboxProjection(options.log) : null,
    dispatcher,
    start: () => dispatcher?.start(),
    async readiness() {
      if (!dispatcher) {
        return {
          ok: true,
          dispatching: false,
          reason:
            "distributed without a shared PostgreSQL: webhooks are accepted, not sent",
        };
      }
      const counts = await open().catch(() => null);
      return {
        ok: true,
        dispatching: options.active?.() ?? true,
        ...(counts ?? {}),
      };
    },
    async metrics() {
      if (!dispatcher) return "";
      const s = dispatcher.stats();
      const counts = await open().catch(() => null);
      return [
        ...(counts
          ? [
            "# HELP tms_webhook_deliveries Webhook deliveries waiting (pending) or given up (dead)",
            "# TYPE tms_webhook_deliveries gauge",
            `tms_webhook_deliveries{status="pending"} ${counts.pending}`,
            `tms_webhook_deliveries{status="dead"} ${counts.dead}`,
            "# HELP tms_webhook_oldest_pending_seconds Age of the oldest pending webhook delivery",
            "# TYPE tms_webhook_oldest_pending_seconds gauge",
            `tms_webhook_oldest_pending_seconds ${
              counts.oldestPendingMs / 1000
            }`,
          ]
          : []),
        "# HELP tms_webhook_attempts_total Webhook delivery attempts on this node, by outcome",
        "# TYPE tms_webhook_attempts_total counter",
        `tms_webhook_attempts_total{outcome="delivered"} ${s.delivered}`,
        `tms_webhook_attempts_total{outcome="failed"} ${s.failed}`,
        "# TYPE tms_webhook_dead_total counter",
        `tms_webhook_dead_total ${s.dead}`,
      ].join("\n") + "\n";
    },
    async stop() {
      await dispatcher?.stop();
    },
  };
}
