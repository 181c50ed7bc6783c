import { DomainError, NotFoundError } from "../../runtime/core/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import { checkWebhookUrl, WebhookUrlError } from "../../runtime/webhook/mod.ts";
import { INTEGRATION_CATALOGUE } from "../../schemas/integration/mod.ts";
import { parseInstant } from "../validators/mod.ts";
import { webhookEvent } from "./events.ts";
import type { WebhookEvent, WebhookUpdated } from "./events.ts";
import {
  ALL_EVENT_TYPES,
  MAX_EVENT_TYPES,
  WEBHOOK,
  WebhookErrorCode,
  WebhookStatus,
} from "./types.ts";
import type { Webhook, WebhookCommand, WebhookState } from "./types.ts";

const E = WebhookErrorCode;
const KNOWN_TYPES = new Set(INTEGRATION_CATALOGUE.map((spec) => spec.type));

/** The event types, deduplicated and sorted; each known, or `*` alone. */
export function validEventTypes(types: readonly string[]): string[] {
  const unique = [...new Set(Array.isArray(types) ? types : [])].sort();
  const unknown = unique.filter((t) =>
    t !== ALL_EVENT_TYPES && !KNOWN_TYPES.has(t)
  );
  if (
    unique.length === 0 || unique.length > MAX_EVENT_TYPES ||
    unknown.length > 0 ||
    (unique.includes(ALL_EVENT_TYPES) && unique.length > 1)
  ) {
    throw new DomainError(
      E.INVALID_EVENT_TYPES,
      unknown.length > 0
        ? `Not integration event types: ${unknown.join(", ")}`
        : `Name 1–${MAX_EVENT_TYPES} integration event types, or "*" alone`,
      { status: 422 },
    );
  }
  return unique;
}

/** The URL's form (scheme, no credentials); where it points is the caller's check. */
function validUrl(url: string): string {
  try {
    return checkWebhookUrl(url, { allowPrivate: true }).href;
  } catch (error) {
    if (!(error instanceof WebhookUrlError)) throw error;
    throw new DomainError(E.INVALID_URL, error.message, { status: 422 });
  }
}

function validDescription(text: string | null | undefined): string | null {
  const trimmed = typeof text === "string" ? text.trim() : "";
  if (trimmed.length > 500) {
    throw new DomainError(
      E.INVALID_DESCRIPTION,
      "A description is at most 500 characters",
      { status: 422 },
    );
  }
  return trimmed === "" ? null : trimmed;
}

function requireLive(state: WebhookState): Webhook {
  if (state === null || state.status === WebhookStatus.DELETED) {
    throw new NotFoundError("No such webhook", { code: E.NOT_FOUND });
  }
  return state;
}

function decide(command: WebhookCommand, state: WebhookState): WebhookEvent[] {
  if (parseInstant(command?.at) === null) {
    throw new TypeError("A webhook command needs `at` as an ISO instant");
  }
  if (command.type === "create") {
    if (state !== null) {
      throw new DomainError(E.ALREADY_CREATED, `Webhook ${state.id} exists`);
    }
    return [webhookEvent("webhook.created", {
      id: command.id,
      bedriftId: command.bedriftId,
      url: validUrl(command.url),
      eventTypes: validEventTypes(command.eventTypes),
      description: validDescription(command.description),
      secret: command.secret,
      createdAt: command.at,
    })];
  }
  const hook = requireLive(state);
  switch (command.type) {
    case "update": {
      const data: WebhookUpdated["data"] = { updatedAt: command.at };
      if (command.url !== undefined) {
        const url = validUrl(command.url);
        if (url !== hook.url) data.url = url;
      }
      if (command.eventTypes !== undefined) {
        const types = validEventTypes(command.eventTypes);
        if (types.join() !== hook.eventTypes.join()) data.eventTypes = types;
      }
      if (command.description !== undefined) {
        const description = validDescription(command.description);
        if (description !== hook.description) data.description = description;
      }
      return Object.keys(data).length > 1
        ? [webhookEvent("webhook.updated", data)]
        : [];
    }
    case "disable":
      return hook.status === WebhookStatus.DISABLED ? [] : [
        webhookEvent("webhook.disabled", {
          reason: validDescription(command.reason),
          at: command.at,
        }),
      ];
    case "enable":
      return hook.status === WebhookStatus.ACTIVE
        ? []
        : [webhookEvent("webhook.enabled", { at: command.at })];
    case "rotate_secret":
      return [webhookEvent("webhook.secret_rotated", {
        secret: command.secret,
        at: command.at,
      })];
    case "delete":
      return [webhookEvent("webhook.deleted", { at: command.at })];
    default:
      throw new TypeError(
        `Unknown webhook command ${(command as { type: string }).type}`,
      );
  }
}

function evolve(state: WebhookState, event: WebhookEvent): WebhookState {
  switch (event.type) {
    case "webhook.created": {
      const d = event.data;
      return {
        id: d.id,
        bedriftId: d.bedriftId,
        url: d.url,
        eventTypes: d.eventTypes,
        description: d.description,
        status: WebhookStatus.ACTIVE,
        secret: d.secret,
        disabledReason: null,
        createdAt: d.createdAt,
        updatedAt: d.createdAt,
      };
    }
    case "webhook.updated": {
      const { updatedAt, ...changes } = event.data;
      return { ...state!, ...changes, updatedAt };
    }
    case "webhook.disabled":
      return {
        ...state!,
        status: WebhookStatus.DISABLED,
        disabledReason: event.data.reason,
        updatedAt: event.data.at,
      };
    case "webhook.enabled":
      return {
        ...state!,
        status: WebhookStatus.ACTIVE,
        disabledReason: null,
        updatedAt: event.data.at,
      };
    case "webhook.secret_rotated":
      return { ...state!, secret: event.data.secret, updatedAt: event.data.at };
    case "webhook.deleted":
      return {
        ...state!,
        status: WebhookStatus.DELETED,
        updatedAt: event.data.at,
      };
    default:
      return state;
  }
}

/**
 * The webhook subscription aggregate.
 *
 * @example
 * ```ts
 * const [created] = webhookDecider.decide({
 *   type: "create", id: "w1", bedriftId: "b1",
 *   url: "https://hooks.example.com/tms", eventTypes: ["no.tms.invoice.paid.v1"],
 *   secret: { keyId: "webhook_w1:k1", ciphertext: "…", iv: "…" },
 *   at: "2025-03-03T08:00:00Z",
 * }, null);
 * webhookDecider.evolve(null, created)?.status; // "ACTIVE"
 * ```
 */
export const webhookDecider: Decider<
  WebhookCommand,
  WebhookEvent,
  WebhookState
> = { initialState: null, decide, evolve };

/** Actor type `webhook`: one subscription, of one bedrift. */
export const webhookActor: ActorDefinition<
  WebhookCommand,
  WebhookEvent,
  WebhookState
> = {
  type: WEBHOOK,
  decider: webhookDecider,
  stateVersion: 1,
  tenantOf: (state, command) =>
    state?.bedriftId ??
      (command?.type === "create" ? command.bedriftId : undefined),
};
