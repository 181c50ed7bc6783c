/**
 * A retried command (same `Idempotency-Key` on the same route) answers what
 * the first call answered — its version, its events and the state as of that
 * commit — however far the aggregate has moved on since, and writes nothing.
 */
import assert from "node:assert/strict";
import { registerActors } from "../../actors/mod.ts";
import { BEDRIFT } from "../../actors/bedrift/mod.ts";
import { INVOICE } from "../../actors/invoice/mod.ts";
import { createApp } from "../../http/mod.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { MemoryFileStore, MemoryKeyStore } from "../../runtime/storage/mod.ts";
import { KONTONUMMER } from "../support/domain_app.ts";
import { bearer, testAuth } from "../support/auth.ts";
import { adminTokenOf } from "../support/app.ts";

/** An edge whose actors snapshot every 2 commits, so retries cross snapshots. */
async function edge() {
  const log = new MemoryEventLog();
  const system = registerActors(new ActorSystem({ log, snapshotEvery: 2 }));
  const keys = new MemoryKeyStore();
  const identity = await testAuth(keys);
  const app = createApp({
    system,
    files: new MemoryFileStore(),
    keys,
    auth: identity.auth,
  });
  const admin = bearer(await adminTokenOf(system, identity));
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await app.request(path, {
      method,
      headers: { "content-type": "application/json", ...admin, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: res.status,
      etag: res.headers.get("etag"),
      position: res.headers.get("x-tms-position"),
      body: await res.json(),
    };
  };
  return {
    log,
    system,
    call,
    async close() {
      await system.shutdown();
      await log.close();
    },
  };
}

const bedriftBody = {
  organisasjonsnummer: "923609016",
  navn: "Oslo Trafikkskole AS",
  postnummer: "0150",
  poststed: "Oslo",
};

Deno.test("idempotent retry: a create retried after four updates answers the original 201", async () => {
  const t = await edge();
  try {
    const key = { "Idempotency-Key": "create-1" };
    const first = await t.call("POST", "/api/v1/bedrifter", bedriftBody, key);
    assert.equal(first.status, 201);
    const path = `/api/v1/bedrifter/${first.body.id}`;
    for (const navn of ["B AS", "C AS", "D AS", "E AS"]) {
      assert.equal((await t.call("PATCH", path, { navn })).status, 200);
    }
    // From the log again, not from the activation's memory.
    t.system.passivate(BEDRIFT, first.body.id);
    const head = await t.log.headPosition();
    const retry = await t.call("POST", "/api/v1/bedrifter", bedriftBody, key);
    assert.equal(retry.status, 201);
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.body.navn, "Oslo Trafikkskole AS");
    assert.equal(retry.body.version, 1);
    assert.equal(retry.etag, '"1"');
    assert.equal(retry.position, first.position);
    assert.equal(await t.log.headPosition(), head, "the retry wrote nothing");
    const now = await t.call("GET", path);
    assert.equal(now.body.navn, "E AS");
    assert.equal(now.body.version, 5);
  } finally {
    await t.close();
  }
});

Deno.test("idempotent retry: an update retried after four more answers its own version and state", async () => {
  const t = await edge();
  try {
    const created = await t.call("POST", "/api/v1/bedrifter", bedriftBody);
    const path = `/api/v1/bedrifter/${created.body.id}`;
    const key = { "Idempotency-Key": "rename-1" };
    const first = await t.call("PATCH", path, { navn: "Første AS" }, key);
    assert.equal(first.status, 200);
    assert.equal(first.body.version, 2);
    for (const navn of ["B AS", "C AS", "D AS", "E AS"]) {
      await t.call("PATCH", path, { navn });
    }
    const retry = await t.call("PATCH", path, { navn: "Første AS" }, key);
    assert.equal(retry.status, 200);
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.body.navn, "Første AS");
    assert.equal(retry.etag, '"2"');
    // Still the same answer once the actor has been passivated.
    t.system.passivate(BEDRIFT, created.body.id);
    const again = await t.call("PATCH", path, { navn: "Første AS" }, key);
    assert.deepEqual(again.body, first.body);
    assert.equal((await t.call("GET", path)).body.navn, "E AS");
  } finally {
    await t.close();
  }
});

Deno.test("idempotent retry: a part payment retried after the invoice is paid answers DELVIS_BETALT", async () => {
  const t = await edge();
  try {
    const bedrift = await t.call("POST", "/api/v1/bedrifter", bedriftBody);
    await t.call(
      "PUT",
      `/api/v1/bedrifter/${bedrift.body.id}/invoice-settings`,
      { kontonummer: KONTONUMMER },
    );
    const draft = await t.call("POST", "/api/v1/invoices", {
      bedriftId: bedrift.body.id,
      kunde: { navn: "Kari Nordmann" },
    });
    const id = draft.body.id;
    await t.call("POST", `/api/v1/invoices/${id}/lines`, {
      beskrivelse: "Kjøretime",
      antall: 2,
      enhetspris: "650.00",
      mvaSats: 25,
    });
    const sendKey = { "Idempotency-Key": "send-1" };
    const sent = await t.call(
      "POST",
      `/api/v1/invoices/${id}/send`,
      undefined,
      sendKey,
    );
    assert.equal(sent.body.status, "SENDT");
    const key = { "Idempotency-Key": "bank-0001" };
    const part = { amount: "625.00", paidOn: "2025-03-01" };
    const first = await t.call(
      "POST",
      `/api/v1/invoices/${id}/payments`,
      part,
      key,
    );
    assert.equal(first.body.status, "DELVIS_BETALT");
    const rest = await t.call("POST", `/api/v1/invoices/${id}/payments`, {
      amount: "1000.00",
      paidOn: "2025-03-02",
    });
    assert.equal(rest.body.status, "BETALT");
    const head = await t.log.headPosition();
    const retry = await t.call(
      "POST",
      `/api/v1/invoices/${id}/payments`,
      part,
      key,
    );
    assert.equal(retry.status, 200);
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.body.status, "DELVIS_BETALT");
    assert.equal(retry.body.betalt, "625.00");
    assert.equal(retry.body.payments.length, 1);
    assert.equal(retry.etag, first.etag);
    // The send flow reads the invoice first; its retry is the original too.
    t.system.passivate(INVOICE, id);
    const resent = await t.call(
      "POST",
      `/api/v1/invoices/${id}/send`,
      undefined,
      sendKey,
    );
    assert.deepEqual(resent.body, sent.body);
    assert.equal(resent.body.status, "SENDT");
    assert.equal(await t.log.headPosition(), head, "the retries wrote nothing");
  } finally {
    await t.close();
  }
});
