import assert from "node:assert/strict";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { FaultyEventLog } from "../../runtime/log/mod.ts";
import { testApp } from "../support/app.ts";

const ORGNR = "923609016";
const OTHER_ORGNR = "974760673";
const bedriftBody = {
  organisasjonsnummer: ORGNR,
  navn: "Oslo Trafikkskole AS",
  postnummer: "0150",
};

async function problemOf(res: Response) {
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  const body = await res.json();
  assert.equal(body.status, res.status);
  assert.equal(typeof body.type, "string");
  assert.equal(typeof body.title, "string");
  return body;
}

async function register(
  t: Awaited<ReturnType<typeof testApp>>,
  body = bedriftBody,
  headers = {},
) {
  const res = await t.json("POST", "/api/v1/bedrifter", body, headers);
  return { res, body: await res.json() };
}

Deno.test("POST /bedrifter → 201 with state, Location, ETag and X-TMS-Position", async () => {
  const t = await testApp();
  const { res, body } = await register(t);
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("location"), `/api/v1/bedrifter/${body.id}`);
  assert.equal(res.headers.get("etag"), '"1"');
  assert.ok(Number(res.headers.get("x-tms-position")) >= 1);
  assert.equal(body.version, 1);
  assert.equal(body.status, "AKTIV");
  assert.equal(body.organisasjonsnummer, ORGNR);
  assert.equal(body.navn, "Oslo Trafikkskole AS");
  const got = await t.app.request(`/api/v1/bedrifter/${body.id}`);
  assert.equal(got.status, 200);
  assert.equal(got.headers.get("etag"), '"1"');
  assert.deepEqual(await got.json(), body);
  await t.close();
});

Deno.test("GET unknown bedrift or invoice → 404 problem", async () => {
  const t = await testApp();
  for (
    const path of [
      "/api/v1/bedrifter/nope",
      "/api/v1/invoices/nope",
      "/api/v1/bedrifter/a.b",
    ]
  ) {
    const res = await t.app.request(path);
    assert.equal(res.status, 404);
    await problemOf(res);
  }
  const unknownRoute = await t.app.request("/api/v2/whatever");
  assert.equal(unknownRoute.status, 404);
  await problemOf(unknownRoute);
  await t.close();
});

Deno.test("validation: malformed JSON → 400, bad fields → 422 with field paths", async () => {
  const t = await testApp();
  const malformed = await t.app.request("/api/v1/bedrifter", {
    method: "POST",
    body: "{oops",
  });
  assert.equal(malformed.status, 400);
  await problemOf(malformed);
  const bad = await t.json("POST", "/api/v1/bedrifter", {
    organisasjonsnummer: "923609017",
    navn: "",
    epost: "not-an-email",
    extra: 1,
  });
  assert.equal(bad.status, 422);
  const body = await problemOf(bad);
  const paths = body.errors.map((e: { path: string }) => e.path).sort();
  // An unknown field is named by its own path, like the others.
  assert.deepEqual(paths, ["epost", "extra", "navn", "organisasjonsnummer"]);
  const line = await t.json("POST", "/api/v1/invoices/x/lines", {
    beskrivelse: "t",
    antall: 1,
    enhetspris: 650,
    mvaSats: 22,
  });
  assert.equal(line.status, 422);
  const lineBody = await problemOf(line);
  assert.deepEqual(
    lineBody.errors.map((e: { path: string }) => e.path).sort(),
    [
      "enhetspris",
      "mvaSats",
    ],
  );
  await t.close();
});

Deno.test("organisasjonsnummer is unique system-wide → 409", async () => {
  const t = await testApp();
  const results = await Promise.all([register(t), register(t), register(t)]);
  const statuses = results.map((r) => r.res.status).sort();
  assert.deepEqual(statuses, [201, 409, 409]);
  const conflict = results.find((r) => r.res.status === 409)!;
  assert.equal(conflict.body.code, "bedrift.organisasjonsnummer_taken");
  const other = await register(t, {
    ...bedriftBody,
    organisasjonsnummer: OTHER_ORGNR,
  });
  assert.equal(other.res.status, 201);
  await t.close();
});

Deno.test("a reservation left by a registration that never completed is taken over", async () => {
  const t = await testApp();
  await t.system.ask("unique_orgnr", ORGNR, {
    type: "reserve",
    owner: "crashed-before-register",
    at: new Date().toISOString(),
  });
  const { res } = await register(t);
  assert.equal(res.status, 201);
  await t.close();
});

Deno.test("Idempotency-Key: a retried create returns the first response and writes once", async () => {
  const t = await testApp();
  const headers = { "Idempotency-Key": "create-1" };
  const first = await register(t, bedriftBody, headers);
  const head = await t.log.headPosition();
  const second = await register(t, bedriftBody, headers);
  assert.equal(second.res.status, 201);
  assert.equal(second.body.id, first.body.id);
  assert.equal(
    second.res.headers.get("x-tms-position"),
    first.res.headers.get("x-tms-position"),
  );
  assert.equal(await t.log.headPosition(), head);
  // a different key is a different command: the orgnr is taken now
  const third = await register(t, bedriftBody, {
    "Idempotency-Key": "create-2",
  });
  assert.equal(third.res.status, 409);
  await t.close();
});

Deno.test("PATCH and status: If-Match sets the expected version, mismatch → 412", async () => {
  const t = await testApp();
  const { body } = await register(t);
  const path = `/api/v1/bedrifter/${body.id}`;
  const ok = await t.json("PATCH", path, { poststed: "OSLO" }, {
    "If-Match": '"1"',
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("etag"), '"2"');
  assert.equal((await ok.json()).poststed, "OSLO");
  const stale = await t.json("PATCH", path, { poststed: "Bergen" }, {
    "If-Match": '"1"',
  });
  assert.equal(stale.status, 412);
  const p = await problemOf(stale);
  assert.equal(p.actualVersion, 2);
  const badHeader = await t.json("PATCH", path, { poststed: "Bergen" }, {
    "If-Match": "abc",
  });
  assert.equal(badHeader.status, 400);
  await badHeader.body?.cancel();
  const suspend = await t.json("POST", `${path}/status`, {
    status: "SUSPENDERT",
    reason: "x",
  });
  assert.equal(suspend.status, 200);
  assert.equal((await suspend.json()).status, "SUSPENDERT");
  const wound = await t.json("POST", `${path}/status`, { status: "AVVIKLET" });
  assert.equal(wound.status, 200);
  await wound.body?.cancel();
  const back = await t.json("POST", `${path}/status`, { status: "AKTIV" });
  assert.equal(back.status, 409);
  assert.equal(
    (await problemOf(back)).code,
    "bedrift.invalid_status_transition",
  );
  const unknown = await t.json("PATCH", "/api/v1/bedrifter/unknown", {
    poststed: "X",
  });
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
  await t.close();
});

Deno.test("invoice draft: add and remove lines, money as strings, totals per rate", async () => {
  const t = await testApp();
  const { body: bedrift } = await register(t);
  const draft = await t.json("POST", "/api/v1/invoices", {
    bedriftId: bedrift.id,
    kunde: { navn: "Kari Nordmann", epost: "kari@example.no" },
  });
  assert.equal(draft.status, 201);
  const invoice = await draft.json();
  assert.equal(invoice.status, "UTKAST");
  assert.equal(draft.headers.get("location"), `/api/v1/invoices/${invoice.id}`);
  const lines = `/api/v1/invoices/${invoice.id}/lines`;
  const l1 = await t.json("POST", lines, {
    beskrivelse: "Kjøretime",
    antall: 2,
    enhetspris: "650.00",
    mvaSats: 25,
  });
  assert.equal(l1.status, 200);
  const l2 = await t.json("POST", lines, {
    beskrivelse: "Lærebok",
    antall: "1",
    enhetspris: "399",
    mvaSats: 0,
  });
  const after = await l2.json();
  assert.deepEqual(after.totals, {
    netto: "1699.00",
    mva: "325.00",
    brutto: "2024.00",
    perSats: [
      { mvaSats: 25, grunnlag: "1300.00", mva: "325.00" },
      { mvaSats: 0, grunnlag: "399.00", mva: "0.00" },
    ],
  });
  assert.equal(after.lines[0].enhetspris, "650.00");
  assert.equal(after.lines[1].enhetspris, "399");
  const removed = await t.app.request(`${lines}/${after.lines[0].lineId}`, {
    method: "DELETE",
  });
  assert.equal(removed.status, 200);
  const final = await removed.json();
  assert.equal(final.version, 4);
  assert.equal(final.totals.brutto, "399.00");
  const gone = await t.app.request(`${lines}/${after.lines[0].lineId}`, {
    method: "DELETE",
  });
  assert.equal(gone.status, 422);
  await gone.body?.cancel();
  const got = await t.app.request(`/api/v1/invoices/${invoice.id}`);
  assert.deepEqual(await got.json(), final);
  await t.close();
});

Deno.test("invoice draft: unknown or inactive bedrift is refused", async () => {
  const t = await testApp();
  const unknown = await t.json("POST", "/api/v1/invoices", {
    bedriftId: "nope",
    kunde: { navn: "Kari" },
  });
  assert.equal(unknown.status, 422);
  assert.equal((await problemOf(unknown)).code, "invoice.unknown_bedrift");
  const { body: bedrift } = await register(t);
  const s = await t.json("POST", `/api/v1/bedrifter/${bedrift.id}/status`, {
    status: "SUSPENDERT",
  });
  await s.body?.cancel();
  const inactive = await t.json("POST", "/api/v1/invoices", {
    bedriftId: bedrift.id,
    kunde: { navn: "Kari" },
  });
  assert.equal(inactive.status, 409);
  assert.equal((await problemOf(inactive)).code, "invoice.bedrift_not_active");
  await t.close();
});

Deno.test("Idempotency-Key on add line: a retry returns the first response and adds one line", async () => {
  const t = await testApp();
  const { body: bedrift } = await register(t);
  const inv = await (await t.json("POST", "/api/v1/invoices", {
    bedriftId: bedrift.id,
    kunde: { navn: "Kari" },
  })).json();
  const line = {
    beskrivelse: "Kjøretime",
    antall: 1,
    enhetspris: "650.00",
    mvaSats: 25,
  };
  const headers = { "Idempotency-Key": "line-1" };
  const a = await (await t.json(
    "POST",
    `/api/v1/invoices/${inv.id}/lines`,
    line,
    headers,
  )).json();
  const b = await (await t.json(
    "POST",
    `/api/v1/invoices/${inv.id}/lines`,
    line,
    headers,
  )).json();
  assert.equal(a.version, 2);
  assert.equal(b.version, 2);
  assert.equal(b.lines.length, 1);
  await t.close();
});

Deno.test("a full mailbox → 429 with Retry-After", async () => {
  const log = new FaultyEventLog(new MemoryEventLog());
  const t = await testApp({ log, mailboxCapacity: 1 });
  const { body: bedrift } = await register(t);
  log.inject({ seam: "append", latencyMs: 50 });
  const responses = await Promise.all(
    Array.from(
      { length: 4 },
      (_, i) =>
        t.json("PATCH", `/api/v1/bedrifter/${bedrift.id}`, {
          poststed: `P${i}`,
        }),
    ),
  );
  const limited = responses.filter((r) => r.status === 429);
  assert.ok(limited.length >= 1, `statuses ${responses.map((r) => r.status)}`);
  for (const r of limited) {
    assert.ok(Number(r.headers.get("retry-after")) >= 1);
    await problemOf(r);
  }
  for (const r of responses) if (!r.bodyUsed) await r.body?.cancel();
  await t.close();
});

Deno.test("an unavailable event log → 503 with Retry-After, and ready says so", async () => {
  const log = new FaultyEventLog(new MemoryEventLog());
  const t = await testApp({ log, restartAttempts: 1, restartBaseDelayMs: 1 });
  log.inject({ seam: "append", times: Infinity });
  log.inject({ seam: "read", times: Infinity });
  const res = await t.json("POST", "/api/v1/bedrifter", bedriftBody);
  assert.equal(res.status, 503);
  assert.ok(Number(res.headers.get("retry-after")) >= 1);
  await problemOf(res);
  const ready = await t.app.request("/health/ready");
  assert.equal(ready.status, 503);
  const body = await ready.json();
  assert.equal(body.checks.eventLog.ok, false);
  log.clear();
  await t.close();
});

Deno.test("health: live and ready pass on a healthy node; metrics are Prometheus text", async () => {
  const t = await testApp();
  const live = await t.app.request("/health/live");
  assert.equal(live.status, 200);
  assert.equal((await live.json()).status, "pass");
  assert.equal((await t.app.request("/health/startup")).status, 200);
  await register(t);
  const ready = await t.app.request("/health/ready");
  assert.equal(ready.status, 200);
  const body = await ready.json();
  assert.equal(body.checks.eventLog.ok, true);
  assert.ok(body.checks.eventLog.position >= 2);
  const metrics = await (await t.app.request("/metrics")).text();
  assert.match(metrics, /^tms_commands_total [1-9]\d*$/m);
  await t.close();
});

Deno.test("a request past its deadline → 503 deadline problem", async () => {
  const log = new FaultyEventLog(new MemoryEventLog());
  const t = await testApp({ log, requestTimeoutMs: 30 });
  log.inject({ seam: "append", latencyMs: 100 });
  const res = await t.json("POST", "/api/v1/bedrifter", bedriftBody);
  assert.equal(res.status, 503);
  assert.equal((await problemOf(res)).type, "/problems/deadline-exceeded");
  await new Promise((r) => setTimeout(r, 250));
  await t.close();
});

Deno.test("a body over the size limit → 413 problem", async () => {
  const t = await testApp();
  const res = await t.json("POST", "/api/v1/bedrifter", {
    navn: "x".repeat(2 * 1024 * 1024),
  });
  assert.equal(res.status, 413);
  await problemOf(res);
  await t.close();
});
