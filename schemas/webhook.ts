/**
 * Requests and answers of `/api/v<n>/webhooks`: subscriptions (never their
 * secret, but once, when made or rotated) and their delivery log.
 */
import { z } from "../deps.ts";
import { decodeCursor } from "../runtime/sql/mod.ts";
import type { CursorShape } from "../runtime/sql/mod.ts";

const id = z.string().min(1).max(100);
const instant = z.string().describe("ISO 8601 instant");
const url = z.string().min(1).max(2048).describe(
  "http or https, no credentials; loopback, private, link-local and multicast addresses are refused (also after DNS) unless TMS_WEBHOOK_ALLOW_PRIVATE=on",
);
const eventTypes = z.array(z.string().max(100)).min(1).max(50).describe(
  'Integration event types (no.tms.<aggregate>.<event>.v<major>), or ["*"] for all',
);
const description = z.string().max(500).nullable();
const limit = z.coerce.number().int().min(1).max(200).default(50);
const cursor = (shape: CursorShape) =>
  z.string().max(1024).refine(
    (text) => decodeCursor(text, shape) !== null,
    "Not a cursor this list gave out; start again without one",
  );

/** Body of `POST /webhooks`. */
export const CreateWebhookBody = z.strictObject({
  bedriftId: id,
  url,
  eventTypes,
  description: description.optional(),
});

/** Body of `PATCH /webhooks/:id`: the fields to change; `active` disables or enables. */
export const UpdateWebhookBody = z.strictObject({
  url: url.optional(),
  eventTypes: eventTypes.optional(),
  description: description.optional(),
  active: z.boolean().optional().describe(
    "false: no deliveries (pending ones are cancelled); true: again from now",
  ),
}).refine((body) => Object.keys(body).length > 0, "Name a field to change");

/** Query of `GET /webhooks`. */
export const WebhooksQuery = z.strictObject({
  bedriftId: id.optional(),
  status: z.enum(["ACTIVE", "DISABLED", "DELETED"]).optional(),
  limit,
  cursor: cursor(["number", "string"]).optional(),
});

/** Query of `GET /webhooks/:id/deliveries`. */
export const DeliveriesQuery = z.strictObject({
  status: z.enum(["pending", "delivered", "dead", "cancelled"]).optional(),
  limit,
  cursor: cursor(["number", "number"]).optional(),
});

/** A subscription. */
export const WebhookView = z.object({
  id: z.string(),
  version: z.number().int(),
  bedriftId: z.string(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  description: z.string().nullable(),
  status: z.enum(["ACTIVE", "DISABLED", "DELETED"]),
  disabledReason: z.string().nullable(),
  createdAt: instant,
  updatedAt: instant,
});

/** A subscription with its signing secret: shown once. */
export const WebhookWithSecretView = WebhookView.extend({
  secret: z.string().describe(
    "whsec_<base64>: verify each delivery's webhook-signature with its bytes. Shown only now.",
  ),
});

/** One delivery of an event to a subscription, with its last attempts. */
export const DeliveryView = z.object({
  id: z.string().describe(
    "<position>-<index>: the event's id (the CloudEvent's)",
  ),
  webhookId: z.string(),
  eventType: z.string(),
  status: z.enum(["pending", "delivered", "dead", "cancelled"]),
  attempts: z.number().int(),
  createdAt: instant,
  nextAttemptAt: instant.nullable(),
  lastAttemptAt: instant.nullable(),
  lastStatus: z.number().int().nullable().describe(
    "The receiver's last HTTP status (null: no answer)",
  ),
  lastError: z.string().nullable(),
  finishedAt: instant.nullable(),
  log: z.array(z.object({
    attempt: z.number().int(),
    at: instant,
    status: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
  })).describe("The last 20 attempts"),
});
