/**
 * The route × role matrix: every registered `/api/` route, called with no
 * token, as an ADMIN, as each role of bedrift A, and as a HOVEDBRUKER of
 * bedrift B on A's objects, must answer what the policy table says — 401
 * without a token, 403 for a role the route does not allow, 404 for another
 * bedrift's object, 2xx otherwise. A route without a policy or without a
 * sample here fails the test.
 */
import assert from "node:assert/strict";
import { readModelProjections, registerActors } from "../../actors/mod.ts";
import { createApp } from "../../http/mod.ts";
import { policyKey, ROUTE_POLICIES } from "../../http/policy.ts";
import type { RoutePolicy } from "../../http/policy.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { ProjectionEngine } from "../../runtime/projection/mod.ts";
import {
  MemoryDeadLetterStore,
  MemoryFileStore,
  MemoryKeyStore,
} from "../../runtime/storage/mod.ts";
import { commandInput } from "../contracts/dead_letter_store_contract.ts";
import { login } from "../../actors/user/mod.ts";
import { adminTokenOf } from "../support/app.ts";
import {
  bearer,
  createUser,
  TEST_ADMIN,
  TEST_PASSWORD,
  testAuth,
  tokenOf,
} from "../support/auth.ts";
import { KONTONUMMER } from "../support/domain_app.ts";
import { jpegPhoto, pdfReceipt } from "../support/http.ts";
import { pgliteFixture } from "../support/sql_stores.ts";
import { testChaos } from "../support/chaos.ts";
import { OutboundMapper } from "../../actors/outbound/mod.ts";
import { webhookOutboxProjection } from "../../actors/webhook/mod.ts";
import { MemoryTicketStore, RealtimeHub } from "../../runtime/realtime/mod.ts";

type Who =
  | "anonymous"
  | "ADMIN"
  | "A:HOVEDBRUKER"
  | "A:OKONOMI"
  | "A:TRAFIKKLARER"
  | "B:HOVEDBRUKER";
const WHO: Who[] = [
  "anonymous",
  "ADMIN",
  "A:HOVEDBRUKER",
  "A:OKONOMI",
  "A:TRAFIKKLARER",
  "B:HOVEDBRUKER",
];

interface Call {
  path: string;
  body?: unknown;
  raw?: { bytes: Uint8Array<ArrayBuffer>; contentType: string };
  /** A status the handler answers even when allowed (e.g. 409: not overdue). */
  allowedStatus?: number;
  /** A stream that never ends by itself (SSE): only its status is read. */
  stream?: boolean;
}

type Edge = Awaited<ReturnType<typeof edge>>;

async function edge() {
  const log = new MemoryEventLog();
  const system = registerActors(new ActorSystem({ log }));
  const keys = new MemoryKeyStore();
  const identity = await testAuth(keys);
  const fixture = pgliteFixture();
  const store = await fixture.open();
  const engine = new ProjectionEngine({
    store,
    log,
    projections: [...readModelProjections, webhookOutboxProjection(log)],
  });
  await engine.start();
  const chaos = testChaos(system, { node: "matrix" });
  const hub = new RealtimeHub({ log, mapper: new OutboundMapper({ log }) });
  await hub.start();
  const deadLetters = new MemoryDeadLetterStore();
  const app = createApp({
    deadLetters,
    chaos: chaos.supervisor,
    system,
    keys,
    files: new MemoryFileStore(),
    auth: identity.auth,
    readSide: { store, positions: engine },
    realtime: { hub, tickets: new MemoryTicketStore() },
    // No dispatcher: deliveries stay pending.
    webhooks: { services: { keys, allowPrivate: true } },
  });
  const admin = await adminTokenOf(system, identity);
  let n = 0;
  const call = async (
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
    raw?: Call["raw"],
    stream?: boolean,
  ) => {
    const headers: Record<string, string> = token ? bearer(token) : {};
    if (raw) headers["content-type"] = raw.contentType;
    else if (body !== undefined) headers["content-type"] = "application/json";
    const res = await app.request(path, {
      method,
      headers: { ...headers, "idempotency-key": `k${++n}` },
      body: raw
        ? raw.bytes
        : body === undefined
        ? undefined
        : JSON.stringify(body),
    });
    if (stream && res.ok) {
      await res.body?.cancel();
      return { status: res.status, body: "" };
    }
    const text = await res.text();
    const json = (res.headers.get("content-type") ?? "").includes("json");
    return {
      status: res.status,
      body: text && json ? JSON.parse(text) : text,
    };
  };
  const asAdmin = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, admin, body);
    assert.ok(
      res.status < 300,
      `${method} ${path}: ${JSON.stringify(res.body)}`,
    );
    return res.body;
  };
  const orgnr = ["923609016", "915933149", "889640782", "974760673"];
  let nextOrg = 0;
  const bedrift = async () => {
    const b = await asAdmin("POST", "/api/v1/bedrifter", {
      organisasjonsnummer: orgnr[nextOrg++],
      navn: `Skole ${nextOrg}`,
    });
    await asAdmin("PUT", `/api/v1/bedrifter/${b.id}/invoice-settings`, {
      kontonummer: KONTONUMMER,
    });
    return b.id as string;
  };
  const A = await bedrift();
  const B = await bedrift();
  let employees = 0;
  const employee = async (bedriftId = A) =>
    (await asAdmin("POST", "/api/v1/employees", {
      bedriftId,
      ansattnummer: `E${++employees}`,
      role: "TRAFIKKLARER",
      fornavn: "Ola",
      etternavn: "Nordmann",
      epost: `ola${employees}@example.no`,
      stillingsprosent: 100,
      startDate: "2025-01-01",
    })).id as string;
  const ownEmployee = await employee();
  const users: Record<Exclude<Who, "anonymous" | "ADMIN">, string> = {
    "A:HOVEDBRUKER": await createUser(system, identity.users, {
      email: "hb@a.no",
      role: "HOVEDBRUKER",
      bedriftId: A,
    }),
    "A:OKONOMI": await createUser(system, identity.users, {
      email: "ok@a.no",
      role: "OKONOMI",
      bedriftId: A,
    }),
    "A:TRAFIKKLARER": await createUser(system, identity.users, {
      email: "tk@a.no",
      role: "TRAFIKKLARER",
      bedriftId: A,
      employeeId: ownEmployee,
    }),
    "B:HOVEDBRUKER": await createUser(system, identity.users, {
      email: "hb@b.no",
      role: "HOVEDBRUKER",
      bedriftId: B,
    }),
  };
  const emails: Record<Who, string> = {
    anonymous: "",
    ADMIN: TEST_ADMIN.email,
    "A:HOVEDBRUKER": "hb@a.no",
    "A:OKONOMI": "ok@a.no",
    "A:TRAFIKKLARER": "tk@a.no",
    "B:HOVEDBRUKER": "hb@b.no",
  };
  const tokens: Record<Who, string | null> = {
    anonymous: null,
    ADMIN: admin,
    "A:HOVEDBRUKER": await tokenOf(system, identity.users, "hb@a.no"),
    "A:OKONOMI": await tokenOf(system, identity.users, "ok@a.no"),
    "A:TRAFIKKLARER": await tokenOf(system, identity.users, "tk@a.no"),
    "B:HOVEDBRUKER": await tokenOf(system, identity.users, "hb@b.no"),
  };
  const sessionsUser = await createUser(system, identity.users, {
    email: "sessions@a.no",
    role: "OKONOMI",
    bedriftId: A,
  });
  const draft = async (lines = 1) => {
    const inv = await asAdmin("POST", "/api/v1/invoices", {
      bedriftId: A,
      kunde: { navn: "Kari Nordmann" },
    });
    for (let i = 0; i < lines; i++) {
      await asAdmin("POST", `/api/v1/invoices/${inv.id}/lines`, {
        beskrivelse: "Kjøretime",
        antall: 1,
        enhetspris: "650.00",
        mvaSats: 25,
      });
    }
    return inv.id as string;
  };
  const sent = async () => {
    const id = await draft();
    await asAdmin("POST", `/api/v1/invoices/${id}/send`);
    return id;
  };
  const point = {
    id: "dekk",
    tittel: "Dekk",
    kind: "VISUELL",
    answerType: "CHECKBOX",
    licenceClass: "B",
  };
  const mal = async () =>
    (await asAdmin("POST", "/api/v1/kontroll-maler", {
      bedriftId: A,
      navn: "Sikkerhetskontroll",
      sjekkpunkter: [point, { ...point, id: "foto", answerType: "PHOTO" }],
    })).id as string;
  const malId = await mal();
  const kontroll = async () =>
    (await asAdmin("POST", "/api/v1/kontroller", {
      malId,
      registreringsnummer: "EL12345",
      instructorId: ownEmployee,
    })).id as string;
  const withPhoto = async () => {
    const k = await kontroll();
    const res = await call(
      "POST",
      `/api/v1/kontroller/${k}/photos?pointId=foto`,
      admin,
      undefined,
      { bytes: jpegPhoto(64), contentType: "image/jpeg" },
    );
    assert.equal(res.status, 201);
    return { k, fileId: res.body.photo.id as string };
  };
  const webhook = async () =>
    (await asAdmin("POST", "/api/v1/webhooks", {
      bedriftId: A,
      url: "http://127.0.0.1:9/hook",
      eventTypes: ["*"],
    })).id as string;
  /** A webhook with a delivery (pending: nothing sends here). */
  const delivery = async () => {
    const id = await webhook();
    await asAdmin("PATCH", `/api/v1/bedrifter/${A}`, {
      poststed: `Oslo ${crypto.randomUUID().slice(0, 4)}`,
    });
    await engine.waitFor(await log.headPosition());
    const list = await call("GET", `/api/v1/webhooks/${id}/deliveries`, admin);
    return { id, deliveryId: list.body.items[0].id as string };
  };
  const user = async () =>
    await createUser(system, identity.users, {
      email: `u${crypto.randomUUID()}@a.no`,
      role: "OKONOMI",
      bedriftId: A,
    });
  const expense = async (then: "approve" | "receipt" | null = null) => {
    const x = await asAdmin("POST", "/api/v1/expenses", {
      bedriftId: A,
      leverandor: { navn: "Circle K" },
      dato: "2025-03-01",
      belop: "800.00",
      mvaSats: 25,
      kategori: "DRIVSTOFF",
    });
    if (then === "approve") {
      await asAdmin("POST", `/api/v1/expenses/${x.id}/approve`);
    }
    if (then === "receipt") {
      const res = await call(
        "POST",
        `/api/v1/expenses/${x.id}/receipt`,
        admin,
        undefined,
        { bytes: pdfReceipt(256), contentType: "application/pdf" },
      );
      assert.equal(res.status, 201);
    }
    return x.id as string;
  };
  let periods = 0;
  /** A budget of its own period per call (one budget per bedrift, category and period). */
  const periode = () =>
    `${2030 + Math.floor(periods / 12)}-${
      String(1 + periods++ % 12).padStart(2, "0")
    }`;
  const budget = async () =>
    (await asAdmin("POST", "/api/v1/budgets", {
      bedriftId: A,
      kategori: "DRIVSTOFF",
      periode: periode(),
      belop: "5000.00",
    })).id as string;
  const refreshToken = async () =>
    (await login(system, identity.users, {
      email: "sessions@a.no",
      password: TEST_PASSWORD,
      at: new Date().toISOString(),
    })).refreshToken;
  return {
    app,
    system,
    engine,
    call,
    A,
    B,
    users,
    emails,
    tokens,
    ownEmployee,
    sessionsUser,
    employee,
    draft,
    sent,
    mal,
    malId,
    kontroll,
    withPhoto,
    webhook,
    delivery,
    user,
    expense,
    periode,
    budget,
    refreshToken,
    bedrift,
    /** A fresh open dead letter's id. */
    async deadLetter() {
      const letter = await deadLetters.record(
        commandInput(crypto.randomUUID(), crypto.randomUUID()),
      );
      return letter.id;
    },
    async experiment(method = {}) {
      const body = await asAdmin("POST", "/api/v1/chaos/experiments", {
        title: "matrix",
        // A node that does not exist: nothing is held, nothing collides.
        method: [{
          kind: "mailbox_delay",
          selector: { nodes: [`nowhere-${crypto.randomUUID()}`] },
          params: { delayMs: 1 },
          durationS: 1,
          ...method,
        }],
      });
      return body.id as string;
    },
    async close() {
      await chaos.close();
      await hub.stop();
      await engine.stop();
      await system.shutdown();
      await fixture.cleanup();
    },
  };
}

/** A valid request of every route, on bedrift A's objects (fresh where it changes them). */
const SAMPLES: Record<string, (e: Edge, who: Who) => Promise<Call>> = {
  "POST /auth/login": () =>
    Promise.resolve({
      path: "/api/v1/auth/login",
      body: { email: "sessions@a.no", password: TEST_PASSWORD },
    }),
  "POST /auth/refresh": async (e) => ({
    path: "/api/v1/auth/refresh",
    body: { refreshToken: await e.refreshToken() },
  }),
  "POST /auth/logout": async (e) => ({
    path: "/api/v1/auth/logout",
    body: { refreshToken: await e.refreshToken() },
  }),
  "GET /users": () => Promise.resolve({ path: "/api/v1/users" }),
  "POST /users": (e) =>
    Promise.resolve({
      path: "/api/v1/users",
      body: {
        email: `new-${crypto.randomUUID()}@a.no`,
        password: TEST_PASSWORD,
        role: "OKONOMI",
        bedriftId: e.A,
      },
    }),
  "GET /users/me": () => Promise.resolve({ path: "/api/v1/users/me" }),
  "POST /users/me/password": (_, who) =>
    Promise.resolve({
      path: "/api/v1/users/me/password",
      body: {
        currentPassword: who === "ADMIN" ? TEST_ADMIN.password : TEST_PASSWORD,
        newPassword: who === "ADMIN" ? TEST_ADMIN.password : TEST_PASSWORD,
      },
    }),
  "GET /users/:id": async (e) => ({
    path: `/api/v1/users/${await e.user()}`,
  }),
  "PATCH /users/:id": async (e) => ({
    path: `/api/v1/users/${await e.user()}`,
    body: { role: "TRAFIKKLARER" },
  }),
  "POST /users/:id/disable": async (e) => ({
    path: `/api/v1/users/${await e.user()}/disable`,
  }),
  "GET /audit/security": () =>
    Promise.resolve({ path: "/api/v1/audit/security" }),
  "GET /audit": () => Promise.resolve({ path: "/api/v1/audit" }),

  "POST /gdpr/consents": async (e) => ({
    path: "/api/v1/gdpr/consents",
    body: {
      subjectId: await e.employee(),
      purpose: "nyhetsbrev",
      legalBasis: "CONSENT",
      status: "GRANTED",
    },
  }),
  "GET /gdpr/consents": () =>
    Promise.resolve({ path: "/api/v1/gdpr/consents" }),
  // A TRAFIKKLARER exports itself (as its user); the others a fresh person.
  "GET /gdpr/subjects/:id/export": async (e, who) => ({
    path: `/api/v1/gdpr/subjects/${
      who === "A:TRAFIKKLARER" ? e.users[who] : await e.employee()
    }/export`,
  }),
  "POST /gdpr/subjects/:id/erase": async (e) => ({
    path: `/api/v1/gdpr/subjects/${await e.employee()}/erase`,
  }),

  "GET /users/:id/history": async (e) => ({
    path: `/api/v1/users/${await e.user()}/history`,
  }),
  "GET /events/types": () => Promise.resolve({ path: "/api/v1/events/types" }),
  "GET /schemas/integration": () =>
    Promise.resolve({ path: "/api/v1/schemas/integration" }),
  "GET /schemas/integration/:file": () =>
    Promise.resolve({
      path: "/api/v1/schemas/integration/no.tms.invoice.paid.v1.json",
    }),
  "GET /events/history": () =>
    Promise.resolve({ path: "/api/v1/events/history?limit=5" }),
  "GET /events/stats": () => Promise.resolve({ path: "/api/v1/events/stats" }),
  "POST /events/test": () =>
    Promise.resolve({ path: "/api/v1/events/test", body: { note: "matrix" } }),
  "GET /autoscale/status": () =>
    Promise.resolve({ path: "/api/v1/autoscale/status" }),
  "GET /autoscale/predictions": () =>
    Promise.resolve({ path: "/api/v1/autoscale/predictions?horizon=30m" }),
  "GET /autoscale/recommendations": () =>
    Promise.resolve({ path: "/api/v1/autoscale/recommendations" }),
  "GET /autoscale/decisions": () =>
    Promise.resolve({ path: "/api/v1/autoscale/decisions?limit=5" }),
  // The matrix's edge has an autoscaler that is off: its 409 shows access was given.
  "POST /autoscale/scale": () =>
    Promise.resolve({
      path: "/api/v1/autoscale/scale",
      body: { replicas: 2, reason: "matrix" },
      allowedStatus: 409,
    }),
  "GET /autoscale/anomalies": () =>
    Promise.resolve({ path: "/api/v1/autoscale/anomalies" }),
  "GET /autoscale/cost": () =>
    Promise.resolve({ path: "/api/v1/autoscale/cost?period=24h" }),

  "GET /chaos/faults/types": () =>
    Promise.resolve({ path: "/api/v1/chaos/faults/types" }),
  "POST /chaos/faults/inject": () =>
    Promise.resolve({
      path: "/api/v1/chaos/faults/inject",
      body: {
        kind: "log_latency",
        selector: { aggregateTypes: ["nothing"], percent: 1 },
        params: { latencyMs: 1 },
        durationS: 1,
      },
    }),
  "GET /chaos/experiments": () =>
    Promise.resolve({ path: "/api/v1/chaos/experiments" }),
  "POST /chaos/experiments": () =>
    Promise.resolve({
      path: "/api/v1/chaos/experiments",
      body: {
        title: "matrix",
        method: [{
          kind: "mailbox_delay",
          selector: { nodes: ["nowhere"] },
          durationS: 1,
        }],
      },
    }),
  "GET /chaos/experiments/:id": async (e) => ({
    path: `/api/v1/chaos/experiments/${await e.experiment()}`,
  }),
  "POST /chaos/experiments/:id/start": async (e) => ({
    path: `/api/v1/chaos/experiments/${await e.experiment()}/start`,
  }),
  // The sample's fault is held nowhere, so the run has ended by the time of
  // the stop: the handler's 409 shows access was given.
  "POST /chaos/experiments/:id/stop": async (e) => ({
    path: `/api/v1/chaos/experiments/${await e.experiment()}/stop`,
    allowedStatus: 409,
  }),
  "GET /chaos/safety/status": () =>
    Promise.resolve({ path: "/api/v1/chaos/safety/status" }),
  "POST /chaos/safety/emergency-stop": () =>
    Promise.resolve({ path: "/api/v1/chaos/safety/emergency-stop" }),
  "GET /dead-letters": () => Promise.resolve({ path: "/api/v1/dead-letters" }),
  "POST /dead-letters/:id/retry": async (e) => ({
    path: `/api/v1/dead-letters/${await e.deadLetter()}/retry`,
  }),
  "GET /console/status": () =>
    Promise.resolve({ path: "/api/v1/console/status" }),
  "GET /console/stream": () =>
    Promise.resolve({ path: "/api/v1/console/stream", stream: true }),

  "GET /bedrifter": () => Promise.resolve({ path: "/api/v1/bedrifter" }),
  "GET /bedrifter/:id/history": (e) =>
    Promise.resolve({ path: `/api/v1/bedrifter/${e.A}/history` }),
  "GET /invoices/:id/history": async (e) => ({
    path: `/api/v1/invoices/${await e.draft()}/history`,
  }),
  "GET /kontroll-maler/:id/history": (e) =>
    Promise.resolve({ path: `/api/v1/kontroll-maler/${e.malId}/history` }),
  "GET /kontroller/:id/history": async (e) => ({
    path: `/api/v1/kontroller/${await e.kontroll()}/history`,
  }),
  "GET /employees/:id/history": (e) =>
    Promise.resolve({ path: `/api/v1/employees/${e.ownEmployee}/history` }),
  "POST /bedrifter": () =>
    Promise.resolve({
      path: "/api/v1/bedrifter",
      body: { organisasjonsnummer: freshOrgnr(), navn: "Ny skole" },
    }),
  "GET /bedrifter/:id": (e) =>
    Promise.resolve({ path: `/api/v1/bedrifter/${e.A}` }),
  "PATCH /bedrifter/:id": (e) =>
    Promise.resolve({
      path: `/api/v1/bedrifter/${e.A}`,
      body: { poststed: `OSLO ${crypto.randomUUID().slice(0, 4)}` },
    }),
  "POST /bedrifter/:id/status": (e) =>
    Promise.resolve({
      path: `/api/v1/bedrifter/${e.A}/status`,
      body: { status: "AKTIV" },
    }),
  "PUT /bedrifter/:id/invoice-settings": (e) =>
    Promise.resolve({
      path: `/api/v1/bedrifter/${e.A}/invoice-settings`,
      body: { purregebyr: "70.00" },
    }),

  "GET /invoices": () => Promise.resolve({ path: "/api/v1/invoices" }),
  "POST /invoices": (e) =>
    Promise.resolve({
      path: "/api/v1/invoices",
      body: { bedriftId: e.A, kunde: { navn: "Kari Nordmann" } },
    }),
  "GET /invoices/:id": async (e) => ({
    path: `/api/v1/invoices/${await e.draft()}`,
  }),
  "GET /invoices/:id/pdf": async (e) => ({
    path: `/api/v1/invoices/${await e.sent()}/pdf`,
  }),
  "POST /invoices/:id/lines": async (e) => ({
    path: `/api/v1/invoices/${await e.draft(0)}/lines`,
    body: {
      beskrivelse: "Kjøretime",
      antall: 1,
      enhetspris: "650.00",
      mvaSats: 25,
    },
  }),
  "DELETE /invoices/:id/lines/:lineId": async (e) => {
    const id = await e.draft(1);
    const invoice = await e.call(
      "GET",
      `/api/v1/invoices/${id}`,
      e.tokens.ADMIN,
    );
    return {
      path: `/api/v1/invoices/${id}/lines/${invoice.body.lines[0].lineId}`,
    };
  },
  "POST /invoices/:id/send": async (e) => ({
    path: `/api/v1/invoices/${await e.draft()}/send`,
  }),
  "POST /invoices/:id/payments": async (e) => ({
    path: `/api/v1/invoices/${await e.sent()}/payments`,
    body: { amount: "100.00" },
  }),
  // Nothing sent today is overdue: the handler's 409 shows access was given.
  "POST /invoices/:id/remind": async (e) => ({
    path: `/api/v1/invoices/${await e.sent()}/remind`,
    allowedStatus: 409,
  }),
  "POST /invoices/:id/cancel": async (e) => ({
    path: `/api/v1/invoices/${await e.draft()}/cancel`,
  }),
  "POST /invoices/:id/credit": async (e) => ({
    path: `/api/v1/invoices/${await e.sent()}/credit`,
  }),

  "GET /expenses": () => Promise.resolve({ path: "/api/v1/expenses" }),
  "POST /expenses": (e) =>
    Promise.resolve({
      path: "/api/v1/expenses",
      body: {
        bedriftId: e.A,
        leverandor: { navn: "Statoil", organisasjonsnummer: "923609016" },
        dato: "2025-03-02",
        belop: "500.00",
        mvaSats: 25,
        kategori: "DRIVSTOFF",
      },
    }),
  "GET /expenses/:id": async (e) => ({
    path: `/api/v1/expenses/${await e.expense()}`,
  }),
  "GET /expenses/:id/history": async (e) => ({
    path: `/api/v1/expenses/${await e.expense()}/history`,
  }),
  "POST /expenses/:id/approve": async (e) => ({
    path: `/api/v1/expenses/${await e.expense()}/approve`,
  }),
  "POST /expenses/:id/reject": async (e) => ({
    path: `/api/v1/expenses/${await e.expense()}/reject`,
    body: { reason: "Feil bedrift" },
  }),
  "POST /expenses/:id/pay": async (e) => ({
    path: `/api/v1/expenses/${await e.expense("approve")}/pay`,
    body: { paidOn: "2025-03-10" },
  }),
  "POST /expenses/:id/receipt": async (e) => ({
    path: `/api/v1/expenses/${await e.expense()}/receipt`,
    raw: { bytes: pdfReceipt(512), contentType: "application/pdf" },
  }),
  "GET /expenses/:id/receipt": async (e) => ({
    path: `/api/v1/expenses/${await e.expense("receipt")}/receipt`,
  }),

  "GET /budgets": () => Promise.resolve({ path: "/api/v1/budgets" }),
  "POST /budgets": (e) =>
    Promise.resolve({
      path: "/api/v1/budgets",
      body: {
        bedriftId: e.A,
        kategori: "KONTOR",
        periode: e.periode(),
        belop: "1000.00",
      },
    }),
  "GET /budgets/:id": async (e) => ({
    path: `/api/v1/budgets/${await e.budget()}`,
  }),
  "GET /budgets/:id/history": async (e) => ({
    path: `/api/v1/budgets/${await e.budget()}/history`,
  }),
  "PATCH /budgets/:id": async (e) => ({
    path: `/api/v1/budgets/${await e.budget()}`,
    body: { belop: "7500.00" },
  }),

  // A platform ADMIN names the bedrift; a bedrift's user gets its own.
  "GET /ledger/entries": () =>
    Promise.resolve({ path: "/api/v1/ledger/entries" }),
  "GET /ledger/accounts": (e, who) =>
    Promise.resolve({ path: `/api/v1/ledger/accounts${ownBedrift(e, who)}` }),
  "GET /reports/income": (e, who) =>
    Promise.resolve({ path: `/api/v1/reports/income${ownBedrift(e, who)}` }),
  "GET /reports/balance": (e, who) =>
    Promise.resolve({ path: `/api/v1/reports/balance${ownBedrift(e, who)}` }),
  "GET /reports/mva": (e, who) =>
    Promise.resolve({
      path: `/api/v1/reports/mva?year=2025&term=2${
        ownBedrift(e, who).replace("?", "&")
      }`,
    }),
  "GET /reports/receivables": (e, who) =>
    Promise.resolve({
      path: `/api/v1/reports/receivables${ownBedrift(e, who)}`,
    }),
  "GET /reports/cashflow": (e, who) =>
    Promise.resolve({ path: `/api/v1/reports/cashflow${ownBedrift(e, who)}` }),

  "POST /kontroll-maler": (e) =>
    Promise.resolve({
      path: "/api/v1/kontroll-maler",
      body: {
        bedriftId: e.A,
        navn: "Mal",
        sjekkpunkter: [{
          id: "lys",
          tittel: "Lys",
          kind: "VISUELL",
          answerType: "CHECKBOX",
          licenceClass: "B",
        }],
      },
    }),
  "GET /kontroll-maler/:id": (e) =>
    Promise.resolve({ path: `/api/v1/kontroll-maler/${e.malId}` }),
  "PATCH /kontroll-maler/:id": async (e) => ({
    path: `/api/v1/kontroll-maler/${await e.mal()}`,
    body: { navn: "Ny mal" },
  }),
  "POST /kontroll-maler/:id/archive": async (e) => ({
    path: `/api/v1/kontroll-maler/${await e.mal()}/archive`,
  }),

  "GET /kontroller": () => Promise.resolve({ path: "/api/v1/kontroller" }),
  "POST /kontroller": (e) =>
    Promise.resolve({
      path: "/api/v1/kontroller",
      body: {
        malId: e.malId,
        registreringsnummer: "EL12345",
        instructorId: e.ownEmployee,
      },
    }),
  "GET /kontroller/:id": async (e) => ({
    path: `/api/v1/kontroller/${await e.kontroll()}`,
  }),
  "POST /kontroller/:id/points/:pointId": async (e) => ({
    path: `/api/v1/kontroller/${await e.kontroll()}/points/dekk`,
    body: { value: true },
  }),
  "POST /kontroller/:id/photos": async (e) => ({
    path: `/api/v1/kontroller/${await e.kontroll()}/photos?pointId=foto`,
    raw: { bytes: jpegPhoto(64), contentType: "image/jpeg" },
  }),
  "GET /kontroller/:id/photos/:fileId": async (e) => {
    const { k, fileId } = await e.withPhoto();
    return { path: `/api/v1/kontroller/${k}/photos/${fileId}` };
  },
  "POST /kontroller/:id/complete": async (e) => {
    const k = await e.kontroll();
    await e.call(
      "POST",
      `/api/v1/kontroller/${k}/points/dekk`,
      e.tokens.ADMIN,
      {
        value: true,
      },
    );
    return { path: `/api/v1/kontroller/${k}/complete` };
  },

  "GET /employees": () => Promise.resolve({ path: "/api/v1/employees" }),
  "POST /employees": (e) =>
    Promise.resolve({
      path: "/api/v1/employees",
      body: {
        bedriftId: e.A,
        ansattnummer: `N${crypto.randomUUID().slice(0, 8)}`,
        role: "TRAFIKKLARER",
        fornavn: "Kari",
        etternavn: "Nordmann",
        epost: "kari@example.no",
        stillingsprosent: 50,
        startDate: "2025-02-01",
      },
    }),
  "GET /employees/:id": (e) =>
    Promise.resolve({ path: `/api/v1/employees/${e.ownEmployee}` }),
  "PATCH /employees/:id": async (e) => ({
    path: `/api/v1/employees/${await e.employee()}`,
    body: { stillingsprosent: 80 },
  }),
  "POST /employees/:id/role": async (e) => ({
    path: `/api/v1/employees/${await e.employee()}/role`,
    body: { role: "HOVEDBRUKER" },
  }),
  "POST /employees/:id/terminate": async (e) => ({
    path: `/api/v1/employees/${await e.employee()}/terminate`,
    body: { endDate: "2026-12-31" },
  }),
  // The TRAFIKKLARER's own record (the only one it may touch); a fresh one else.
  // The own record is clocked in again in the next version's round: now,
  // after the last clock-out.
  "POST /employees/:id/clock-in": async (e, who) => ({
    path: `/api/v1/employees/${
      who === "A:TRAFIKKLARER" ? e.ownEmployee : await e.employee()
    }/clock-in`,
    body: who === "A:TRAFIKKLARER"
      ? {}
      : { at: new Date(Date.now() - 60_000).toISOString() },
  }),
  "POST /employees/:id/clock-out": async (e, who) => {
    const id = who === "A:TRAFIKKLARER" ? e.ownEmployee : await e.employee();
    if (who !== "A:TRAFIKKLARER") {
      await e.call("POST", `/api/v1/employees/${id}/clock-in`, e.tokens.ADMIN, {
        at: new Date(Date.now() - 60_000).toISOString(),
      });
    }
    return { path: `/api/v1/employees/${id}/clock-out` };
  },
  "POST /employees/:id/absences": async (e, who) => ({
    path: `/api/v1/employees/${
      who === "A:TRAFIKKLARER" ? e.ownEmployee : await e.employee()
    }/absences`,
    body: { kind: "FERIE", fromDate: nextDay(), toDate: nextDay.last },
  }),

  "GET /webhooks": () => Promise.resolve({ path: "/api/v1/webhooks" }),
  "POST /webhooks": (e) =>
    Promise.resolve({
      path: "/api/v1/webhooks",
      body: {
        bedriftId: e.A,
        url: "http://127.0.0.1:9/hook",
        eventTypes: ["no.tms.invoice.paid.v1"],
      },
    }),
  "GET /webhooks/:id": async (e) => ({
    path: `/api/v1/webhooks/${await e.webhook()}`,
  }),
  "PATCH /webhooks/:id": async (e) => ({
    path: `/api/v1/webhooks/${await e.webhook()}`,
    body: { description: "Regnskap" },
  }),
  "DELETE /webhooks/:id": async (e) => ({
    path: `/api/v1/webhooks/${await e.webhook()}`,
  }),
  "POST /webhooks/:id/secret": async (e) => ({
    path: `/api/v1/webhooks/${await e.webhook()}/secret`,
  }),
  "GET /webhooks/:id/deliveries": async (e) => ({
    path: `/api/v1/webhooks/${(await e.delivery()).id}/deliveries`,
  }),
  // Only a dead delivery is retried: a pending one's 409 shows access was given.
  "POST /webhooks/:id/deliveries/:deliveryId/retry": async (e) => {
    const { id, deliveryId } = await e.delivery();
    return {
      path: `/api/v1/webhooks/${id}/deliveries/${deliveryId}/retry`,
      allowedStatus: 409,
    };
  },

  "POST /stream/tickets": () =>
    Promise.resolve({ path: "/api/v1/stream/tickets" }),
  // Each caller's own rooms (the default); the test reads the status only.
  "GET /stream": () =>
    Promise.resolve({ path: "/api/v1/stream", stream: true }),
  // Access is decided before the upgrade; a plain GET then answers 400.
  "GET /ws": () => Promise.resolve({ path: "/api/v1/ws", allowedStatus: 400 }),
};

/** `?bedriftId=<A>` for a platform ADMIN (who must name one), else nothing. */
function ownBedrift(e: Edge, who: Who): string {
  return who === "ADMIN" ? `?bedriftId=${e.A}` : "";
}

/** A fresh valid organisasjonsnummer per call (MOD11, weights 3,2,7,6,5,4,3,2). */
let orgnrSeed = 91000000;
function freshOrgnr(): string {
  for (;;) {
    const base = String(orgnrSeed++);
    const sum = [3, 2, 7, 6, 5, 4, 3, 2].reduce(
      (acc, w, i) => acc + w * Number(base[i]),
      0,
    );
    const rest = sum % 11;
    if (rest === 1) continue;
    return base + (rest === 0 ? 0 : 11 - rest);
  }
}

/** A day of its own per call (absences of one employee must not overlap). */
const nextDay = Object.assign(() => {
  const day = new Date(Date.UTC(2026, 6, 1) + nextDay.n++ * 86_400_000);
  nextDay.last = day.toISOString().slice(0, 10);
  return nextDay.last;
}, { n: 0, last: "" });

/** What the policy table says `who` gets for the sample on A's objects. */
function expected(key: string, policy: RoutePolicy, who: Who, call: Call) {
  if (policy.roles === "public") return "2xx";
  if (who === "anonymous") return 401;
  const role = who === "ADMIN" ? "ADMIN" : who.slice(2);
  const allowed = (policy.roles as readonly string[]).includes(role);
  const own = policy.self?.claim === "employee" ? OWN : OWN_USER;
  const self = policy.self &&
    (policy.self.roles as readonly string[]).includes(role) &&
    who === "A:TRAFIKKLARER" && call.path.split(/[/?]/).includes(own);
  if (!allowed && !self) return 403;
  if (who === "B:HOVEDBRUKER") {
    const [method, path] = key.split(" ");
    // Lists answer, filtered to B; a create into A never succeeds for B;
    // what is the caller's own (its account, session, stream ticket) does.
    if (!path.includes(":")) {
      return method === "GET" || path.endsWith("/me") ||
          path.includes("/me/") || path.includes("/auth/") ||
          path.startsWith("/stream")
        ? "2xx"
        : "not 2xx";
    }
    return 404;
  }
  return "2xx";
}

let OWN = "";
let OWN_USER = "";

Deno.test("access matrix: every route × every role answers as the policy table says", async () => {
  const e = await edge();
  OWN = e.ownEmployee;
  OWN_USER = e.users["A:TRAFIKKLARER"];
  try {
    // v1's routes first, then v2's: a sample that changes the caller's own
    // record (clock in, then out) runs in that order in each version.
    const version = (route: string) => Number(/\/api\/v(\d+)/.exec(route)![1]);
    const routes = [
      ...new Set(
        e.app.routes.filter((r) =>
          r.method !== "ALL" && r.path.startsWith("/api/")
        ).map((r) => `${r.method} ${r.path}`),
      ),
    ].sort((a, b) => version(a) - version(b));
    const failures: string[] = [];
    // Every route of every version: the same policy entry, the same sample
    // (its path under the route's version).
    for (const route of routes) {
      const key = policyKey(route);
      const prefix = /^\w+ (\/api\/v\d+)/.exec(route)![1];
      const policy = ROUTE_POLICIES[key];
      if (!policy) {
        failures.push(`${route}: no policy in http/policy.ts`);
        continue;
      }
      const sample = SAMPLES[key];
      if (!sample) {
        failures.push(`${key}: no sample request in this test`);
        continue;
      }
      const method = key.split(" ")[0];
      for (const who of WHO) {
        const call = await sample(e, who);
        call.path = call.path.replace(/^\/api\/v1(?=\/)/, prefix);
        const want = expected(key, policy, who, call);
        const got = await e.call(
          method,
          call.path,
          e.tokens[who],
          call.body,
          call.raw,
          call.stream,
        );
        const ok = want === "2xx"
          ? got.status < 300 || got.status === call.allowedStatus
          : want === "not 2xx"
          ? got.status >= 400 && got.status !== 401 && got.status !== 403
          : got.status === want;
        if (!ok) {
          failures.push(
            `${route} as ${who}: want ${want}, got ${got.status} ${
              JSON.stringify(got.body).slice(0, 160)
            }`,
          );
        }
      }
    }
    const keys = new Set(routes.map(policyKey));
    for (const key of Object.keys(ROUTE_POLICIES)) {
      if (!keys.has(key)) {
        failures.push(`${key}: in the policy table but not routed`);
      }
    }
    assert.deepEqual(failures, []);
  } finally {
    await e.close();
  }
});

Deno.test("access matrix: lists show a bedrift user its own bedrift's rows only", async () => {
  const e = await edge();
  try {
    await e.employee(e.B);
    const head = await e.system.log.headPosition();
    await e.engine.waitFor(head);
    const list = async (who: Who, path: string) =>
      (await e.call("GET", path, e.tokens[who])).body.items as {
        bedriftId?: string;
        id: string;
      }[];
    for (const path of ["/api/v1/employees", "/api/v1/users"]) {
      const a = await list("A:HOVEDBRUKER", path);
      const b = await list("B:HOVEDBRUKER", path);
      const all = await list("ADMIN", path);
      assert.ok(a.length > 0 && b.length > 0);
      assert.ok(a.every((i) => i.bedriftId === e.A), path);
      assert.ok(b.every((i) => i.bedriftId === e.B), path);
      assert.ok(all.length > a.length + b.length - 1);
      // Asking for the other bedrift by filter changes nothing.
      const forged = await list("B:HOVEDBRUKER", `${path}?bedriftId=${e.A}`);
      assert.ok(forged.every((i) => i.bedriftId === e.B));
    }
    const bedrifter = await list("A:OKONOMI", "/api/v1/bedrifter");
    assert.deepEqual(bedrifter.map((b) => b.id), [e.A]);
  } finally {
    await e.close();
  }
});
