/**
 * The `webhook_outbox` projection: folds the feed into the webhook outbox
 * (`runtime/webhook`) — each subscription as of each commit, and for every
 * integration event one delivery per subscription of its bedrift that was
 * active then and names its type. Feed order decides, so a subscription
 * gets exactly the events committed while it was active. It runs in the
 * node's projection engine (one projector per cluster), but it is not a
 * read model: `deno task rebuild` leaves it alone, since a rebuild would
 * send every past event again; and a fresh outbox (a new store) folds the
 * subscriptions from the whole feed but delivers only what was committed
 * after it began (`outboxSince`).
 */
import type { Commit, EventLog } from "../../runtime/core/mod.ts";
import type { Projection } from "../../runtime/projection/mod.ts";
import type { SqlExecutor } from "../../runtime/sql/mod.ts";
import {
  enqueueDeliveries,
  loadTargets,
  outboxSince,
  saveTargets,
  WEBHOOK_OUTBOX_MIGRATIONS,
  WEBHOOK_OUTBOX_TABLES,
} from "../../runtime/webhook/mod.ts";
import type {
  OutboxDelivery,
  OutboxTarget,
} from "../../runtime/webhook/mod.ts";
import { INTEGRATION_MAPPINGS } from "../integration/mod.ts";
import { OutboundMapper } from "../outbound/mod.ts";
import type { OutboundMessage } from "../outbound/mod.ts";
import { WEBHOOK_EVENT_TYPES } from "./events.ts";
import type { WebhookEvent } from "./events.ts";
import { ALL_EVENT_TYPES, WEBHOOK } from "./types.ts";

/** Name of the projection (and of its checkpoint). */
export const WEBHOOK_OUTBOX_PROJECTION = "webhook_outbox";

/** The first events of the streams whose later events need their origin. */
const ORIGIN_TYPES = ["invoice.drafted", "kontroll.created", "employee.hired"];

function fold(
  target: OutboxTarget | null,
  commit: Commit,
  event: WebhookEvent,
): OutboxTarget | null {
  if (event.type === "webhook.created") {
    const d = event.data;
    return {
      id: commit.id,
      tenant: d.bedriftId,
      url: d.url,
      eventTypes: d.eventTypes,
      secret: d.secret,
      active: true,
      version: commit.version,
    };
  }
  if (target === null) return null;
  const next = { ...target, version: commit.version };
  switch (event.type) {
    case "webhook.updated":
      if (event.data.url !== undefined) next.url = event.data.url;
      if (event.data.eventTypes !== undefined) {
        next.eventTypes = event.data.eventTypes;
      }
      return next;
    case "webhook.disabled":
    case "webhook.deleted":
      return { ...next, active: false };
    case "webhook.enabled":
      return { ...next, active: true };
    case "webhook.secret_rotated":
      return { ...next, secret: event.data.secret };
  }
  return next;
}

function wants(target: OutboxTarget, message: OutboundMessage): boolean {
  return target.active && target.tenant === message.audience.tenant &&
    (target.eventTypes.includes(ALL_EVENT_TYPES) ||
      target.eventTypes.includes(message.type));
}

/** The outbox projection over `log` (for the stream origins the mapping needs). */
export function webhookOutboxProjection(
  log: EventLog,
  options: { source?: string } = {},
): Projection {
  const mapper = new OutboundMapper({ log, source: options.source });
  return {
    name: WEBHOOK_OUTBOX_PROJECTION,
    eventTypes: [
      ...WEBHOOK_EVENT_TYPES,
      ...new Set([...Object.keys(INTEGRATION_MAPPINGS), ...ORIGIN_TYPES]),
    ],
    tables: WEBHOOK_OUTBOX_TABLES,
    migrations: WEBHOOK_OUTBOX_MIGRATIONS,
    async apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
      const since = await outboxSince(tx);
      const targets = new Map(
        (await loadTargets(tx)).map((t) => [t.id, t] as const),
      );
      const changed = new Map<string, OutboxTarget>();
      const deliveries: OutboxDelivery[] = [];
      for (const commit of commits) {
        if (commit.type === WEBHOOK) {
          let target = targets.get(commit.id) ?? null;
          if (target && target.version >= commit.version) continue;
          for (const event of commit.events as WebhookEvent[]) {
            target = fold(target, commit, event);
          }
          if (target) {
            targets.set(commit.id, target);
            changed.set(commit.id, target);
          }
          continue;
        }
        const active = [...targets.values()].filter((t) => t.active);
        if (active.length === 0 || commit.timestamp < since) {
          mapper.observe([commit]);
          continue;
        }
        for (const message of await mapper.map([commit])) {
          if (!message.integration) continue;
          for (const target of active) {
            if (!wants(target, message)) continue;
            deliveries.push({
              webhookId: target.id,
              position: message.position,
              index: message.index,
              type: message.type,
              body: message.body,
            });
          }
        }
      }
      await saveTargets(tx, [...changed.values()]);
      await enqueueDeliveries(tx, deliveries);
    },
  };
}
