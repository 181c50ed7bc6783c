/**
 * The GDPR routes through the real edge (actors on a sealed log, the
 * projections into PGlite, tokens per role): consent records, a person's
 * export before and after erasure, erasure's reach and idempotency, who may
 * do what, and the access log that records every export, erasure and read
 * of a person's data by a platform ADMIN.
 */
import assert from "node:assert/strict";
import {
  domainEventLog,
  readModelProjections,
  registerActors,
} from "../../actors/mod.ts";
import { createApp } from "../../http/mod.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { HttpHeaders } from "../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { ProjectionEngine } from "../../runtime/projection/mod.ts";
import { MemoryFileStore, MemoryKeyStore } from "../../runtime/storage/mod.ts";
import { adminTokenOf } from "../support/app.ts";
import { bearer, createUser, testAuth, tokenOf } from "../support/auth.ts";
import { KONTONUMMER } from "../support/domain_app.ts";
import { pgliteFixture } from "../support/sql_stores.ts";

const FNR = "01010012356";

async function edge() {
  const keys = new MemoryKeyStore();
  const log = domainEventLog(new MemoryEventLog(), keys);
  const system = registerActors(new ActorSystem({ log }));
  const identity = await testAuth(keys);
  const fixture = pgliteFixture();
  const store = await fixture.open();
  const engine = new ProjectionEngine({
    store,
    log,
    projections: readModelProjections,
  });
  await engine.start();
  const app = createApp({
    system,
    keys,
    files: new MemoryFileStore(),
    auth: identity.auth,
    readSide: { store, positions: engine },
  });
  const tokens: Record<string, string> = {
    ADMIN: await adminTokenOf(system, identity),
  };
  const call = async (
    who: string,
    method: string,
    path: string,
    body?: unknown,
  ) => {
    const res = await app.request(path, {
      method,
      headers: {
        ...bearer(tokens[who]),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = (res.headers.get("content-type") ?? "").includes("json");
    return {
      status: res.status,
      position: Number(res.headers.get(HttpHeaders.position)),
      body: text && json ? JSON.parse(text) : text,
    };
  };
  const ok = async (
    who: string,
    method: string,
    path: string,
    body?: unknown,
  ) => {
    const res = await call(who, method, path, body);
    assert.ok(res.status < 300, `${method} ${path}: ${JSON.stringify(res)}`);
    return res;
  };
  const bedrift = async (organisasjonsnummer: string) => {
    const b = (await ok("ADMIN", "POST", "/api/v1/bedrifter", {
      organisasjonsnummer,
      navn: `Skole ${organisasjonsnummer}`,
    })).body.id as string;
    await ok("ADMIN", "PUT", `/api/v1/bedrifter/${b}/invoice-settings`, {
      kontonummer: KONTONUMMER,
      fakturaPrefix: "F-",
    });
    return b;
  };
  const A = await bedrift("923609016");
  const B = await bedrift("915933149");
  const hire = async (bedriftId: string, n: number, person = "Kari") =>
    (await ok("ADMIN", "POST", "/api/v1/employees", {
      bedriftId,
      ansattnummer: `E${n}`,
      role: "TRAFIKKLARER",
      fornavn: person,
      etternavn: "Personsen",
      epost: `${person.toLowerCase()}.personsen@example.no`,
      telefon: "+4791234567",
      stillingsprosent: 100,
      startDate: "2025-01-06",
      fodselsnummer: FNR,
    })).body.id as string;
  const login = async (who: string, email: string) => {
    tokens[who] = await tokenOf(system, identity.users, email);
  };
  await createUser(system, identity.users, {
    email: "hb@a.no",
    role: "HOVEDBRUKER",
    bedriftId: A,
  });
  await createUser(system, identity.users, {
    email: "hb@b.no",
    role: "HOVEDBRUKER",
    bedriftId: B,
  });
  await login("A:HOVEDBRUKER", "hb@a.no");
  await login("B:HOVEDBRUKER", "hb@b.no");
  const caughtUp = async () =>
    await engine.waitFor(await system.log.headPosition());
  return {
    system,
    keys,
    store,
    identity,
    tokens,
    call,
    ok,
    A,
    B,
    hire,
    login,
    caughtUp,
    async close() {
      await engine.stop();
      await system.shutdown();
      await fixture.cleanup();
    },
  };
}

/** Every string of a JSON value. */
const text = (value: unknown) => JSON.stringify(value);

Deno.test("gdpr consents: recorded with their legal basis, listed by subject; a withdrawal needs a grant; another bedrift's person is 404", async () => {
  const e = await edge();
  try {
    const kari = await e.hire(e.A, 1);
    const granted = await e.ok(
      "A:HOVEDBRUKER",
      "POST",
      "/api/v1/gdpr/consents",
      {
        subjectId: kari,
        purpose: "nyhetsbrev",
        legalBasis: "CONSENT",
        status: "GRANTED",
        at: "2025-03-01T10:00:00Z",
      },
    );
    assert.equal(granted.status, 201);
    assert.equal(granted.body.kind, "employee");
    assert.equal(granted.body.bedriftId, e.A);
    assert.equal(granted.body.at, "2025-03-01T10:00:00Z");
    await e.ok("A:HOVEDBRUKER", "POST", "/api/v1/gdpr/consents", {
      subjectId: kari,
      purpose: "nyhetsbrev",
      legalBasis: "CONSENT",
      status: "WITHDRAWN",
    });
    const bad = await e.call("A:HOVEDBRUKER", "POST", "/api/v1/gdpr/consents", {
      subjectId: kari,
      purpose: "nyhetsbrev",
      legalBasis: "CONSENT",
      status: "WITHDRAWN",
    });
    assert.equal(bad.status, 409);
    assert.equal(bad.body.code, "gdpr.consent_not_granted");
    const basis = await e.call("ADMIN", "POST", "/api/v1/gdpr/consents", {
      subjectId: kari,
      purpose: "nyhetsbrev",
      legalBasis: "BECAUSE",
      status: "GRANTED",
    });
    assert.equal(basis.status, 422);
    const other = await e.call(
      "B:HOVEDBRUKER",
      "POST",
      "/api/v1/gdpr/consents",
      {
        subjectId: kari,
        purpose: "nyhetsbrev",
        legalBasis: "CONSENT",
        status: "GRANTED",
      },
    );
    assert.equal(other.status, 404);
    const nobody = await e.call("ADMIN", "POST", "/api/v1/gdpr/consents", {
      subjectId: "nobody-at-all",
      purpose: "nyhetsbrev",
      legalBasis: "CONSENT",
      status: "GRANTED",
    });
    assert.equal(nobody.status, 404);

    await e.caughtUp();
    const list = await e.ok(
      "A:HOVEDBRUKER",
      "GET",
      `/api/v1/gdpr/consents?subjectId=${kari}`,
    );
    assert.deepEqual(
      list.body.items.map((c: { status: string }) => c.status),
      ["WITHDRAWN", "GRANTED"],
    );
    const forB = await e.ok("B:HOVEDBRUKER", "GET", "/api/v1/gdpr/consents");
    assert.deepEqual(forB.body.items, []);
  } finally {
    await e.close();
  }
});

Deno.test("gdpr export → erase → export: everything before, nothing after; invoices keep numbers and amounts; erase is idempotent and audit-logged", async () => {
  const e = await edge();
  try {
    const kari = await e.hire(e.A, 1);
    const userId = await createUser(e.system, e.identity.users, {
      email: "kari.personsen@example.no",
      role: "TRAFIKKLARER",
      bedriftId: e.A,
      employeeId: kari,
    });
    await e.ok("ADMIN", "POST", `/api/v1/employees/${kari}/absences`, {
      kind: "SYKMELDING",
      fromDate: "2025-02-03",
      toDate: "2025-02-04",
      note: "Ryggvondt",
    });
    await e.ok("ADMIN", "POST", `/api/v1/employees/${kari}/clock-in`, {
      at: "2025-02-10T07:00:00Z",
    });
    await e.ok("ADMIN", "POST", `/api/v1/employees/${kari}/clock-out`, {
      at: "2025-02-10T15:00:00Z",
    });
    await e.ok("ADMIN", "POST", "/api/v1/gdpr/consents", {
      subjectId: kari,
      purpose: "bilde.nettside",
      legalBasis: "CONSENT",
      status: "GRANTED",
    });
    // Kari is also a customer (kundenummer 42): another data subject.
    const invoice = (await e.ok("ADMIN", "POST", "/api/v1/invoices", {
      bedriftId: e.A,
      kunde: {
        navn: "Per Kundesen",
        epost: "per.kundesen@example.no",
        kundenummer: "42",
      },
    })).body;
    assert.equal(invoice.kunde.subjectId, `kunde-${e.A}-42`);
    await e.ok("ADMIN", "POST", `/api/v1/invoices/${invoice.id}/lines`, {
      beskrivelse: "Kjøretime",
      antall: 2,
      enhetspris: "780.00",
      mvaSats: 25,
    });
    const sent = (await e.ok(
      "ADMIN",
      "POST",
      `/api/v1/invoices/${invoice.id}/send`,
    )).body;
    await e.caughtUp();

    // The person as an employee (with their user).
    const before = (await e.ok(
      "A:HOVEDBRUKER",
      "GET",
      `/api/v1/gdpr/subjects/${kari}/export`,
    )).body;
    assert.equal(before.kind, "employee");
    assert.equal(before.employees[0].profile.fornavn, "Kari");
    assert.equal(before.employees[0].profile.fodselsnummer, FNR);
    assert.equal(before.employees[0].profile.absences[0].note, "Ryggvondt");
    assert.equal(before.employees[0].shifts.length, 1);
    assert.equal(before.users[0].id, userId);
    assert.equal(before.users[0].profile.email, "kari.personsen@example.no");
    assert.equal(before.consents[0].purpose, "bilde.nettside");
    const history = text(before.employees[0].history);
    assert.ok(history.includes("Personsen") && history.includes(FNR));
    assert.ok(!text(before.users[0].history).includes("$argon2"));
    assert.equal(before.erasure, null);
    // The customer.
    const customer = (await e.ok(
      "ADMIN",
      "GET",
      `/api/v1/gdpr/subjects/kunde-${e.A}-42/export`,
    )).body;
    assert.equal(customer.kind, "kunde");
    assert.equal(customer.invoices[0].kunde.navn, "Per Kundesen");

    const erased = await e.ok(
      "A:HOVEDBRUKER",
      "POST",
      `/api/v1/gdpr/subjects/${kari}/erase`,
    );
    assert.equal(erased.body.alreadyErased, false);
    assert.deepEqual(erased.body.erasure.keySubjects, [kari, `user-${userId}`]);
    assert.equal(erased.body.erasure.clearTextEvents, 0);
    assert.ok(await e.keys.erased(kari));
    const again = await e.ok(
      "A:HOVEDBRUKER",
      "POST",
      `/api/v1/gdpr/subjects/${kari}/erase`,
    );
    assert.equal(again.body.alreadyErased, true);
    assert.equal(again.body.erasure.at, erased.body.erasure.at);

    const after = (await e.ok(
      "A:HOVEDBRUKER",
      "GET",
      `/api/v1/gdpr/subjects/${kari}/export`,
    )).body;
    for (
      const secret of [
        "Kari",
        "Personsen",
        "kari.personsen",
        FNR,
        "010100",
        "91234567",
        "Ryggvondt",
      ]
    ) {
      assert.ok(!text(after).includes(secret), `the export holds ${secret}`);
    }
    assert.equal(after.employees[0].profile.fornavn, null);
    assert.equal(after.employees[0].profile.ansattnummer, "E1");
    assert.equal(after.employees[0].shifts.length, 1, "time records stay");
    assert.equal(after.users[0].profile.email, null);
    assert.equal(after.erasure.by.length > 0, true);
    // Every read of the person answers null where their data was.
    const employee = (await e.ok("ADMIN", "GET", `/api/v1/employees/${kari}`))
      .body;
    assert.equal(employee.fornavn, null);
    assert.equal(employee.fodselsnummer, null);
    assert.equal(employee.erasedAt, erased.body.erasure.at);
    await e.caughtUp();
    const list = (await e.ok("ADMIN", "GET", "/api/v1/employees")).body;
    assert.ok(!text(list).includes("Personsen"));
    const events = (await e.ok(
      "ADMIN",
      "GET",
      `/api/v2/events/history?aggregateType=employee&aggregateId=${kari}`,
    )).body;
    assert.ok(!text(events).includes("Personsen"), text(events));
    // The erased user cannot log in.
    await assert.rejects(
      tokenOf(e.system, e.identity.users, "kari.personsen@example.no"),
    );

    // The customer: numbers and amounts stay (bookkeeping law).
    await e.ok(
      "ADMIN",
      "POST",
      `/api/v1/gdpr/subjects/kunde-${e.A}-42/erase`,
    );
    const kept = (await e.ok("ADMIN", "GET", `/api/v1/invoices/${invoice.id}`))
      .body;
    assert.equal(kept.kunde.navn, null);
    assert.equal(kept.kunde.epost, null);
    assert.equal(kept.kunde.kundenummer, "42");
    assert.equal(kept.fakturanummer, sent.fakturanummer);
    assert.equal(kept.kid, sent.kid);
    assert.deepEqual(kept.totals, sent.totals);
    const pdf = await e.call(
      "ADMIN",
      "GET",
      `/api/v1/invoices/${invoice.id}/pdf`,
    );
    assert.equal(pdf.status, 200);

    // The access log: the exports and the erasures, by whom.
    await e.caughtUp();
    const audit = (await e.ok(
      "ADMIN",
      "GET",
      `/api/v1/audit?subjectId=${kari}`,
    )).body.items as { action: string; actor: { role: string } }[];
    const actions = audit.map((a) => `${a.action} ${a.actor.role}`);
    assert.ok(actions.includes("gdpr.export HOVEDBRUKER"), text(actions));
    assert.equal(
      actions.filter((a) => a === "gdpr.erase HOVEDBRUKER").length,
      2,
      "the repeated erasure too",
    );
    // The ADMIN read Kari only after the erasure: nothing of hers to read.
    assert.ok(!actions.includes("personal_data.read ADMIN"), text(actions));
    const hb = await e.call("A:HOVEDBRUKER", "GET", "/api/v1/audit");
    assert.equal(hb.status, 403);
  } finally {
    await e.close();
  }
});

Deno.test("gdpr roles: a user exports itself, not another; a HOVEDBRUKER erases in its own bedrift only; a TRAFIKKLARER never erases", async () => {
  const e = await edge();
  try {
    const kari = await e.hire(e.A, 1);
    const ola = await e.hire(e.A, 2, "Ola");
    const inB = await e.hire(e.B, 3, "Bente");
    const userId = await createUser(e.system, e.identity.users, {
      email: "kari@a.no",
      role: "TRAFIKKLARER",
      bedriftId: e.A,
      employeeId: kari,
    });
    await e.login("A:TRAFIKKLARER", "kari@a.no");
    await e.caughtUp();
    const own = await e.call(
      "A:TRAFIKKLARER",
      "GET",
      `/api/v1/gdpr/subjects/${userId}/export`,
    );
    assert.equal(own.status, 200, text(own.body));
    assert.equal(own.body.kind, "user");
    // Its user takes in the employee it is linked to: one person.
    assert.equal(own.body.employees[0].profile.fornavn, "Kari");
    for (const id of [kari, ola]) {
      const res = await e.call(
        "A:TRAFIKKLARER",
        "GET",
        `/api/v1/gdpr/subjects/${id}/export`,
      );
      assert.equal(res.status, 403);
    }
    const erase = await e.call(
      "A:TRAFIKKLARER",
      "POST",
      `/api/v1/gdpr/subjects/${userId}/erase`,
    );
    assert.equal(erase.status, 403);
    const foreign = await e.call(
      "A:HOVEDBRUKER",
      "POST",
      `/api/v1/gdpr/subjects/${inB}/erase`,
    );
    assert.equal(foreign.status, 404);
    assert.equal(await e.keys.erased(inB), false);
    const exportForeign = await e.call(
      "B:HOVEDBRUKER",
      "GET",
      `/api/v1/gdpr/subjects/${kari}/export`,
    );
    assert.equal(exportForeign.status, 404);
    const unknown = await e.call(
      "ADMIN",
      "GET",
      "/api/v1/gdpr/subjects/kunde-nobody-1/export",
    );
    assert.equal(unknown.status, 404);
  } finally {
    await e.close();
  }
});

Deno.test("audit: a platform ADMIN's reads of a person's data are logged (one, a list, the history, the events API); a HOVEDBRUKER's are not", async () => {
  const e = await edge();
  try {
    const kari = await e.hire(e.A, 1);
    await e.caughtUp();
    await e.ok("A:HOVEDBRUKER", "GET", `/api/v1/employees/${kari}`);
    await e.ok("A:HOVEDBRUKER", "GET", "/api/v1/employees");
    await e.caughtUp();
    const none = (await e.ok("ADMIN", "GET", `/api/v1/audit?subjectId=${kari}`))
      .body.items;
    assert.deepEqual(none, []);

    await e.ok("ADMIN", "GET", `/api/v1/employees/${kari}`);
    await e.ok("ADMIN", "GET", `/api/v1/employees/${kari}?asOf=1`);
    await e.ok("ADMIN", "GET", "/api/v1/employees");
    await e.ok("ADMIN", "GET", `/api/v1/employees/${kari}/history`);
    await e.ok(
      "ADMIN",
      "GET",
      `/api/v2/events/history?aggregateType=employee&aggregateId=${kari}`,
    );
    await e.caughtUp();
    const logged = (await e.ok(
      "ADMIN",
      "GET",
      `/api/v1/audit?subjectId=${kari}&action=personal_data.read`,
    )).body.items as { resource: string; actor: { role: string } }[];
    assert.deepEqual(logged.map((a) => a.resource).sort(), [
      "GET /api/v1/employees",
      "GET /api/v1/employees/:id",
      "GET /api/v1/employees/:id",
      "GET /api/v1/employees/:id/history",
      "GET /api/v2/events/history",
    ]);
    assert.ok(logged.every((a) => a.actor.role === "ADMIN"));
    // Nothing of the data read is in the log.
    assert.ok(!text(logged).includes("Personsen"));
  } finally {
    await e.close();
  }
});
