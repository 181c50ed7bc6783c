/**
 * Erasure by crypto-shredding, end to end, on real nodes (`main.ts` in
 * processes of their own): a person's name, e-mail, phone and fødselsnummer
 * are never in the stored log in clear — not in the Deno KV file's bytes,
 * not in the JetStream stream's raw messages, not in a backup archive — and
 * once the person is erased and the keys are shredded they are in no
 * read-model table, no export, no replay or rebuild, and the ciphertexts in
 * a backup taken before the erasure open to nothing. Replay still works:
 * the aggregates are there, their amounts and numbers too, with `null`
 * where the person was.
 */
import assert from "node:assert/strict";
import { domainEventLog, registerActors } from "../../actors/mod.ts";
import { EMPLOYEE } from "../../actors/employee/mod.ts";
import type { EmployeeState } from "../../actors/employee/mod.ts";
import { INVOICE } from "../../actors/invoice/mod.ts";
import type { InvoiceState } from "../../actors/invoice/mod.ts";
import { readModelProjections } from "../../actors/mod.ts";
import { backupTask, runBackup } from "../../ops/backup.ts";
import { storeConfig } from "../../ops/backup_support.ts";
import { parseTaskArgs } from "../../ops/cli.ts";
import { startServer } from "../../ops/server_process.ts";
import type { ServerProcess } from "../../ops/server_process.ts";
import { jetstreamManager, natsConnect } from "../../deps.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { readTar } from "../../runtime/backup/mod.ts";
import { HttpHeaders } from "../../runtime/core/mod.ts";
import type { EventLog } from "../../runtime/core/mod.ts";
import { JetStreamEventLog } from "../../runtime/log/jetstream/mod.ts";
import { KvEventLog } from "../../runtime/log/kv/mod.ts";
import { ProjectionEngine } from "../../runtime/projection/mod.ts";
import { PgliteStore } from "../../runtime/sql/mod.ts";
import type { SqlExecutor } from "../../runtime/sql/mod.ts";
import {
  isEncryptedValue,
  NatsKeyStore,
  openEmbeddedKeyStore,
} from "../../runtime/storage/mod.ts";
import type {
  AesKeyStore,
  EncryptedValue,
  KeyStore,
} from "../../runtime/storage/mod.ts";
import { callJson } from "../support/http.ts";
import { NatsServer } from "../support/mod.ts";
import { dumpTables } from "../support/read_side.ts";
import { pgliteFixture } from "../support/sql_stores.ts";

/** What must never be found in clear once the person is erased. */
const PERSON = {
  etternavn: "Eksempelsen",
  epost: "kari.eksempelsen@example.no",
  telefon: "+4791827364",
  fodselsnummer: "01010012356",
  mask: "010100*****",
  note: "Ryggvondt etter skiulykke",
  kunde: "Kari Kundesen-Eksempel",
};
const SECRETS = Object.values(PERSON);

/** The secrets found in `text`. */
function found(text: string): string[] {
  return SECRETS.filter((s) => text.includes(s));
}

/** The bytes of a file as Latin-1 text (every byte one character). */
async function bytesOf(path: string): Promise<string> {
  try {
    return new TextDecoder("latin1").decode(await Deno.readFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "";
    throw error;
  }
}

/** Every table of the schema, dumped as JSON. */
async function allTables(db: SqlExecutor): Promise<string> {
  const tables = (await db.query(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  )).map((r) => String(r.table_name));
  assert.ok(tables.includes("employees") && tables.includes("invoices"));
  return JSON.stringify(await dumpTables(db, tables));
}

/** Every entry of a backup archive; the text of the data ones. */
async function archive(path: string) {
  const file = await Deno.open(path);
  const entries = new Map<string, string>();
  for await (const entry of readTar(file.readable)) {
    entries.set(entry.name, new TextDecoder().decode(entry.data));
  }
  return entries;
}

/** Every ciphertext in a JSON value. */
function ciphertexts(value: unknown, out: EncryptedValue[] = []) {
  if (isEncryptedValue(value)) out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => ciphertexts(v, out));
  else if (typeof value === "object" && value !== null) {
    Object.values(value).forEach((v) => ciphertexts(v, out));
  }
  return out;
}

/** A person and a customer on `server`: every kind of personal data. */
async function populate(server: ServerProcess) {
  let position = 0;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { "content-type": "application/json", ...server.auth },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    assert.ok(res.status < 300, `${method} ${path}: ${JSON.stringify(json)}`);
    position = Math.max(
      position,
      Number(res.headers.get(HttpHeaders.position)),
    );
    return json;
  };
  const b = (await api("POST", "/bedrifter", {
    organisasjonsnummer: "923609016",
    navn: "Oslo Trafikkskole AS",
  })).id as string;
  await api("PUT", `/bedrifter/${b}/invoice-settings`, {
    kontonummer: "86011117947",
    fakturaPrefix: "F-",
  });
  const kari = (await api("POST", "/employees", {
    bedriftId: b,
    ansattnummer: "1001",
    fornavn: "Kari",
    etternavn: PERSON.etternavn,
    epost: PERSON.epost,
    telefon: PERSON.telefon,
    role: "TRAFIKKLARER",
    stillingsprosent: 100,
    startDate: "2025-01-06",
    fodselsnummer: PERSON.fodselsnummer,
  })).id as string;
  await api("POST", `/employees/${kari}/absences`, {
    kind: "SYKMELDING",
    fromDate: "2025-02-03",
    toDate: "2025-02-07",
    note: PERSON.note,
  });
  // Shifts enough for snapshots (every 2 commits here): sealed too.
  for (let day = 10; day < 14; day++) {
    await api("POST", `/employees/${kari}/clock-in`, {
      at: `2025-02-${day}T07:00:00Z`,
    });
    await api("POST", `/employees/${kari}/clock-out`, {
      at: `2025-02-${day}T15:00:00Z`,
    });
  }
  await api("PATCH", `/employees/${kari}`, { stillingsprosent: 80 });
  const user = (await api("POST", "/users", {
    email: PERSON.epost,
    password: "et-langt-og-godt-passord",
    role: "TRAFIKKLARER",
    bedriftId: b,
    employeeId: kari,
  })).id as string;
  const invoice = (await api("POST", "/invoices", {
    bedriftId: b,
    kunde: { navn: PERSON.kunde, epost: PERSON.epost, kundenummer: "77" },
  })).id as string;
  await api("POST", `/invoices/${invoice}/lines`, {
    beskrivelse: "Kjøretime",
    antall: 3,
    enhetspris: "780.00",
    mvaSats: 25,
  });
  const sent = await api("POST", `/invoices/${invoice}/send`);
  return { b, kari, user, invoice, sent, position: () => position };
}

/** A GET that waits for the read models to reach `position`. */
async function read(server: ServerProcess, path: string, position = 0) {
  const res = await callJson(server.url, "GET", `/api/v1${path}`, undefined, {
    [HttpHeaders.minPosition]: String(position),
  });
  assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A POST without a body: its answer and `X-TMS-Position`. */
async function post(server: ServerProcess, path: string) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method: "POST",
    headers: server.auth,
  });
  const body = await res.json();
  assert.equal(res.status, 200, `${path}: ${JSON.stringify(body)}`);
  return { body, position: Number(res.headers.get(HttpHeaders.position)) };
}

/** The person's aggregates replayed from `log` in a fresh actor system. */
async function replay(
  log: EventLog,
  keys: KeyStore,
  ids: { kari: string; invoice: string },
) {
  const system = registerActors(
    new ActorSystem({ log: domainEventLog(log, keys) }),
  );
  try {
    return {
      employee: (await system.read<EmployeeState>(EMPLOYEE, ids.kari)).state!,
      invoice: (await system.read<InvoiceState>(INVOICE, ids.invoice)).state,
    };
  } finally {
    await system.shutdown();
  }
}

/** The read models of `log` rebuilt from position 0, every table dumped. */
async function rebuilt(log: EventLog, keys: KeyStore): Promise<string> {
  const fixture = pgliteFixture();
  const store = await fixture.open();
  const wrapped = domainEventLog(log, keys);
  const engine = new ProjectionEngine({
    store,
    log: wrapped,
    projections: readModelProjections,
  });
  try {
    await engine.start();
    await engine.waitFor(await log.headPosition());
    return await allTables(store);
  } finally {
    await engine.stop();
    await fixture.cleanup();
  }
}

/** A backup's ciphertexts opened with `keys`: the person's open to nothing. */
async function openedWith(
  entries: Map<string, string>,
  keys: KeyStore,
  subjects: readonly string[],
) {
  const values: EncryptedValue[] = [];
  for (const [name, body] of entries) {
    if (!name.endsWith(".ndjson")) continue;
    for (const line of body.split("\n").filter(Boolean)) {
      ciphertexts(JSON.parse(line), values);
    }
  }
  const theirs = values.filter((v) =>
    subjects.includes(v.keyId.slice(0, v.keyId.lastIndexOf(":")))
  );
  const plain = await keys.decryptAll(theirs);
  return { total: values.length, theirs: theirs.length, plain };
}

/** The keys export's entry for `subject`, if it holds one. */
async function exportedKey(path: string, subject: string) {
  for (const [name, body] of await archive(path)) {
    if (!name.startsWith("keys/")) continue;
    for (const line of body.split("\n").filter(Boolean)) {
      const entry = JSON.parse(line);
      if (entry.subject === subject) return entry.key;
    }
  }
  return null;
}

Deno.test({
  name:
    "gdpr e2e, embedded: erasure leaves the person in no byte of the KV log, no read-model table, no export, no replay; a backup taken before opens to nothing",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "tms-gdpr-e2e-" });
    const dataDir = `${root}/data`;
    let server: ServerProcess | undefined;
    let keyStore: { close(): Promise<void> } | undefined;
    try {
      server = await startServer({
        TMS_DATA_DIR: dataDir,
        TMS_SNAPSHOT_EVERY: "2",
      });
      const p = await populate(server);
      const kunde = `kunde-${p.b}-77`;
      const before = await read(
        server,
        `/gdpr/subjects/${p.kari}/export`,
        p.position(),
      );
      const exportedBefore = JSON.stringify(before);
      // (The export shows the fødselsnummer in full, not its mask.)
      const held = SECRETS.filter((s) =>
        s !== PERSON.kunde && s !== PERSON.mask
      );
      for (const s of held) {
        assert.ok(exportedBefore.includes(s), `the export holds ${s}`);
      }
      const customer = await read(server, `/gdpr/subjects/${kunde}/export`);
      assert.equal(customer.invoices[0].kunde.navn, PERSON.kunde);
      // The read models hold the person while they are not erased.
      const list = await read(server, "/employees", p.position());
      assert.equal(list.items[0].etternavn, PERSON.etternavn);

      // Sealed from the first write: not in the log's bytes even now.
      const env = { TMS_DATA_DIR: dataDir };
      const kvFiles = ["events.kv", "events.kv-wal", "events.kv-shm"]
        .map((f) => `${dataDir}/${f}`);
      const rawBefore = (await Promise.all(kvFiles.map(bytesOf))).join("");
      assert.ok(
        rawBefore.includes("employee.hired"),
        "the log's bytes are read",
      );
      assert.ok(
        rawBefore.includes("Oslo Trafikkskole AS"),
        "a company is no person",
      );
      assert.deepEqual(found(rawBefore), []);
      // A backup (and, apart, a keys export) taken before the erasure.
      const data = `${root}/before.tar.gz`;
      const keysExport = `${root}/keys-before.tar.gz`;
      await runBackup(
        parseTaskArgs(backupTask, ["--out", data]),
        storeConfig(env),
      );
      await runBackup(
        parseTaskArgs(backupTask, ["--keys", "--out", keysExport]),
        storeConfig(env),
      );
      const backup = await archive(data);
      const backupText = [...backup.values()].join("\n");
      assert.ok(backupText.includes("employee.hired"));
      assert.ok(
        [...backup.keys()].some((n) => n.startsWith("snapshots/")) &&
          backupText.includes('"$sealed"'),
        "sealed snapshots are in the backup",
      );
      assert.deepEqual(found(backupText), []);
      assert.ok(
        await exportedKey(keysExport, p.kari),
        "the export has the key",
      );

      const erased = await post(server, `/gdpr/subjects/${p.kari}/erase`);
      assert.deepEqual(erased.body.erasure.keySubjects, [
        p.kari,
        `user-${p.user}`,
      ]);
      assert.equal(erased.body.erasure.clearTextEvents, 0);
      const last = await post(server, `/gdpr/subjects/${kunde}/erase`);
      const again = await post(server, `/gdpr/subjects/${kunde}/erase`);
      assert.equal(again.body.alreadyErased, true, "idempotent");

      // Nothing after: the exports, the read models as the API shows them.
      const after = await read(server, `/gdpr/subjects/${p.kari}/export`);
      assert.deepEqual(found(JSON.stringify(after)), []);
      assert.equal(after.employees[0].profile.ansattnummer, "1001");
      const customerAfter = await read(
        server,
        `/gdpr/subjects/${kunde}/export`,
      );
      assert.deepEqual(found(JSON.stringify(customerAfter)), []);
      assert.equal(
        customerAfter.invoices[0].sent.fakturanummer,
        p.sent.fakturanummer,
      );
      // The access log: both exports, the erasure, the ADMIN's reads of the
      // list before it (the projection may lag the last record a moment).
      let actions: string[] = [];
      for (let i = 0; i < 50; i++) {
        const audit = await read(server, `/audit?subjectId=${p.kari}`);
        actions = audit.items.map((a: { action: string }) => a.action).sort();
        if (actions.filter((a) => a === "gdpr.export").length === 2) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(actions.filter((a) => a !== "personal_data.read"), [
        "gdpr.erase",
        "gdpr.export",
        "gdpr.export",
      ]);
      assert.ok(
        actions.includes("personal_data.read"),
        "the ADMIN's list read",
      );
      const invoiceNow = await read(server, `/invoices/${p.invoice}`);
      assert.equal(invoiceNow.kunde.navn, null);
      assert.deepEqual(invoiceNow.totals, p.sent.totals);
      assert.equal(invoiceNow.kid, p.sent.kid);
      // The read models have caught up with the erasure before the node stops.
      const employees = await read(server, "/employees", last.position);
      assert.deepEqual(found(JSON.stringify(employees)), []);
      await read(server, "/invoices", last.position);
      await server.stop();
      server = undefined;

      // The raw bytes of the log, after: still no clear text.
      const rawAfter = (await Promise.all(kvFiles.map(bytesOf))).join("");
      assert.ok(rawAfter.includes("employee.personal_data_erased"));
      assert.deepEqual(found(rawAfter), []);
      // Every read-model table, dumped.
      const readModels = await PgliteStore.open({
        dataDir: `${dataDir}/readmodel`,
      });
      try {
        const tables = await allTables(readModels);
        assert.deepEqual(found(tables), []);
        assert.ok(tables.includes("1001"), "the employee row is there");
      } finally {
        await readModels.close();
      }
      // The keys: tombstones where the person's were.
      const keys = await openEmbeddedKeyStore(dataDir);
      keyStore = keys;
      assert.ok(await keys.erased(p.kari));
      assert.ok(await keys.erased(`user-${p.user}`));
      assert.ok(await keys.erased(kunde));
      // The backup taken before: its ciphertexts of the person open to
      // nothing now, and the old keys export cannot bring the key back.
      const opened = await openedWith(backup, keys, [
        p.kari,
        `user-${p.user}`,
        kunde,
      ]);
      assert.ok(opened.theirs >= 8, JSON.stringify(opened));
      assert.deepEqual(opened.plain.filter((v) => v !== null), []);
      assert.equal(
        await (keys as AesKeyStore).importKey(
          p.kari,
          await exportedKey(keysExport, p.kari),
        ),
        false,
      );
      assert.equal((await openedWith(backup, keys, [p.kari])).plain[0], null);

      // Replay works: the aggregates are there, null where the person was.
      const log = await KvEventLog.open(`${dataDir}/events.kv`);
      try {
        const state = await replay(log, keys, p);
        assert.equal(state.employee.fornavn, null);
        assert.equal(state.employee.epost, null);
        assert.equal(state.employee.fodselsnummer, null);
        assert.equal(state.employee.absences[0].note, null);
        assert.equal(state.employee.ansattnummer, "1001");
        assert.equal(state.employee.stillingsprosent, 80);
        assert.equal(state.invoice.kunde.navn, null);
        assert.equal(state.invoice.kunde.kundenummer, "77");
        assert.equal(state.invoice.totals.brutto, "2925.00");
        assert.equal(state.invoice.sent?.fakturanummer, p.sent.fakturanummer);
        // A rebuild from position 0 writes none of it either.
        const again = await rebuilt(log, keys);
        assert.deepEqual(found(again), []);
        assert.ok(again.includes(p.sent.fakturanummer));
      } finally {
        await log.close();
      }
    } finally {
      await keyStore?.close();
      await server?.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "gdpr e2e, distributed: two nodes share tms_keys — erased through one, unreadable through the other and in the JetStream stream's raw messages",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "tms-gdpr-e2e-js-" });
    const nats = await NatsServer.start();
    let a: ServerProcess | undefined;
    let b: ServerProcess | undefined;
    const nc = await natsConnect({ servers: nats.url });
    try {
      const env = (name: string) => ({
        TMS_DATA_DIR: `${root}/${name}`,
        TMS_NATS_URL: nats.url,
        TMS_SNAPSHOT_EVERY: "2",
        TMS_LEASE_TTL_MS: "3000",
      });
      a = await startServer(env("a"));
      b = await startServer(env("b"));
      const p = await populate(a);
      const kunde = `kunde-${p.b}-77`;
      // Node b reads the person through the shared keys.
      const seen = await read(b, `/gdpr/subjects/${p.kari}/export`);
      assert.equal(
        seen.employees[0].profile.fodselsnummer,
        PERSON.fodselsnummer,
      );
      const backup = `${root}/before.tar.gz`;
      await runBackup(
        parseTaskArgs(backupTask, ["--out", backup]),
        storeConfig({ TMS_NATS_URL: nats.url }),
      );

      // Erased through node b; read through node a.
      await post(b, `/gdpr/subjects/${p.kari}/erase`);
      await post(b, `/gdpr/subjects/${kunde}/erase`);
      const viaA = await read(a, `/gdpr/subjects/${p.kari}/export`);
      assert.deepEqual(found(JSON.stringify(viaA)), []);
      const employeeViaA = await read(a, `/employees/${p.kari}`);
      assert.equal(employeeViaA.fornavn, null);

      // Raw messages of the stream and the snapshot bucket.
      const jsm = await jetstreamManager(nc);
      const raw: string[] = [];
      for (const stream of ["TMS_EVENTS", "KV_tms_snapshots"]) {
        const info = await jsm.streams.info(stream);
        for (
          let seq = info.state.first_seq;
          seq <= info.state.last_seq;
          seq++
        ) {
          const message = await jsm.streams.getMessage(stream, { seq })
            .catch(() => null);
          if (!message) continue;
          raw.push(new TextDecoder("latin1").decode(message.data));
          for (
            const [k, v] of message.header?.keys().map((
              k,
            ) => [k, message.header!.get(k)]) ?? []
          ) raw.push(`${k}: ${v}`);
        }
      }
      const rawText = raw.join("\n");
      assert.ok(rawText.includes("employee.hired"), "the stream is read");
      assert.deepEqual(found(rawText), []);

      // The key is gone for every node: a key store on its own connection
      // (what a third node opens) reads nothing and writes nothing.
      const other = await NatsKeyStore.open(nc);
      assert.ok(await other.erased(p.kari));
      assert.ok(await other.erased(kunde));
      await assert.rejects(other.encrypt(p.kari, "ny"));
      const entries = await archive(backup);
      assert.deepEqual(found([...entries.values()].join("\n")), []);
      const opened = await openedWith(entries, other, [p.kari, kunde]);
      assert.ok(opened.theirs >= 6, JSON.stringify(opened));
      assert.deepEqual(opened.plain.filter((v) => v !== null), []);
      // Replay from the stream: the aggregates are there.
      const log = await JetStreamEventLog.open(nc);
      const state = await replay(log, other, p);
      assert.equal(state.employee.etternavn, null);
      assert.equal(state.employee.ansattnummer, "1001");
      assert.equal(state.invoice.kunde.navn, null);
      assert.equal(state.invoice.sent?.fakturanummer, p.sent.fakturanummer);
      await log.close();
    } finally {
      await b?.stop();
      await a?.stop();
      await nc.close();
      await nats.dispose();
      await Deno.remove(root, { recursive: true });
    }
  },
});
