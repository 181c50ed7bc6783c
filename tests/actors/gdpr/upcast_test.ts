/**
 * The schema change of sealing (`employee.hired` v1 → v2 and the other
 * sealed types): a log written before it — personal data in clear, old
 * event versions, raw appends into a real Deno KV log — replays into the
 * same states and read-model rows as the log the current code writes
 * (sealed). Erasing a person of the old log: every reader gets `null`, the
 * erasure reports the clear-text events, and the stored bytes stay (an
 * append-only log is never rewritten — what the README says).
 */
import assert from "node:assert/strict";
import {
  domainEventLog,
  readModelProjections,
  registerActors,
  withDomainUpcasters,
} from "../../../actors/mod.ts";
import { EMPLOYEE, hireEmployee } from "../../../actors/employee/mod.ts";
import type { EmployeeState } from "../../../actors/employee/mod.ts";
import { USER } from "../../../actors/user/mod.ts";
import type { UserState } from "../../../actors/user/mod.ts";
import { INVOICE } from "../../../actors/invoice/mod.ts";
import type { InvoiceState } from "../../../actors/invoice/mod.ts";
import { eraseSubject } from "../../../actors/gdpr/mod.ts";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import type { EventLog } from "../../../runtime/core/mod.ts";
import { KvEventLog } from "../../../runtime/log/kv/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { ProjectionEngine } from "../../../runtime/projection/mod.ts";
import { MemoryKeyStore } from "../../../runtime/storage/mod.ts";
import type { KeyStore } from "../../../runtime/storage/mod.ts";
import { createUser, testAuth } from "../../support/auth.ts";
import {
  bedriftWithSettings,
  draftWithLine,
} from "../../support/domain_app.ts";
import { dumpTables } from "../../support/read_side.ts";
import { pgliteFixture } from "../../support/sql_stores.ts";

const at = "2025-01-02T09:00:00.000Z";

/** The versions before sealing of the types sealing changed. */
const BEFORE_SEALING: Record<string, number> = {
  "employee.hired": 1,
  "employee.updated": 1,
  "employee.absence_registered": 1,
  "employee.terminated": 1,
  "user.disabled": 1,
  "invoice.drafted": 2,
};

/** One person's story, told through `system` (and its key store). */
async function story(system: ActorSystem, keys: KeyStore): Promise<string> {
  const b = await bedriftWithSettings(system, "b1", "923609016");
  await hireEmployee(system, keys, {
    id: "e1",
    bedriftId: b,
    ansattnummer: "1001",
    fornavn: "Kari",
    etternavn: "Gammelsen",
    epost: "kari.gammelsen@example.no",
    telefon: "+4791234567",
    role: "TRAFIKKLARER",
    stillingsprosent: 100,
    startDate: "2025-01-06",
    fodselsnummer: "01010012356",
    at,
  });
  await system.ask(EMPLOYEE, "e1", {
    type: "update",
    telefon: "+4799887766",
    at,
  });
  await system.ask(EMPLOYEE, "e1", {
    type: "register_absence",
    absenceId: "a1",
    kind: "SYKMELDING",
    fromDate: "2025-02-03",
    toDate: "2025-02-05",
    note: "Ryggvondt",
    at,
  });
  const identity = await testAuth(keys);
  const userId = await createUser(system, identity.users, {
    email: "kari.gammelsen@example.no",
    role: "TRAFIKKLARER",
    bedriftId: b,
    employeeId: "e1",
  });
  await system.ask(USER, userId, {
    type: "disable",
    reason: "Kari Gammelsen sluttet",
    at,
  });
  await draftWithLine(system, "i1", b, {
    navn: "Kari Gammelsen",
    epost: "kari.gammelsen@example.no",
    kundenummer: "42",
  });
  return userId;
}

/** A log as the code before sealing wrote it: clear values, old versions. */
async function oldLog(path: string, keys: KeyStore) {
  const memory = new MemoryEventLog();
  const system = registerActors(
    new ActorSystem({ log: withDomainUpcasters(memory) }),
  );
  const userId = await story(system, keys);
  await system.shutdown();
  const log = await KvEventLog.open(path);
  for (const c of await memory.readFeed(0, 10_000)) {
    await log.append({
      type: c.type,
      id: c.id,
      expectedVersion: c.version - 1,
      commandId: c.commandId,
      events: c.events.map((e) => ({ ...e, v: BEFORE_SEALING[e.type] ?? e.v })),
    });
  }
  return { log, userId };
}

/** The states of the person's aggregates as a node reads them. */
async function states(log: EventLog, keys: KeyStore, userId: string) {
  const system = registerActors(
    new ActorSystem({ log: domainEventLog(log, keys) }),
  );
  try {
    const employee = (await system.read<EmployeeState>(EMPLOYEE, "e1")).state!;
    const user = (await system.read<UserState>(USER, userId)).state!;
    const invoice = (await system.read<InvoiceState>(INVOICE, "i1")).state;
    // Ciphertexts of the flows differ by their random IVs: compare plain.
    const plain = async (v: { keyId: string } | null) =>
      v && await keys.decrypt(v as never);
    return {
      employee: {
        ...employee,
        fodselsnummer: employee.fodselsnummer && {
          masked: employee.fodselsnummer.masked,
          number: await plain(employee.fodselsnummer.encrypted),
        },
      },
      user: {
        ...user,
        email: await plain(user.email),
        passwordHash: user.passwordHash !== null,
        emailIndex: user.emailIndex.length,
      },
      invoice,
    };
  } finally {
    await system.shutdown();
  }
}

/** The read models of `log` projected from position 0, dumped. */
async function rows(log: EventLog, keys: KeyStore) {
  const fixture = pgliteFixture();
  const store = await fixture.open();
  const engine = new ProjectionEngine({
    store,
    log: domainEventLog(log, keys),
    projections: readModelProjections,
  });
  try {
    await engine.start();
    await engine.waitFor(await log.headPosition());
    return await dumpTables(store, [
      "employees",
      "users",
      "invoices",
    ]) as Record<
      string,
      Record<string, unknown>[]
    >;
  } finally {
    await engine.stop();
    await fixture.cleanup();
  }
}

/** Only what does not depend on ids, times of a run or positions. */
const stable = (tables: Record<string, Record<string, unknown>[]>) =>
  Object.fromEntries(
    Object.entries(tables).map(([name, list]) => [
      name,
      list.map((row) => ({
        fornavn: row.fornavn,
        etternavn: row.etternavn,
        epost: row.epost,
        telefon: row.telefon,
        email: row.email === undefined ? undefined : row.email !== null,
        kunde_navn: row.kunde_navn,
        kunde_epost: row.kunde_epost,
        kunde_subject: row.kunde_subject,
        status: row.status,
      })),
    ]),
  );

Deno.test("sealing upcast: an old log with personal data in clear replays into the same states and rows as a sealed one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-gdpr-upcast-" });
  const keys = new MemoryKeyStore();
  const { log: old, userId: oldUser } = await oldLog(`${dir}/old.kv`, keys);
  const sealed = await KvEventLog.open(`${dir}/new.kv`);
  try {
    // The same story through a node's log: sealed as it is written.
    const system = registerActors(
      new ActorSystem({ log: domainEventLog(sealed, keys) }),
    );
    const newUser = await story(system, keys);
    await system.shutdown();
    const oldFeed = JSON.stringify(await old.readFeed(0, 1000));
    const newFeed = JSON.stringify(await sealed.readFeed(0, 1000));
    assert.ok(oldFeed.includes("Gammelsen"), "the old log is in clear");
    assert.ok(!newFeed.includes("Gammelsen"), "the new one is sealed");
    assert.ok(oldFeed.includes('"v":1') && newFeed.includes('"v":2'));

    const before = await states(old, keys, oldUser);
    const after = await states(sealed, keys, newUser);
    assert.equal(before.employee.fornavn, "Kari");
    assert.equal(before.employee.fodselsnummer!.number, "01010012356");
    assert.equal(before.user.email, "kari.gammelsen@example.no");
    assert.deepEqual(before.employee, after.employee);
    assert.deepEqual(
      { ...before.user, id: null, createdAt: null },
      { ...after.user, id: null, createdAt: null },
    );
    assert.deepEqual(before.invoice, after.invoice);
    assert.deepEqual(
      stable(await rows(old, keys)),
      stable(await rows(sealed, keys)),
    );
  } finally {
    await old.close();
    await sealed.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sealing upcast: erasing a person of the old log — every reader gets null, the clear-text events are reported, the stored bytes stay", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-gdpr-upcast-" });
  const keys = new MemoryKeyStore();
  const { log: old, userId } = await oldLog(`${dir}/old.kv`, keys);
  const fixture = pgliteFixture();
  const store = await fixture.open();
  const log = domainEventLog(old, keys);
  const engine = new ProjectionEngine({
    store,
    log,
    projections: readModelProjections,
  });
  const system = registerActors(new ActorSystem({ log }));
  try {
    await engine.start();
    const services = {
      system,
      log,
      keys,
      readModels: async () => {
        await engine.waitFor(await log.headPosition());
        return store;
      },
    };
    const result = await eraseSubject(services, "e1", { at });
    // hired, updated, absence (employee); disabled (user) — the draft's
    // customer is another subject (kunde-b1-42), not erased here.
    assert.equal(result.erasure.clearTextEvents, 4);
    assert.deepEqual(result.erasure.keySubjects, ["e1", `user-${userId}`]);

    const then = await states(old, keys, userId);
    assert.equal(then.employee.fornavn, null);
    assert.equal(then.employee.etternavn, null);
    assert.equal(then.employee.telefon, null);
    assert.equal(then.employee.fodselsnummer, null);
    assert.equal(then.employee.absences[0].note, null);
    assert.equal(then.user.email, null);
    // A fresh replay of the history, as the history API reads it.
    const history = JSON.stringify(await log.readStream(EMPLOYEE, "e1", 0));
    assert.ok(!history.includes("Gammelsen"), history);
    assert.ok(!history.includes("Ryggvondt"), history);
    // Rebuilt from position 0: nothing of the person in the read models of
    // their employee and user (the invoice customer of the same name is
    // another data subject, erased under its own id).
    const rebuilt = await rows(old, keys);
    const dumped = JSON.stringify([rebuilt.employees, rebuilt.users]);
    assert.ok(!dumped.includes("kari.gammelsen"), "rebuilt rows");
    assert.ok(!dumped.includes("Gammelsen"), "rebuilt rows");
    assert.equal(rebuilt.employees[0].fornavn, null);
    assert.equal(rebuilt.invoices[0].kunde_subject, "kunde-b1-42");
    // The append-only log itself: the clear bytes are still there.
    const raw = JSON.stringify(await old.readStream(EMPLOYEE, "e1", 0));
    assert.ok(raw.includes("Gammelsen"));
  } finally {
    await engine.stop();
    await system.shutdown();
    await fixture.cleanup();
    await old.close();
    await Deno.remove(dir, { recursive: true });
  }
});
