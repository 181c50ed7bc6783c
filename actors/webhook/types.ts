/** Value types, commands, state and error codes of the `webhook` aggregate (a webhook subscription). */
import type { EncryptedValue } from "../../runtime/storage/mod.ts";

/** Actor type of a webhook subscription. */
export const WEBHOOK = "webhook";

/** Lifecycle: deliveries go to ACTIVE subscriptions only; DELETED is final. */
export const WebhookStatus = {
  ACTIVE: "ACTIVE",
  DISABLED: "DISABLED",
  DELETED: "DELETED",
} as const;
export type WebhookStatus = (typeof WebhookStatus)[keyof typeof WebhookStatus];

/** Every integration event type, in `eventTypes`. */
export const ALL_EVENT_TYPES = "*";

/** Most event types one subscription names. */
export const MAX_EVENT_TYPES = 50;

/** A webhook subscription; `null` until created. */
export interface Webhook {
  id: string;
  bedriftId: string;
  url: string;
  /** Integration event types (`no.tms.…v1`), or `["*"]` for all. */
  eventTypes: string[];
  description: string | null;
  status: WebhookStatus;
  /** The signing secret (`whsec_…`), encrypted with the subscription's own key. */
  secret: EncryptedValue;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export type WebhookState = Webhook | null;

/** Stable error codes of the `webhook` aggregate. */
export const WebhookErrorCode = {
  ALREADY_CREATED: "webhook.already_created",
  NOT_FOUND: "webhook.not_found",
  DELETED: "webhook.deleted",
  UNKNOWN_BEDRIFT: "webhook.unknown_bedrift",
  INVALID_URL: "webhook.invalid_url",
  PRIVATE_ADDRESS: "webhook.private_address",
  INVALID_EVENT_TYPES: "webhook.invalid_event_types",
  INVALID_DESCRIPTION: "webhook.invalid_description",
} as const;

/** Commands of a webhook subscription. `at` is an ISO instant from the caller. */
export type WebhookCommand =
  | {
    type: "create";
    id: string;
    bedriftId: string;
    /** Checked by the caller (form and address, `runtime/webhook`). */
    url: string;
    eventTypes: string[];
    description?: string | null;
    secret: EncryptedValue;
    at: string;
  }
  | {
    /** Replaces the given fields; unchanged values produce no event. */
    type: "update";
    url?: string;
    eventTypes?: string[];
    description?: string | null;
    at: string;
  }
  | { type: "disable"; reason?: string | null; at: string }
  | { type: "enable"; at: string }
  | { type: "rotate_secret"; secret: EncryptedValue; at: string }
  | { type: "delete"; at: string };
