import assert from "node:assert/strict";
import { DomainError, NotFoundError } from "../../../runtime/core/mod.ts";
import {
  webhookDecider,
  WebhookErrorCode as Code,
  WebhookStatus,
} from "../../../actors/webhook/mod.ts";
import type {
  WebhookCommand,
  WebhookEvent,
} from "../../../actors/webhook/mod.ts";
import { deciderSpec } from "../../support/decider_spec.ts";

const spec = deciderSpec(webhookDecider);
const AT = "2025-03-03T08:00:00Z";
const secret = { keyId: "webhook_w1:k1", ciphertext: "c", iv: "i" };

const create: WebhookCommand = {
  type: "create",
  id: "w1",
  bedriftId: "b1",
  url: "https://hooks.example.com/tms",
  eventTypes: ["no.tms.invoice.sent.v1", "no.tms.invoice.paid.v1"],
  description: "  Regnskap  ",
  secret,
  at: AT,
};
const created: WebhookEvent = {
  type: "webhook.created",
  v: 1,
  data: {
    id: "w1",
    bedriftId: "b1",
    url: "https://hooks.example.com/tms",
    eventTypes: ["no.tms.invoice.paid.v1", "no.tms.invoice.sent.v1"],
    description: "Regnskap",
    secret,
    createdAt: AT,
  },
};

Deno.test("webhook: given nothing, when created, then the event types sorted and the URL normalised", () => {
  spec.given([]).when(create).then([created]);
  spec.given([]).when({ ...create, eventTypes: ["*"] }).thenState((s) =>
    assert.deepEqual(s?.eventTypes, ["*"])
  );
});

Deno.test("webhook: unknown or no event types, * with others, a bad URL or credentials are 422", () => {
  for (
    const eventTypes of [
      [],
      ["no.tms.invoice.nope.v1"],
      ["*", "no.tms.invoice.paid.v1"],
      ["invoice.paid"],
    ]
  ) {
    spec.given([]).when({ ...create, eventTypes }).thenThrows(
      DomainError,
      Code.INVALID_EVENT_TYPES,
    );
  }
  for (
    const url of [
      "ftp://x.example/",
      "https://u:p@x.example/",
      "not a url",
    ]
  ) {
    spec.given([]).when({ ...create, url }).thenThrows(
      DomainError,
      Code.INVALID_URL,
    );
  }
  spec.given([created]).when(create).thenThrows(
    DomainError,
    Code.ALREADY_CREATED,
  );
});

Deno.test("webhook: update changes only what differs; disable and enable are idempotent", () => {
  spec.given([created]).when({
    type: "update",
    url: "https://hooks.example.com/tms",
    eventTypes: ["no.tms.invoice.sent.v1", "no.tms.invoice.paid.v1"],
    at: AT,
  }).then([]);
  spec.given([created]).when({
    type: "update",
    url: "https://other.example.com/h",
    description: null,
    at: AT,
  }).then([{
    type: "webhook.updated",
    v: 1,
    data: {
      url: "https://other.example.com/h",
      description: null,
      updatedAt: AT,
    },
  }]);
  const disabled: WebhookEvent = {
    type: "webhook.disabled",
    v: 1,
    data: { reason: "Flytter", at: AT },
  };
  spec.given([created]).when({ type: "disable", reason: "Flytter", at: AT })
    .thenState((s, events) => {
      assert.deepEqual(events, [disabled]);
      assert.equal(s?.status, WebhookStatus.DISABLED);
    });
  spec.given([created, disabled]).when({ type: "disable", at: AT }).then([]);
  spec.given([created, disabled]).when({ type: "enable", at: AT }).thenState(
    (s) => assert.equal(s?.status, WebhookStatus.ACTIVE),
  );
  spec.given([created]).when({ type: "enable", at: AT }).then([]);
});

Deno.test("webhook: a rotated secret replaces the old; a deleted webhook is gone (404)", () => {
  const next = { keyId: "webhook_w1:k1", ciphertext: "d", iv: "j" };
  spec.given([created]).when({ type: "rotate_secret", secret: next, at: AT })
    .thenState((s) => assert.deepEqual(s?.secret, next));
  const deleted: WebhookEvent = {
    type: "webhook.deleted",
    v: 1,
    data: { at: AT },
  };
  spec.given([created]).when({ type: "delete", at: AT }).then([deleted]);
  for (
    const command of [
      { type: "delete", at: AT },
      { type: "enable", at: AT },
      { type: "update", url: "https://x.example/", at: AT },
    ] as WebhookCommand[]
  ) {
    spec.given([created, deleted]).when(command).thenThrows(
      NotFoundError,
      Code.NOT_FOUND,
    );
  }
  spec.given([]).when({ type: "enable", at: AT }).thenThrows(NotFoundError);
});
