/**
 * Webhooks end to end in one process: subscriptions over HTTP (the secret
 * shown once, tenancy, the SSRF rule at subscription), the outbox filled by
 * the projection engine from real commits, and the dispatcher against a
 * local receiver that verifies every signature per the Standard Webhooks
 * spec — failures (500s, a stall past the timeout) retried with the same
 * webhook-id until delivered, a receiver that never accepts dead-lettered
 * after the retry period and redelivered on request, and a name that
 * resolves to a private address at delivery time refused (DNS rebinding).
 */
import assert from "node:assert/strict";
import { readModelProjections, registerActors } from "../../actors/mod.ts";
import { withDomainUpcasters } from "../../actors/mod.ts";
import { registerBedrift } from "../../actors/bedrift/mod.ts";
import { webhookOutboxProjection } from "../../actors/webhook/mod.ts";
import { createApp } from "../../http/mod.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { ProjectionEngine } from "../../runtime/projection/mod.ts";
import { MemoryKeyStore } from "../../runtime/storage/mod.ts";
import type { EncryptedValue } from "../../runtime/storage/mod.ts";
import { WebhookDispatcher } from "../../runtime/webhook/mod.ts";
import type { WebhookDispatcherOptions } from "../../runtime/webhook/mod.ts";
import { adminTokenOf } from "../support/app.ts";
import { bearer, createUser, testAuth, tokenOf } from "../support/auth.ts";
import { pgliteFixture } from "../support/sql_stores.ts";
import { WebhookReceiver } from "../support/webhook_receiver.ts";

const AT = "2025-03-03T08:00:00.000Z";

/** DNS as the tests say: names → addresses (mutable). */
const DNS: Record<string, string[]> = {};
const resolve = (host: string) => Promise.resolve(DNS[host] ?? []);

async function webhookEdge(
  dispatcher: Partial<WebhookDispatcherOptions> = {},
  allowPrivate = true,
) {
  const log = withDomainUpcasters(new MemoryEventLog());
  const system = registerActors(new ActorSystem({ log }));
  const keys = new MemoryKeyStore();
  const identity = await testAuth(keys);
  const fixture = pgliteFixture();
  const store = await fixture.open();
  const sender = new WebhookDispatcher({
    store,
    decryptSecret: (s) => keys.decrypt(s as EncryptedValue),
    retryPeriodMs: 60_000,
    baseDelayMs: 50,
    maxDelayMs: 200,
    timeoutMs: 500,
    pollIntervalMs: 50,
    allowPrivate,
    resolve,
    ...dispatcher,
  });
  const engine = new ProjectionEngine({
    store,
    log,
    projections: [...readModelProjections, webhookOutboxProjection(log)],
    lingerMs: 0,
    onBatch: () => sender.wake(),
  });
  await engine.start();
  sender.start();
  const app = createApp({
    system,
    keys,
    auth: identity.auth,
    readSide: { store, positions: engine },
    webhooks: {
      services: { keys, allowPrivate, resolve },
      wake: () => sender.wake(),
    },
  });
  const admin = await adminTokenOf(system, identity);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token = admin,
  ) => {
    const res = await app.request(`/api/v1${path}`, {
      method,
      headers: {
        ...bearer(token),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  let orgnr = 0;
  return {
    system,
    store,
    sender,
    engine,
    call,
    admin,
    async bedrift(id: string) {
      await registerBedrift(system, {
        id,
        organisasjonsnummer: ["923609016", "915933149"][orgnr++],
        details: { navn: `Skole ${id}` },
        at: AT,
      });
      return id;
    },
    async user(role: "HOVEDBRUKER" | "OKONOMI", bedriftId: string) {
      const email = `${role}.${bedriftId}@wh.test`;
      await createUser(system, identity.users, { email, role, bedriftId });
      return await tokenOf(system, identity.users, email);
    },
    rename(bedriftId: string, n: number) {
      return system.ask("bedrift", bedriftId, {
        type: "update",
        changes: { navn: `Skole ${bedriftId} ${n}` },
        at: AT,
      });
    },
    async close() {
      await sender.stop();
      await engine.stop();
      await system.shutdown();
      await fixture.cleanup();
    },
  };
}

const UPDATED = "no.tms.bedrift.updated.v1";

Deno.test("webhooks: a subscription shows its secret once; tenancy; retried with the same webhook-id until delivered, every signature valid", async () => {
  const receiver = new WebhookReceiver([500, 503, { stall: 1500 }], 204);
  const edge = await webhookEdge();
  try {
    const a = await edge.bedrift("A");
    const b = await edge.bedrift("B");
    const hbA = await edge.user("HOVEDBRUKER", a);
    const hbB = await edge.user("HOVEDBRUKER", b);
    const okA = await edge.user("OKONOMI", a);
    const created = await edge.call("POST", "/webhooks", {
      bedriftId: a,
      url: receiver.url,
      eventTypes: [UPDATED],
    }, hbA);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    receiver.secret = created.body.secret;
    const id = created.body.id;
    const read = await edge.call("GET", `/webhooks/${id}`, undefined, hbA);
    assert.equal(read.status, 200);
    assert.equal(read.body.secret, undefined);
    assert.deepEqual(read.body.eventTypes, [UPDATED]);
    // Another bedrift's HOVEDBRUKER does not see it, nor subscribes for A;
    // an OKONOMI may not manage webhooks at all.
    assert.equal(
      (await edge.call("GET", `/webhooks/${id}`, undefined, hbB)).status,
      404,
    );
    assert.equal(
      (await edge.call("GET", `/webhooks/${id}/deliveries`, undefined, hbB))
        .status,
      404,
    );
    const intoA = await edge.call("POST", "/webhooks", {
      bedriftId: a,
      url: receiver.url,
      eventTypes: ["*"],
    }, hbB);
    assert.equal(intoA.status, 422);
    assert.equal(
      (await edge.call("GET", "/webhooks", undefined, okA)).status,
      403,
    );

    await edge.rename(b, 1); // B's: not for A's subscription
    await edge.rename(a, 1);
    await receiver.waitFor(
      "delivered",
      (r) => r.some((x) => x.answered === 204),
    );
    assert.equal(receiver.received.length, 4);
    assert.ok(receiver.received.every((r) => r.signatureValid));
    assert.equal(new Set(receiver.received.map((r) => r.id)).size, 1);
    const event = receiver.received[0].body;
    assert.equal(event.type, UPDATED);
    assert.equal(event.bedriftid, a);
    assert.equal(receiver.received[0].id, `msg_${event.id}_${id}`);

    const log = await edge.call(
      "GET",
      `/webhooks/${id}/deliveries`,
      undefined,
      hbA,
    );
    assert.equal(log.status, 200);
    const [delivery] = log.body.items;
    assert.equal(delivery.id, event.id);
    assert.equal(delivery.status, "delivered");
    assert.equal(delivery.attempts, 4);
    assert.deepEqual(
      delivery.log.map((e: { status: number | null }) => e.status),
      [500, 503, null, 204],
    );
    assert.match(delivery.log[2].error, /no answer within 500 ms/);
    // The list of A's webhooks, and nothing for B.
    const list = await edge.call("GET", "/webhooks", undefined, hbA);
    assert.deepEqual(list.body.items.map((w: { id: string }) => w.id), [id]);
    assert.deepEqual(
      (await edge.call("GET", "/webhooks", undefined, hbB)).body.items,
      [],
    );
  } finally {
    await edge.close();
    await receiver.close();
  }
});

Deno.test("webhooks: a receiver that never accepts is dead after the retry period, visible, and redelivered on request", async () => {
  const receiver = new WebhookReceiver([], 500);
  const edge = await webhookEdge({ retryPeriodMs: 800 });
  try {
    const a = await edge.bedrift("A");
    const created = await edge.call("POST", "/webhooks", {
      bedriftId: a,
      url: receiver.url,
      eventTypes: ["*"],
    });
    receiver.secret = created.body.secret;
    const id = created.body.id;
    await edge.rename(a, 1);
    const dead = async () =>
      (await edge.call("GET", `/webhooks/${id}/deliveries?status=dead`)).body
        .items;
    const deadline = Date.now() + 20_000;
    while ((await dead()).length === 0) {
      assert.ok(Date.now() < deadline, "dead in time");
      await new Promise((r) => setTimeout(r, 50));
    }
    const [letter] = await dead();
    assert.ok(letter.attempts >= 3, `attempts: ${letter.attempts}`);
    assert.equal(letter.lastStatus, 500);
    assert.equal(letter.nextAttemptAt, null);
    assert.equal(receiver.received.length, letter.attempts);
    assert.ok(receiver.received.every((r) => r.signatureValid));
    // Only a dead delivery is retried; this one is.
    const retried = await edge.call(
      "POST",
      `/webhooks/${id}/deliveries/${letter.id}/retry`,
    );
    assert.equal(retried.status, 200);
    assert.equal(retried.body.status, "pending");
    const again = await edge.call(
      "POST",
      `/webhooks/${id}/deliveries/${letter.id}/retry`,
    );
    assert.equal(again.status, 409);
    assert.equal(
      (await edge.call("POST", `/webhooks/${id}/deliveries/9999-0/retry`))
        .status,
      404,
    );
    await receiver.waitFor(
      "a retry after the dead letter",
      (r) => r.length > letter.attempts,
    );
    assert.equal(receiver.received.at(-1)!.id, receiver.received[0].id);
  } finally {
    await edge.close();
    await receiver.close();
  }
});

Deno.test("webhooks: private addresses refused at subscription (422), and at delivery after DNS (rebinding)", async () => {
  const edge = await webhookEdge({}, false);
  try {
    const a = await edge.bedrift("A");
    for (
      const url of [
        "http://127.0.0.1:9/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::1]/",
        "http://localhost/",
        "http://169.254.169.254/latest",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://[fd00::1]/",
      ]
    ) {
      const res = await edge.call("POST", "/webhooks", {
        bedriftId: a,
        url,
        eventTypes: ["*"],
      });
      assert.equal(res.status, 422, url);
      assert.equal(res.body.code, "webhook.private_address", url);
    }
    DNS["inside.example"] = ["10.1.2.3"];
    const inside = await edge.call("POST", "/webhooks", {
      bedriftId: a,
      url: "https://inside.example/hook",
      eventTypes: ["*"],
    });
    assert.equal(inside.body.code, "webhook.private_address");
    const scheme = await edge.call("POST", "/webhooks", {
      bedriftId: a,
      url: "file:///etc/passwd",
      eventTypes: ["*"],
    });
    assert.equal(scheme.body.code, "webhook.invalid_url");
    // Public when subscribed, private when delivered: refused, never sent.
    DNS["rebind.example"] = ["93.184.215.14"];
    const created = await edge.call("POST", "/webhooks", {
      bedriftId: a,
      url: "https://rebind.example/hook",
      eventTypes: ["*"],
    });
    assert.equal(created.status, 201);
    DNS["rebind.example"] = ["127.0.0.1"];
    await edge.rename(a, 1);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const log = await edge.call(
        "GET",
        `/webhooks/${created.body.id}/deliveries`,
      );
      const [d] = log.body.items;
      if (d?.attempts >= 2) {
        assert.equal(d.status, "pending");
        assert.equal(d.lastStatus, null);
        assert.match(
          d.lastError,
          /^refused: rebind\.example resolves to 127\.0\.0\.1/,
        );
        break;
      }
      assert.ok(Date.now() < deadline, "attempted in time");
      await new Promise((r) => setTimeout(r, 50));
    }
    // Disabled: what was pending is cancelled, nothing new is queued.
    const disabled = await edge.call("PATCH", `/webhooks/${created.body.id}`, {
      active: false,
    });
    assert.equal(disabled.body.status, "DISABLED");
    await edge.rename(a, 2);
    for (;;) {
      const log = await edge.call(
        "GET",
        `/webhooks/${created.body.id}/deliveries`,
      );
      if (log.body.items[0].status === "cancelled") {
        assert.equal(log.body.items.length, 1);
        break;
      }
      assert.ok(Date.now() < deadline, "cancelled in time");
      await new Promise((r) => setTimeout(r, 50));
    }
    const gone = await edge.call("DELETE", `/webhooks/${created.body.id}`);
    assert.equal(gone.status, 204);
    assert.equal(
      (await edge.call("GET", `/webhooks/${created.body.id}`)).status,
      404,
    );
  } finally {
    await edge.close();
  }
});
