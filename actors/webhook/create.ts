/**
 * The webhook commands that need more than the actor: where the URL points
 * (the SSRF rule, with DNS: `runtime/webhook`), the signing secret (made
 * here, shown once, kept in the log only encrypted with a key of the
 * subscription's own, shredded when the subscription is deleted).
 */
import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import { DomainError } from "../../runtime/core/mod.ts";
import type { KeyStore } from "../../runtime/storage/mod.ts";
import {
  checkWebhookTarget,
  newWebhookSecret,
  WebhookUrlError,
} from "../../runtime/webhook/mod.ts";
import { BEDRIFT } from "../bedrift/mod.ts";
import type { WebhookEvent } from "./events.ts";
import { WEBHOOK, WebhookErrorCode } from "./types.ts";
import type { WebhookCommand, WebhookState } from "./types.ts";

/** What the webhook commands need besides the actors. */
export interface WebhookServices {
  keys: KeyStore;
  /** `TMS_WEBHOOK_ALLOW_PRIVATE=on`: loopback and private targets allowed. */
  allowPrivate: boolean;
  /** DNS lookup (default `Deno.resolveDns`). */
  resolve?: (host: string) => Promise<string[]>;
}

type Result = AskResult<WebhookEvent, WebhookState>;

/** The key subject of a subscription's secret. */
export function secretSubject(webhookId: string): string {
  return `webhook_${webhookId}`;
}

/** Refuses a URL whose form or address the SSRF rule does not allow (422). */
export async function checkTarget(
  services: WebhookServices,
  url: string,
): Promise<void> {
  try {
    await checkWebhookTarget(url, services);
  } catch (error) {
    if (!(error instanceof WebhookUrlError)) throw error;
    throw new DomainError(
      error.code === "private_address"
        ? WebhookErrorCode.PRIVATE_ADDRESS
        : WebhookErrorCode.INVALID_URL,
      error.message,
      { status: 422 },
    );
  }
}

export type CreateWebhookInput = Omit<
  Extract<WebhookCommand, { type: "create" }>,
  "type" | "secret"
>;

/**
 * Subscribes a URL of a bedrift that exists (else 422) to event types;
 * answers the subscription and its signing secret (`whsec_…`), which is
 * shown only here (a retry under the same Idempotency-Key shows it again).
 */
export async function createWebhook(
  system: ActorClient,
  services: WebhookServices,
  input: CreateWebhookInput,
  options: AskOptions = {},
): Promise<{ result: Result; secret: string }> {
  const bedrift = await system.read(BEDRIFT, input.bedriftId, {
    signal: options.signal,
    principal: options.principal,
  });
  if (bedrift.version === 0) {
    throw new DomainError(
      WebhookErrorCode.UNKNOWN_BEDRIFT,
      "No bedrift with that id",
      { status: 422 },
    );
  }
  await checkTarget(services, input.url);
  const secret = newWebhookSecret();
  const encrypted = await services.keys.encrypt(
    secretSubject(input.id),
    secret,
  );
  const result = await system.ask<WebhookEvent, WebhookState>(
    WEBHOOK,
    input.id,
    {
      type: "create",
      ...input,
      secret: encrypted,
    },
    options,
  );
  if (!result.duplicate) return { result, secret };
  const stored = await services.keys.decrypt(result.state!.secret);
  return { result, secret: stored ?? secret };
}

/** Changes a subscription; a new URL is checked as at creation. */
export async function updateWebhook(
  system: ActorClient,
  services: WebhookServices,
  id: string,
  changes: Omit<Extract<WebhookCommand, { type: "update" }>, "type">,
  options: AskOptions = {},
): Promise<Result> {
  if (changes.url !== undefined) await checkTarget(services, changes.url);
  return await system.ask<WebhookEvent, WebhookState>(WEBHOOK, id, {
    type: "update",
    ...changes,
  }, options);
}

/** A new signing secret (the old one stops at once); answers it, once. */
export async function rotateWebhookSecret(
  system: ActorClient,
  services: WebhookServices,
  id: string,
  at: string,
  options: AskOptions = {},
): Promise<{ result: Result; secret: string }> {
  const secret = newWebhookSecret();
  const result = await system.ask<WebhookEvent, WebhookState>(WEBHOOK, id, {
    type: "rotate_secret",
    secret: await services.keys.encrypt(secretSubject(id), secret),
    at,
  }, options);
  if (!result.duplicate) return { result, secret };
  const stored = await services.keys.decrypt(result.state!.secret);
  return { result, secret: stored ?? secret };
}

/** Deletes a subscription: nothing more is delivered, and its secret's key is shredded. */
export async function deleteWebhook(
  system: ActorClient,
  services: WebhookServices,
  id: string,
  at: string,
  options: AskOptions = {},
): Promise<Result> {
  const result = await system.ask<WebhookEvent, WebhookState>(WEBHOOK, id, {
    type: "delete",
    at,
  }, options);
  await services.keys.shred(secretSubject(id));
  return result;
}
