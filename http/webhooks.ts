/**
 * `/api/v<n>/webhooks`: a bedrift's webhook subscriptions (HOVEDBRUKER of
 * that bedrift, or ADMIN), their signing secret shown once, and the
 * delivery log of each (attempts, statuses, next retry, dead letters) with
 * a retry of a dead delivery. Tenancy twice: the list is filtered to the
 * caller's bedrift, and every ask and read carries the caller (another
 * bedrift's webhook is a 404).
 */
import type { Context, z } from "../deps.ts";
import { DomainError, NotFoundError } from "../runtime/core/mod.ts";
import { UnavailableError } from "../runtime/core/mod.ts";
import type { AskResult } from "../runtime/actor/mod.ts";
import {
  listDeliveries,
  readDelivery,
  requeueDead,
} from "../runtime/webhook/mod.ts";
import type { DeliveryRecord } from "../runtime/webhook/mod.ts";
import { parseFeedCursor } from "../runtime/realtime/mod.ts";
import {
  createWebhook,
  deleteWebhook,
  listWebhooks,
  rotateWebhookSecret,
  updateWebhook,
  WEBHOOK,
  WEBHOOKS_PROJECTION,
  WebhookStatus,
} from "../actors/webhook/mod.ts";
import type {
  Webhook,
  WebhookEvent,
  WebhookListItem,
  WebhookServices,
  WebhookState,
} from "../actors/webhook/mod.ts";
import {
  CreateWebhookBody,
  DeliveriesQuery,
  DeliveryView,
  UpdateWebhookBody,
  WebhooksQuery,
  WebhookView,
  WebhookWithSecretView,
} from "../schemas/webhook.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { listRoute } from "./queries.ts";
import { apiBase, page, plain, reply, resource } from "./representation.ts";
import {
  COMMAND_PROBLEMS,
  CREATE_PROBLEMS,
  CREATED,
  READ_PROBLEMS,
  RouteGroup,
  WRITE_HEADERS,
  WRITTEN,
} from "./route.ts";
import { askOptions, newId, now, readOptions, requireId } from "./write.ts";
import { writeHeaders } from "./write.ts";

/** What the webhook routes need from the node. */
export interface WebhookEdge {
  services: WebhookServices;
  /** Tells the node's dispatcher that a retry was queued. */
  wake?: () => void;
}

type WebhookBody = WebhookListItem & { secret?: string };

/** The JSON view of a subscription (never the secret). */
function webhookView(version: number, hook: Webhook): WebhookListItem {
  return {
    id: hook.id,
    version,
    bedriftId: hook.bedriftId,
    url: hook.url,
    eventTypes: hook.eventTypes,
    description: hook.description,
    status: hook.status,
    disabledReason: hook.disabledReason,
    createdAt: hook.createdAt,
    updatedAt: hook.updatedAt,
  };
}

const links = (w: WebhookBody, c: Context) => ({
  self: `${apiBase(c)}/webhooks/${w.id}`,
  deliveries: `${apiBase(c)}/webhooks/${w.id}/deliveries`,
  bedrift: `${apiBase(c)}/bedrifter/${w.bedriftId}`,
});

/** A subscription in each version. */
export const WebhookRep = resource<WebhookBody>("Webhook", WebhookView, links);
const WebhookWithSecretRep = resource<WebhookBody>(
  "WebhookWithSecret",
  WebhookWithSecretView,
  links,
);
const WebhookPage = page("WebhookPage", WebhookRep);
const DeliveryRep = plain<DeliveryRecord>("WebhookDelivery", DeliveryView);
const DeliveryPage = page("WebhookDeliveryPage", DeliveryRep);

function webhooksOf(deps: EdgeDeps): WebhookEdge {
  if (!deps.webhooks) {
    throw new UnavailableError("Webhooks are not running on this node");
  }
  return deps.webhooks;
}

/** Routes of `/api/v<n>/webhooks`. */
export function webhookRoutes(deps: EdgeDeps): RouteGroup {
  const system = clientOf(deps);
  const group = new RouteGroup({
    tag: "Webhooks",
    description:
      "Signed HTTP deliveries of integration events to a bedrift's URLs (Standard Webhooks), retried, with a delivery log",
    base: "/webhooks",
    versioned: true,
  });

  /** The caller's live subscription, or 404. */
  const live = async (c: Context, id: string) => {
    const result = await system.read<WebhookState>(WEBHOOK, id, readOptions(c));
    if (
      result.state === null || result.state.status === WebhookStatus.DELETED
    ) {
      throw new NotFoundError("No such webhook");
    }
    return {
      version: result.version,
      position: result.position,
      hook: result.state,
    };
  };

  const answer = (
    c: Context,
    result: AskResult<WebhookEvent, WebhookState>,
    status: 200 | 201 = 200,
    secret?: string,
  ) => {
    writeHeaders(c, result);
    const body: WebhookBody = {
      ...webhookView(result.version, result.state!),
      ...(secret === undefined ? {} : { secret }),
    };
    if (status === 201) {
      c.header("Location", `${apiBase(c)}/webhooks/${body.id}`);
    }
    c.header("Cache-Control", "no-store");
    return reply(
      c,
      secret === undefined ? WebhookRep : WebhookWithSecretRep,
      body,
      status,
    );
  };

  listRoute(group, deps.readSide, {
    operationId: "listWebhooks",
    summary: "List webhook subscriptions, newest first (not the deleted ones)",
    rep: WebhookPage,
    projection: WEBHOOKS_PROJECTION,
    query: WebhooksQuery,
    list: (db, filter, options) => listWebhooks(db, filter, options),
  });

  group.route({
    method: "post",
    path: "/",
    operationId: "createWebhook",
    summary: "Subscribe a URL to integration event types",
    description:
      "Answers the subscription with its signing secret (`whsec_…`), shown only here. Every delivery is a POST of the event as a CloudEvent (JSON) with `webhook-id`, `webhook-timestamp` and `webhook-signature` (Standard Webhooks).",
    request: { body: { schema: CreateWebhookBody }, headers: WRITE_HEADERS },
    responses: {
      201: {
        description: "The subscription and its secret",
        body: WebhookWithSecretRep,
        headers: [...CREATED, "Cache-Control"],
      },
    },
    problems: CREATE_PROBLEMS,
  }, async (c, { body }) => {
    const { services } = webhooksOf(deps);
    const id = await newId(c, WEBHOOK);
    const { result, secret } = await createWebhook(system, services, {
      id,
      bedriftId: body.bedriftId,
      url: body.url,
      eventTypes: body.eventTypes,
      description: body.description ?? null,
      at: now(),
    }, askOptions(c, "webhook.create"));
    return answer(c, result, 201, secret);
  });

  group.route({
    method: "get",
    path: "/:id",
    operationId: "getWebhook",
    summary: "Read a webhook subscription",
    responses: {
      200: {
        description: "The subscription",
        body: WebhookRep,
        headers: ["ETag", "X-TMS-Position"],
      },
    },
    problems: READ_PROBLEMS,
  }, async (c) => {
    const { version, position, hook } = await live(c, requireId(c, "webhook"));
    writeHeaders(c, { version, position });
    return reply(c, WebhookRep, webhookView(version, hook));
  });

  group.route({
    method: "patch",
    path: "/:id",
    operationId: "updateWebhook",
    summary:
      "Change a subscription's URL, event types or description, or disable and enable it",
    request: { body: { schema: UpdateWebhookBody }, headers: WRITE_HEADERS },
    responses: {
      200: {
        description: "The subscription",
        body: WebhookRep,
        headers: WRITTEN,
      },
    },
    problems: COMMAND_PROBLEMS,
  }, async (c, { body }) => {
    const { services } = webhooksOf(deps);
    const id = requireId(c, "webhook");
    const { active, ...changes } = body as z.output<typeof UpdateWebhookBody>;
    const at = now();
    let result: AskResult<WebhookEvent, WebhookState> | undefined;
    if (Object.keys(changes).length > 0) {
      result = await updateWebhook(
        system,
        services,
        id,
        { ...changes, at },
        askOptions(c, "webhook.update"),
      );
    }
    if (active !== undefined) {
      const options = askOptions(
        c,
        active ? "webhook.enable" : "webhook.disable",
      );
      // If-Match was the update's; the second commit follows it.
      if (result) options.expectedVersion = undefined;
      result = await system.ask<WebhookEvent, WebhookState>(WEBHOOK, id, {
        type: active ? "enable" : "disable",
        at,
      }, options);
    }
    return answer(c, result!);
  });

  group.route({
    method: "delete",
    path: "/:id",
    operationId: "deleteWebhook",
    summary:
      "Delete a subscription: nothing more is delivered, its secret is destroyed",
    request: { headers: WRITE_HEADERS },
    responses: { 204: { description: "Deleted", headers: ["X-TMS-Position"] } },
    problems: COMMAND_PROBLEMS,
  }, async (c) => {
    const { services } = webhooksOf(deps);
    const result = await deleteWebhook(
      system,
      services,
      requireId(c, "webhook"),
      now(),
      askOptions(c, "webhook.delete"),
    );
    writeHeaders(c, result);
    return c.body(null, 204);
  });

  group.route({
    method: "post",
    path: "/:id/secret",
    operationId: "rotateWebhookSecret",
    summary: "A new signing secret (the old one stops at once), shown once",
    request: { headers: WRITE_HEADERS },
    responses: {
      200: {
        description: "The subscription and its new secret",
        body: WebhookWithSecretRep,
        headers: [...WRITTEN, "Cache-Control"],
      },
    },
    problems: COMMAND_PROBLEMS,
  }, async (c) => {
    const { services } = webhooksOf(deps);
    const { result, secret } = await rotateWebhookSecret(
      system,
      services,
      requireId(c, "webhook"),
      now(),
      askOptions(c, "webhook.rotate_secret"),
    );
    return answer(c, result, 200, secret);
  });

  group.route({
    method: "get",
    path: "/:id/deliveries",
    operationId: "listWebhookDeliveries",
    summary: "The delivery log of a subscription, newest first",
    description:
      "Each event sent to it: status (`pending`, `delivered`, `dead` after the retry period, `cancelled` when the subscription was disabled), attempts, the receiver's last status and error, the next attempt, and the last 20 attempts.",
    request: { query: DeliveriesQuery },
    responses: {
      200: { description: "A page of deliveries", body: DeliveryPage },
    },
    problems: READ_PROBLEMS,
  }, async (c, { query }) => {
    const id = requireId(c, "webhook");
    await live(c, id);
    const store = outboxStore(deps);
    const result = await listDeliveries(store, id, {
      status: query.status,
      limit: query.limit,
      cursor: query.cursor,
    });
    return reply(c, DeliveryPage, result);
  });

  group.route({
    method: "post",
    path: "/:id/deliveries/:deliveryId/retry",
    operationId: "retryWebhookDelivery",
    summary:
      "Deliver a dead delivery again (the same webhook-id), for a new retry period",
    responses: {
      200: { description: "The delivery, due now", body: DeliveryRep },
    },
    problems: [401, 403, 404, 409, 503],
  }, async (c) => {
    const id = requireId(c, "webhook");
    const delivery = parseFeedCursor(c.req.param("deliveryId") ?? "");
    if (!delivery || delivery.index === Infinity) {
      throw new NotFoundError("No such delivery");
    }
    await live(c, id);
    const store = outboxStore(deps);
    const requeued = await requeueDead(
      store,
      id,
      delivery.position,
      delivery.index,
    );
    if (!requeued) {
      const current = await readDelivery(
        store,
        id,
        delivery.position,
        delivery.index,
      );
      if (!current) throw new NotFoundError("No such delivery");
      throw new DomainError(
        "webhook.delivery_not_dead",
        `The delivery is ${current.status}: only a dead one is retried`,
      );
    }
    webhooksOf(deps).wake?.();
    return reply(c, DeliveryRep, requeued);
  });

  return group;
}

function outboxStore(deps: EdgeDeps) {
  if (!deps.readSide) {
    throw new UnavailableError("This node has no read models", {
      retryAfter: 5,
    });
  }
  return deps.readSide.store;
}
