import assert from "node:assert/strict";
import {
  readModelProjections,
  registerActors,
  withDomainUpcasters,
} from "../../../actors/mod.ts";
import {
  cancelInvoice,
  creditInvoice,
  invoiceBalance,
  invoicesProjection,
  listInvoices,
  registerInvoicePayment,
  remindInvoice,
  sendInvoice,
} from "../../../actors/invoice/mod.ts";
import type { InvoiceState } from "../../../actors/invoice/mod.ts";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import { UnavailableError } from "../../../runtime/core/mod.ts";
import type { EventLog } from "../../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import {
  CHECKPOINTS_TABLE,
  engineMigrations,
  ProjectionEngine,
  projectionMetrics,
  projectionReadiness,
  ProjectionStates,
  rebuildProjections,
} from "../../../runtime/projection/mod.ts";
import {
  migrate,
  PgliteStore,
  PostgresStore,
} from "../../../runtime/sql/mod.ts";
import type { Projection } from "../../../runtime/projection/mod.ts";
import type { SqlStore } from "../../../runtime/sql/mod.ts";
import {
  addBedrift,
  addInvoice,
  dumpTables,
  seedWorkload,
} from "../../support/read_side.ts";
import { SQL_FIXTURES } from "../../support/sql_stores.ts";
import type { SqlStoreFixture } from "../../support/sql_stores.ts";

const TABLES = readModelProjections.flatMap((p) => p.tables);

interface World {
  store: SqlStore;
  log: EventLog;
  system: ActorSystem;
  engine(options?: {
    batchSize?: number;
    projections?: readonly Projection[];
  }): Promise<ProjectionEngine>;
}

/** One test per backend, with a store, a log, an actor system and engines that are all closed after. */
function backendTest(name: string, fn: (world: World) => Promise<void>) {
  for (const make of SQL_FIXTURES) {
    const fixture: SqlStoreFixture = make();
    Deno.test(`read side [${fixture.backend}]: ${name}`, async () => {
      const log = withDomainUpcasters(new MemoryEventLog());
      const system = registerActors(new ActorSystem({ log }));
      const engines: ProjectionEngine[] = [];
      try {
        const store = await fixture.open();
        await fn({
          store,
          log,
          system,
          async engine(options = {}) {
            const engine = new ProjectionEngine({
              store,
              log,
              projections: options.projections ?? readModelProjections,
              batchSize: options.batchSize,
              pollIntervalMs: 50,
            });
            engines.push(engine);
            await engine.start();
            return engine;
          },
        });
      } finally {
        for (const engine of engines) await engine.stop();
        await system.shutdown();
        await log.close();
        await fixture.cleanup();
      }
    });
  }
}

backendTest(
  "applying the same batches twice leaves the same rows",
  async (w) => {
    const head = await seedWorkload(w.system, "x", 12);
    const first = await w.engine({ batchSize: 7 });
    await first.waitFor(head);
    const once = await dumpTables(w.store, TABLES);
    assert.equal(once.bedrifter.length, 12);
    assert.equal(once.invoices.length, 12);
    await first.stop();

    // Delivery again from 0 (a lost checkpoint): effects stay the same.
    await w.store.query(`UPDATE ${CHECKPOINTS_TABLE} SET position = 0`);
    const again = await w.engine({ batchSize: 500 });
    await again.waitFor(head);
    assert.deepEqual(await dumpTables(w.store, TABLES), once);

    // The same batch applied twice by hand, in one transaction each.
    const commits = await w.log.readFeed(0, 10_000);
    for (const projection of readModelProjections) {
      const relevant = commits.filter((c) =>
        c.events.some((e) => projection.eventTypes.includes(e.type))
      );
      for (let i = 0; i < 2; i++) {
        await w.store.transaction((tx) => projection.apply(relevant, tx));
      }
    }
    assert.deepEqual(await dumpTables(w.store, TABLES), once);
    const status = again.status();
    assert.ok(status.every((s) => s.state === ProjectionStates.live));
    assert.ok(status.every((s) => s.lagPositions === 0 && s.lagMs === 0));
  },
);

backendTest(
  "a rebuild produces tables identical to the live ones",
  async (w) => {
    const head = await seedWorkload(w.system, "r", 10);
    const engine = await w.engine({ batchSize: 5 });
    await engine.waitFor(head);
    const live = await dumpTables(w.store, TABLES);

    const progress: string[] = [];
    const results = await engine.rebuild(undefined, {
      batchSize: 13,
      onProgress: (p) => progress.push(p.phase),
    });
    assert.deepEqual(
      results.map((r) => r.position),
      readModelProjections.map(() => head),
    );
    assert.deepEqual(progress.at(-1), "done");
    assert.ok(progress.includes("replay"));
    assert.deepEqual(await dumpTables(w.store, TABLES), live);

    // A rebuild from elsewhere (the CLI) while this engine runs and writes go on.
    const writes = seedWorkload(w.system, "s", 4, 100);
    await rebuildProjections(w.store, w.log, readModelProjections, {
      batchSize: 50,
    });
    const last = await writes;
    await engine.waitFor(last);
    const afterWrites = await dumpTables(w.store, TABLES);
    assert.equal(afterWrites.bedrifter.length, 14);
    await engine.rebuild();
    assert.deepEqual(await dumpTables(w.store, TABLES), afterWrites);
    const shadows = await w.store.query(
      "SELECT nspname FROM pg_namespace WHERE nspname LIKE '%__rebuild_%'",
    );
    assert.deepEqual(shadows, []);
  },
);

backendTest("a poison event halts only its projection, visibly", async (w) => {
  const before = await addBedrift(w.system, "good-1", "Før Trafikkskole", 1);
  await addInvoice(w.system, "inv-1", "good-1", "Kari");
  const poison = await w.log.append({
    type: "bedrift",
    id: "good-1",
    expectedVersion: 1,
    commandId: "poison",
    events: [{ type: "bedrift.updated", v: 99, data: { changes: {} } }],
  });
  await addBedrift(w.system, "good-2", "Etter Trafikkskole", 2);
  const head = await addInvoice(w.system, "inv-2", "good-1", "Ola");
  assert.ok(before < poison.position && poison.position < head);

  const engine = await w.engine({ batchSize: 100 });
  await engine.waitFor(head, { projections: ["invoices"] });
  await assert.rejects(
    engine.waitFor(head, { projections: ["bedrifter"] }),
    (error) =>
      error instanceof UnavailableError &&
      /bedrifter is halted at position/.test(error.message),
  );
  const status = Object.fromEntries(engine.status().map((s) => [s.name, s]));
  assert.equal(status.bedrifter.state, ProjectionStates.failed);
  assert.equal(status.bedrifter.position, poison.position - 1);
  assert.equal(status.bedrifter.failure?.position, poison.position);
  assert.equal(status.bedrifter.failure?.streamId, "good-1");
  assert.match(
    status.bedrifter.failure?.error ?? "",
    /bedrift\.updated v99 is newer than this code knows \(v1\)/,
  );
  assert.equal(status.invoices.state, ProjectionStates.live);
  assert.equal(status.invoices.position, head);

  const rows = await w.store.query("SELECT id FROM bedrifter ORDER BY id");
  assert.deepEqual(rows, [{ id: "good-1" }]);
  const invoices = await w.store.query("SELECT id FROM invoices ORDER BY id");
  assert.deepEqual(invoices, [{ id: "inv-1" }, { id: "inv-2" }]);

  const metrics = projectionMetrics(engine);
  assert.match(metrics, /tms_projection_failed\{projection="bedrifter"\} 1/);
  assert.match(metrics, /tms_projection_failed\{projection="invoices"\} 0/);
  assert.match(
    metrics,
    new RegExp(
      `tms_projection_failed_position\\{projection="bedrifter"\\} ${poison.position}`,
    ),
  );
  const readiness = projectionReadiness(engine);
  assert.equal(readiness.ok, false);

  engine.resume("bedrifter");
  await assert.rejects(
    engine.waitFor(head, { projections: ["bedrifter"] }),
    UnavailableError,
  );
  assert.equal(
    engine.status().find((s) => s.name === "bedrifter")?.failure?.position,
    poison.position,
  );
  await assert.rejects(
    rebuildProjections(w.store, w.log, readModelProjections),
    new RegExp(`bedrifter cannot apply position ${poison.position}`),
  );
});

Deno.test("read side: lag is reported while a projection is behind", async () => {
  const log = new MemoryEventLog();
  const store = await (SQL_FIXTURES[0]()).open();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  const slow: Projection = {
    name: "slow",
    eventTypes: ["thing.happened"],
    tables: ["slow"],
    migrations: [{
      version: 1,
      name: "create",
      sql: "CREATE TABLE slow (id text PRIMARY KEY)",
    }],
    async apply(_commits, _tx) {
      await gate;
    },
  };
  const engine = new ProjectionEngine({
    store,
    log,
    projections: [slow],
    pollIntervalMs: 20,
  });
  try {
    await engine.start();
    for (let i = 0; i < 3; i++) {
      await log.append({
        type: "thing",
        id: `t${i}`,
        expectedVersion: 0,
        commandId: `c${i}`,
        events: [{ type: "thing.happened", v: 1, data: null }],
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    const [behind] = engine.status();
    assert.equal(behind.lagPositions, 3);
    assert.ok(behind.lagMs >= 20, `lagMs ${behind.lagMs}`);
    assert.equal(behind.state, ProjectionStates.catchingUp);
    assert.equal(projectionReadiness(engine, { maxLagMs: 10 }).ok, false);
    release();
    await engine.waitFor(3);
    const [caughtUp] = engine.status();
    assert.equal(caughtUp.lagPositions, 0);
    assert.equal(caughtUp.lagMs, 0);
    assert.equal(projectionReadiness(engine).ok, true);
    assert.match(
      projectionMetrics(engine),
      /tms_projection_lag_positions\{projection="slow"\} 0/,
    );
  } finally {
    release();
    await engine.stop();
    await store.close();
    await log.close();
  }
});

Deno.test("read side [pglite]: a data dir is used by one process at a time and keeps its rows", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-readmodel-" });
  try {
    const store = await PgliteStore.open({ dataDir: `${dir}/readmodel` });
    try {
      await assert.rejects(
        PgliteStore.open({ dataDir: `${dir}/readmodel` }),
        (error) =>
          error instanceof UnavailableError && /in use/.test(error.message),
      );
      await store.exec(
        "CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)",
      );
    } finally {
      await store.close();
    }
    const again = await PgliteStore.open({ dataDir: `${dir}/readmodel` });
    try {
      assert.deepEqual(await again.query("SELECT id FROM kept"), [{ id: 7 }]);
    } finally {
      await again.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("read side [postgres]: an unreachable server fails, it is never skipped", async () => {
  await assert.rejects(
    PostgresStore.open({
      databaseUrl: "postgres://postgres@127.0.0.1:1/postgres",
    }),
    UnavailableError,
  );
});

/** A valid kontonummer (MOD11, weights 5,4,3,2,7,6,5,4,3,2). */
function kontonummer(): string {
  const weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
  for (let base = 1234_56_7890;; base++) {
    const digits = String(base);
    const sum = weights.reduce((acc, w, i) => acc + w * Number(digits[i]), 0);
    const check = sum % 11 === 0 ? 0 : 11 - (sum % 11);
    if (check < 10) return digits + check;
  }
}

backendTest(
  "invoices follow the lifecycle, with the balance the aggregate computes",
  async (w) => {
    const at = "2025-03-10T09:00:00.000Z";
    await addBedrift(w.system, "lb", "Livsløp Trafikkskole", 7);
    await w.system.ask("bedrift", "lb", {
      type: "change_invoice_settings",
      changes: {
        kontonummer: kontonummer(),
        purregebyr: "35.00",
        mvaRegistrert: true,
        fakturaPrefix: "LB-",
      },
      at,
    });
    const line = { antall: "1", enhetspris: "1000.00", mvaSats: 25 };
    await addInvoice(w.system, "l1", "lb", "Kari", [line], at);
    await sendInvoice(w.system, { id: "l1", at });
    await registerInvoicePayment(w.system, {
      id: "l1",
      paymentId: "p1",
      amount: "250.00",
      at: "2025-03-20T09:00:00.000Z",
    });
    await remindInvoice(w.system, {
      id: "l1",
      on: "2025-04-15",
      at: "2025-04-15T09:00:00.000Z",
    });
    await addInvoice(w.system, "l2", "lb", "Ola", [line], at);
    await sendInvoice(w.system, { id: "l2", at });
    const credit = await creditInvoice(w.system, { id: "l2", at });
    await addInvoice(w.system, "l3", "lb", "Per", [line], at);
    await cancelInvoice(w.system, { id: "l3", at });
    await addInvoice(w.system, "l4", "lb", "Siri", [line], at);
    await sendInvoice(w.system, { id: "l4", at });
    const l4 = await w.system.read<InvoiceState>("invoice", "l4");
    const paid = await registerInvoicePayment(w.system, {
      id: "l4",
      paymentId: "p4",
      amount: invoiceBalance(l4.state).utestaende,
      at: "2025-03-21T09:00:00.000Z",
    });

    const engine = await w.engine({ batchSize: 3 });
    await engine.waitFor(paid.position);
    const ids = ["l1", "l2", credit.creditNoteId, "l3", "l4"];
    const { items } = await listInvoices(w.store, { bedriftId: "lb" });
    const byId = new Map(items.map((item) => [item.id, item]));
    for (const id of ids) {
      const { state } = await w.system.read<InvoiceState>("invoice", id);
      const item = byId.get(id)!;
      assert.equal(item.status, state.status, id);
      assert.equal(item.kind, state.kind, id);
      assert.deepEqual(item.totals, state.totals, id);
      assert.equal(item.fakturanummer, state.sent?.fakturanummer ?? null, id);
      assert.equal(item.kid, state.sent?.kid ?? null, id);
      assert.equal(item.forfallsdato, state.sent?.forfallsdato ?? null, id);
      const balance = invoiceBalance(state);
      assert.equal(item.balance.betalt, balance.betalt, id);
      assert.equal(item.balance.gebyrer, balance.gebyrer, id);
      assert.equal(item.balance.renter, balance.renter, id);
    }
    const l1 = byId.get("l1")!;
    assert.equal(l1.status, "DELVIS_BETALT");
    assert.equal(l1.antallPurringer, 1);
    const l1State = (await w.system.read<InvoiceState>("invoice", "l1")).state;
    assert.equal(l1.balance.utestaende, invoiceBalance(l1State).utestaende);
    assert.ok(Number(l1.balance.gebyrer) > 0);
    assert.equal(byId.get("l2")!.kreditertAv, credit.creditNoteId);
    assert.equal(byId.get("l2")!.balance.utestaende, "0.00");
    assert.equal(byId.get(credit.creditNoteId)!.kreditnotaFor, "l2");
    assert.equal(byId.get(credit.creditNoteId)!.totals.brutto, "-1250.00");
    assert.equal(byId.get("l3")!.status, "KANSELLERT");
    assert.equal(byId.get("l4")!.status, "BETALT");
    assert.equal(byId.get("l4")!.balance.utestaende, "0.00");
    assert.equal(byId.get("l4")!.betaltDato, "2025-03-21");
    const sent = await listInvoices(w.store, { status: "SENDT" });
    assert.deepEqual(sent.items.map((i) => i.id), [credit.creditNoteId]);

    const live = await dumpTables(w.store, TABLES);
    await engine.rebuild();
    assert.deepEqual(await dumpTables(w.store, TABLES), live);
  },
);

backendTest(
  "a projection whose version changed is rebuilt at start",
  async (w) => {
    const head = await seedWorkload(w.system, "v", 4);
    const first = await w.engine();
    await first.waitFor(head);
    const live = await dumpTables(w.store, TABLES);
    await first.stop();
    // Tables written by an older version of the invoice projection.
    await w.store.query(
      `UPDATE ${CHECKPOINTS_TABLE} SET projection_version = 1 WHERE name = 'invoices'`,
    );
    await w.store.query("UPDATE invoices SET kunde_navn = 'stale'");
    const second = await w.engine();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const [row] = await w.store.query(
        `SELECT projection_version FROM ${CHECKPOINTS_TABLE} WHERE name = 'invoices'`,
      );
      if (row.projection_version === invoicesProjection.version) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await second.waitFor(head);
    assert.deepEqual(await dumpTables(w.store, TABLES), live);
  },
);

backendTest(
  "invoices read model of projection version 2 (lines as jsonb) is migrated in place and rebuilt at start",
  async (w) => {
    const head = await seedWorkload(w.system, "m", 4);
    // What the previous code left: migrations 1–2, rows with a lines column.
    await migrate(w.store, [engineMigrations, {
      scope: invoicesProjection.name,
      migrations: invoicesProjection.migrations.slice(0, 2),
    }]);
    await w.store.query(
      `INSERT INTO invoices (id, bedrift_id, status, kunde_navn,
         kunde_organisasjonsnummer, dato, netto, mva, brutto, mva_per_sats,
         antall_linjer, lines, created_at, updated_at, created_position,
         version, position)
       VALUES ('old-1', 'b', 'UTKAST', 'Bil AS', '974760673', '2025-01-01',
         0, 0, 0, '[]', 1, '[{"lineId":"l1"}]', now(), now(), 1, 1, 1)`,
    );
    await w.store.query(
      `INSERT INTO ${CHECKPOINTS_TABLE} (name, position, projection_version)
       VALUES ('invoices', $1::bigint, 2)`,
      [head],
    );
    const engine = await w.engine({ projections: [invoicesProjection] });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [row] = await w.store.query(
        `SELECT projection_version FROM ${CHECKPOINTS_TABLE} WHERE name = 'invoices'`,
      );
      if (row.projection_version === invoicesProjection.version) break;
      assert.ok(Date.now() < deadline, "rebuilt at start");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await engine.waitFor(head);
    const rebuilt = await dumpTables(w.store, invoicesProjection.tables);
    assert.ok(
      !rebuilt.invoices.some((r) => (r as { id: string }).id === "old-1"),
    );
    assert.equal(rebuilt.invoices.length, 4);
    assert.ok(!("lines" in (rebuilt.invoices[0] as object)));
    // Three lines each, one removed on every other invoice.
    assert.equal(rebuilt.invoice_lines.length, 10);
    await engine.rebuild();
    assert.deepEqual(
      await dumpTables(w.store, invoicesProjection.tables),
      rebuilt,
    );
  },
);

backendTest("two engines on one store apply each batch once", async (w) => {
  const writes = seedWorkload(w.system, "t", 12);
  const [a, b] = await Promise.all([
    w.engine({ batchSize: 4 }),
    w.engine({ batchSize: 7 }),
  ]);
  const head = await writes;
  await Promise.all([a.waitFor(head), b.waitFor(head)]);
  const both = await dumpTables(w.store, TABLES);
  for (const status of [...a.status(), ...b.status()]) {
    assert.equal(status.failure, null, status.name);
  }
  await w.engine().then((fresh) => fresh.rebuild());
  assert.deepEqual(await dumpTables(w.store, TABLES), both);
});
