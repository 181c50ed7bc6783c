/**
 * The webhook outbox projection: given webhook and domain commits in feed
 * order, then one delivery per integration event and subscription that was
 * active at its commit and names its type (or `*`), in its bedrift only —
 * never realtime-only messages — and the subscriptions as the feed made them.
 */
import assert from "node:assert/strict";
import { webhookDecider } from "../../../actors/webhook/mod.ts";
import { webhookOutboxProjection } from "../../../actors/webhook/mod.ts";
import type { WebhookCommand } from "../../../actors/webhook/mod.ts";
import { bedriftDecider } from "../../../actors/bedrift/mod.ts";
import { invoiceDecider } from "../../../actors/invoice/decider.ts";
import type { InvoiceCommand } from "../../../actors/invoice/types.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { Feed, projectionSpec } from "../../support/mod.ts";
import { history } from "../../support/history.ts";

const AT = "2025-03-03T08:00:00.000Z";
const secret = { keyId: "k", ciphertext: "c", iv: "i" };
const spec = projectionSpec(webhookOutboxProjection(new MemoryEventLog()));

function hook(id: string, bedriftId: string, eventTypes: string[]) {
  return (more: WebhookCommand[] = []) =>
    history(webhookDecider, [{
      type: "create",
      id,
      bedriftId,
      url: `https://hooks.example.com/${id}`,
      eventTypes,
      secret,
      at: AT,
    }, ...more]);
}

const invoice: InvoiceCommand[] = [
  { type: "draft", bedriftId: "b1", kunde: { navn: "Kari" }, at: AT },
  {
    type: "add_line",
    lineId: "l1",
    beskrivelse: "Time",
    antall: "1",
    enhetspris: "100.00",
    mvaSats: 25,
    at: AT,
  },
  {
    type: "send",
    number: 1,
    fakturanummer: "F-1",
    kid: "0000000018",
    kidAlgoritme: "MOD10",
    fakturadato: "2025-03-03",
    forfallsdato: "2025-03-17",
    selger: {
      navn: "Skole",
      organisasjonsnummer: "923609016",
      mvaRegistrert: true,
      kontonummer: "86011117947",
      adresse: null,
      postnummer: "0150",
      poststed: "Oslo",
    },
    at: AT,
  },
  {
    type: "register_payment",
    paymentId: "p1",
    amount: "125.00",
    paidOn: "2025-03-04",
    reference: null,
    at: AT,
  },
];

Deno.test("webhook outbox: deliveries for the subscriptions active at each commit, of its bedrift and types", async () => {
  const feed = new Feed(Date.now() + 60_000); // after the outbox is made
  const [draft, line, sent, paid] = history(invoiceDecider, invoice).map((e) =>
    feed.commit("invoice", "i1", e)
  );
  const [w1Created, w1Disabled] = hook("w1", "b1", ["no.tms.invoice.paid.v1"])(
    [{ type: "disable", at: AT }],
  ).map((e) => feed.commit("webhook", "w1", e));
  const wAll = hook("w2", "b1", ["*"])().map((e) =>
    feed.commit("webhook", "w2", e)
  );
  const other = hook("w3", "b2", ["*"])().map((e) =>
    feed.commit("webhook", "w3", e)
  );
  const bedrift = history(bedriftDecider, [{
    type: "register",
    organisasjonsnummer: "923609016",
    details: { navn: "Skole" },
    at: AT,
  }]).map((e) => feed.commit("bedrift", "b1", e));
  // Feed order: the draft before any webhook; w1 sees `sent` and `paid`
  // until disabled; w2 (all types) from its creation; w3 is b2's.
  await spec.given(
    [draft, line, w1Created, sent],
    [...wAll, ...other, paid, w1Disabled],
    [...bedrift],
  ).then(async (db) => {
    const rows = await db.query<Record<string, unknown>>(
      `SELECT webhook_id, position, idx, event_type, status, attempts
       FROM webhook_deliveries ORDER BY position, idx, webhook_id`,
    );
    assert.deepEqual(rows.map((r) => [r.webhook_id, r.event_type]), [
      // `sent`: w1 does not want it, w2 was not there yet; never the
      // realtime-only status update, though w2 wants every type.
      ["w2", "no.tms.invoice.payment_registered.v1"],
      ["w1", "no.tms.invoice.paid.v1"],
      ["w2", "no.tms.invoice.paid.v1"],
      ["w2", "no.tms.bedrift.registered.v1"],
    ]);
    assert.ok(rows.every((r) => r.status === "pending" && r.attempts === 0));
    const [body] = await db.query<{ body: string }>(
      `SELECT body FROM webhook_deliveries WHERE webhook_id = 'w1'`,
    );
    const event = JSON.parse(body.body);
    assert.equal(event.type, "no.tms.invoice.paid.v1");
    assert.equal(event.id, `${paid.position}-1`);
    assert.equal(event.bedriftid, "b1");
    assert.ok(!body.body.includes("Kari"));
    const targets = await db.query(
      `SELECT id, tenant, active, version FROM webhook_targets ORDER BY id`,
    );
    assert.deepEqual(targets, [
      { id: "w1", tenant: "b1", active: false, version: 2 },
      { id: "w2", tenant: "b1", active: true, version: 1 },
      { id: "w3", tenant: "b2", active: true, version: 1 },
    ]);
  });
});

Deno.test("webhook outbox: applied twice, the same deliveries", async () => {
  const feed = new Feed(Date.now() + 60_000); // after the outbox is made
  const commits = [
    ...hook("w2", "b1", ["*"])().map((e) => feed.commit("webhook", "w2", e)),
    ...history(invoiceDecider, invoice).map((e) =>
      feed.commit("invoice", "i1", e)
    ),
  ];
  await spec.given(commits).thenIdempotent(
    `SELECT webhook_id, position, idx, event_type, status FROM webhook_deliveries
     ORDER BY position, idx`,
  );
});

Deno.test("webhook outbox: a fresh outbox folds the subscriptions from history but never sends what was committed before it was made", async () => {
  const past = new Feed(Date.now() - 3_600_000);
  const history_ = [
    ...hook("w2", "b1", ["*"])().map((e) => past.commit("webhook", "w2", e)),
    ...history(invoiceDecider, invoice).map((e) =>
      past.commit("invoice", "i1", e)
    ),
  ];
  // The same feed goes on after the outbox was made (the spec's migration).
  const now = new Feed(Date.now() + 60_000);
  for (let i = 0; i < history_.length; i++) now.commit("x", `${i}`, []);
  const [later] = history(bedriftDecider, [{
    type: "register",
    organisasjonsnummer: "923609016",
    details: { navn: "Skole" },
    at: AT,
  }]).map((e) => now.commit("bedrift", "b1", e));
  await spec.given(history_, [later]).then(async (db) => {
    assert.deepEqual(
      await db.query(
        `SELECT webhook_id, event_type FROM webhook_deliveries ORDER BY position`,
      ),
      [{ webhook_id: "w2", event_type: "no.tms.bedrift.registered.v1" }],
    );
    assert.deepEqual(
      await db.query(`SELECT id, active FROM webhook_targets`),
      [{ id: "w2", active: true }],
    );
  });
});
