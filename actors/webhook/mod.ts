/**
 * @module webhook
 *
 * Webhook subscriptions of a bedrift: a URL, the integration event types it
 * wants (or `*`), a signing secret (`whsec_…`, in the log only encrypted
 * with the subscription's own key, shredded on delete), active or
 * disabled. `createWebhook`/`updateWebhook` check where the URL points (the
 * SSRF rule of `runtime/webhook`, after DNS). The `webhooks` read model
 * lists them; the `webhook_outbox` projection enqueues one delivery per
 * integration event and subscription active at its commit, which the
 * node's `WebhookDispatcher` sends.
 */
export {
  ALL_EVENT_TYPES,
  MAX_EVENT_TYPES,
  WEBHOOK,
  WebhookErrorCode,
  WebhookStatus,
} from "./types.ts";
export type { Webhook, WebhookCommand, WebhookState } from "./types.ts";
export {
  WEBHOOK_EVENT_TYPES,
  webhookEvent,
  WebhookEventVersions,
} from "./events.ts";
export type { WebhookEvent } from "./events.ts";
export { validEventTypes, webhookActor, webhookDecider } from "./decider.ts";
export {
  checkTarget,
  createWebhook,
  deleteWebhook,
  rotateWebhookSecret,
  secretSubject,
  updateWebhook,
} from "./create.ts";
export type { CreateWebhookInput, WebhookServices } from "./create.ts";
export { WEBHOOKS_PROJECTION, webhooksProjection } from "./projection.ts";
export type { WebhookRow } from "./projection.ts";
export { listWebhooks, webhookItem } from "./queries.ts";
export type { WebhookFilter, WebhookListItem } from "./queries.ts";
export {
  WEBHOOK_OUTBOX_PROJECTION,
  webhookOutboxProjection,
} from "./outbox.ts";
