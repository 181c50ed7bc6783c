/** The events of the `webhook` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";
import type { EncryptedValue } from "../../runtime/storage/mod.ts";

export type WebhookCreated = DomainEvent<"webhook.created", {
  id: string;
  bedriftId: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  secret: EncryptedValue;
  createdAt: string;
}>;

/** Carries only the fields that changed. */
export type WebhookUpdated = DomainEvent<"webhook.updated", {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
  updatedAt: string;
}>;

export type WebhookDisabled = DomainEvent<"webhook.disabled", {
  reason: string | null;
  at: string;
}>;

export type WebhookEnabled = DomainEvent<"webhook.enabled", { at: string }>;

export type WebhookSecretRotated = DomainEvent<"webhook.secret_rotated", {
  secret: EncryptedValue;
  at: string;
}>;

export type WebhookDeleted = DomainEvent<"webhook.deleted", { at: string }>;

export type WebhookEvent =
  | WebhookCreated
  | WebhookUpdated
  | WebhookDisabled
  | WebhookEnabled
  | WebhookSecretRotated
  | WebhookDeleted;

/** Current schema version of each webhook event. */
export const WebhookEventVersions = {
  "webhook.created": 1,
  "webhook.updated": 1,
  "webhook.disabled": 1,
  "webhook.enabled": 1,
  "webhook.secret_rotated": 1,
  "webhook.deleted": 1,
} as const satisfies EventVersions<WebhookEvent>;

/** Every webhook event type. */
export const WEBHOOK_EVENT_TYPES = eventTypesOf(WebhookEventVersions);

/** Builds a webhook event at its current schema version. */
export const webhookEvent = eventFactory<WebhookEvent>(WebhookEventVersions);
