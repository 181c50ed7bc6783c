/**
 * @module webhook
 *
 * Outgoing webhooks, with no domain: where a delivery may go (the SSRF rule:
 * `checkWebhookUrl`, `checkWebhookTarget` with DNS, `isBlockedAddress`), how
 * it is signed (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature` = `v1,<base64 HMAC-SHA256>` over
 * `<id>.<timestamp>.<body>` with the `whsec_` secret's bytes), the outbox in
 * the read-model store (tables `webhook_targets` and `webhook_deliveries`,
 * filled by a projection the domain provides) and `WebhookDispatcher`, which
 * sends what is due with a timeout per attempt, retries with exponential
 * backoff and full jitter for a retry period, then dead-letters.
 *
 * Imports `core`, `sql`.
 */
export {
  countOpenDeliveries,
  deliveryRecord,
  DeliveryStatus,
  enqueueDeliveries,
  listDeliveries,
  loadTargets,
  outboxSince,
  readDelivery,
  requeueDead,
  saveTargets,
  WEBHOOK_OUTBOX_MIGRATIONS,
  WEBHOOK_OUTBOX_TABLES,
} from "./outbox.ts";
export type {
  DeliveryAttempt,
  DeliveryRecord,
  OutboxDelivery,
  OutboxTarget,
} from "./outbox.ts";
export {
  retryDelay,
  WebhookDispatcher,
  webhookMessageId,
} from "./dispatcher.ts";
export type {
  DispatcherStats,
  WebhookDispatcherOptions,
} from "./dispatcher.ts";
export {
  checkWebhookTarget,
  checkWebhookUrl,
  isBlockedAddress,
  MAX_WEBHOOK_URL_CHARS,
  parseIPv4,
  parseIPv6,
  WebhookUrlError,
} from "./address.ts";
export type { AddressGuardOptions } from "./address.ts";
export {
  newWebhookSecret,
  SECRET_PREFIX,
  secretBytes,
  signWebhook,
  WebhookHeaders,
} from "./signature.ts";
