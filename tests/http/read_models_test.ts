import assert from "node:assert/strict";
import {
  employeesProjection,
  listEmployees,
} from "../../actors/employee/mod.ts";
import type { EmployeeState } from "../../actors/employee/mod.ts";
import {
  kontrollerProjection,
  listKontroller,
} from "../../actors/kontroll/mod.ts";
import { kontrollMalerProjection } from "../../actors/kontroll_mal/mod.ts";
import { readModelProjections } from "../../actors/mod.ts";
import {
  CHECKPOINTS_TABLE,
  ProjectionEngine,
} from "../../runtime/projection/mod.ts";
import { edgeTest, FNR, workload } from "../support/read_models.ts";
import type { Page } from "../support/read_models.ts";
import { dumpTables } from "../support/read_side.ts";

const TABLES = ["kontroll_maler", "kontroller", "employees", "shifts"];

edgeTest(
  "kontroller: counts through the lifecycle, filters and paging",
  async (e) => {
    const w = await workload(e);
    const all = await e.list("/api/v1/kontroller?limit=200", w.head);
    assert.deepEqual(
      all.items.map((k) => k.id),
      [...w.kontroller.created].reverse(),
      "newest first",
    );
    const byId = new Map(all.items.map((k) => [k.id, k]));
    const passed = byId.get(w.kontroller.passed)!;
    assert.equal(passed.status, "BESTATT");
    assert.deepEqual(passed.counts, {
      punkter: 3,
      pakrevde: 2,
      registrert: 2,
      bestatt: 2,
      bilder: 1,
      avvik: 0,
    });
    assert.equal(passed.registreringsnummer, "BT56780");
    assert.equal(passed.bedriftId, w.a);
    assert.ok(passed.completedAt && passed.startedAt);
    assert.equal(passed.completedBy, "laerer-2");
    const failed = byId.get(w.kontroller.failed)!;
    assert.equal(failed.status, "IKKE_BESTATT");
    assert.deepEqual(failed.counts, {
      punkter: 3,
      pakrevde: 2,
      registrert: 1,
      bestatt: 0,
      bilder: 0,
      avvik: 2,
    });
    assert.deepEqual(
      (failed.avvik as { pointId: string; reason: string }[]).map((
        a,
      ) => [a.pointId, a.reason]),
      [["lys", "NOT_RECORDED"], ["dekk", "NOT_PASSED"]],
    );
    const started = byId.get(w.kontroller.started)!;
    assert.equal(started.status, "UNDER_ARBEID");
    assert.equal((started.counts as { avvik: number }).avvik, 1);
    assert.equal(started.completedAt, null);

    const ids = async (query: string) =>
      (await e.list(`/api/v1/kontroller?${query}`)).items.map((k) => k.id);
    const c = w.kontroller.created;
    assert.deepEqual(await ids(`bedriftId=${w.b}`), [c[6], c[5]]);
    assert.deepEqual(await ids("status=OPPRETTET"), [c[6], c[5], c[4], c[3]]);
    assert.deepEqual(await ids("registreringsnummer=el"), [c[5], c[3], c[1]]);
    assert.deepEqual(await ids("registreringsnummer=EL%2012343"), [c[3]]);
    assert.deepEqual(await ids("instructorId=laerer-2"), [c[6], c[3], c[0]]);
    assert.deepEqual(
      await ids(`bedriftId=${w.a}&status=UNDER_ARBEID&instructorId=laerer-2`),
      [],
    );
    assert.deepEqual(await ids("status=UNDER_ARBEID&instructorId=laerer-1"), [
      c[2],
    ]);

    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await e.list(
        `/api/v1/kontroller?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      assert.ok(page.items.length <= 3);
      seen.push(...page.items.map((k) => k.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [...c].reverse());

    for (
      const query of [
        "status=GODKJENT",
        "limit=0",
        "registreringsnummer=%25",
        "cursor=WyJhIiwiYiJd",
        "learnerId=elev-1",
      ]
    ) {
      const res = await e.app.request(`/api/v1/kontroller?${query}`);
      assert.equal(res.status, 422, query);
    }
    // The write routes still own GET /api/v1/kontroller/:id.
    const one = await e.app.request(`/api/v1/kontroller/${c[0]}`);
    assert.equal(one.status, 200);
    assert.equal((await one.json()).id, c[0]);

    const direct = await listKontroller(e.store, { bedriftId: w.b, limit: 1 });
    assert.equal(direct.items.length, 1);
    assert.ok(direct.nextCursor);
    await assert.rejects(
      () => listKontroller(e.store, { limit: 201 }),
      RangeError,
    );
  },
);

edgeTest(
  "employees: filters, paging, shifts; never the fødselsnummer",
  async (e) => {
    const w = await workload(e);
    const all = await e.list("/api/v1/employees", w.head);
    assert.deepEqual(
      all.items.map((x) => `${x.etternavn} ${x.fornavn}`),
      ["Berg Per", "Dahl Lise", "Hansen Kari", "Øvre Åse", "Ås Ola"],
      "Norwegian alphabetical order",
    );
    const kari = all.items.find((x) => x.id === w.employees.Kari)!;
    assert.equal(kari.stillingsprosent, 50);
    assert.deepEqual(kari.licenceClasses, ["B"]);
    assert.equal(kari.status, "ACTIVE");
    assert.ok(kari.openShift, "clocked in");
    assert.ok(kari.lastClockedOutAt);
    assert.equal(kari.startDate, "2025-01-06");
    const per = all.items.find((x) => x.id === w.employees.Per)!;
    assert.equal(per.status, "TERMINATED");
    assert.equal(per.role, "ADMIN");
    assert.equal(per.endDate, "2025-12-31");
    assert.equal(per.openShift, null);
    const ola = all.items.find((x) => x.id === w.employees.Ola)!;
    assert.equal(ola.antallFravaer, 1);

    const names = async (query: string) =>
      (await e.list(`/api/v1/employees?${query}`)).items.map((x) => x.fornavn);
    assert.deepEqual(await names(`bedriftId=${w.b}`), ["Lise"]);
    assert.deepEqual(await names("role=TRAFIKKLARER"), ["Lise", "Kari"]);
    assert.deepEqual(await names("status=TERMINATED"), ["Per"]);
    assert.deepEqual(await names(`bedriftId=${w.a}&q=100`), [
      "Per",
      "Kari",
      "Ola",
    ]);
    assert.deepEqual(await names("q=hANSEN"), ["Kari"]);
    assert.deepEqual(await names("q=ansatt1001%40"), ["Lise", "Kari"]);
    assert.deepEqual(await names("q=%25"), []);
    for (
      const query of ["role=SJEF", "status=AKTIV", "limit=201", "fnr=1"]
    ) {
      const res = await e.app.request(`/api/v1/employees?${query}`);
      assert.equal(res.status, 422, query);
    }
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await e.list(
        `/api/v1/employees?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.items.map((x) => x.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, all.items.map((x) => x.id));
    const one = await e.app.request(`/api/v1/employees/${w.employees.Ola}`);
    assert.equal(one.status, 200);

    const shifts = await e.store.query(
      `SELECT employee_id, duration_minutes, over_13_hours, auto_closed,
            clocked_out_at IS NULL AS open
     FROM shifts ORDER BY clocked_in_at`,
    );
    assert.deepEqual(
      shifts.map((s) => [s.employee_id, s.open, s.over_13_hours]),
      [
        [w.employees.Kari, false, true],
        [w.employees.Per, false, false],
        [w.employees.Kari, true, false],
      ],
    );
    assert.ok((shifts[0].duration_minutes as number) >= 14 * 60 - 1);

    // Not the number, not its mask, not its ciphertext: not even a column.
    const { state } = await e.system.read<EmployeeState>(
      "employee",
      w.employees.Kari,
    );
    const fnr = state!.fodselsnummer!;
    const raw = JSON.stringify(
      await dumpTables(e.store, ["employees", "shifts"]),
    );
    for (
      const secret of [
        FNR,
        fnr.masked!,
        fnr.encrypted.ciphertext,
        fnr.encrypted.iv,
        "fodselsnummer",
      ]
    ) {
      assert.ok(!raw.includes(secret), `read model holds ${secret}`);
    }
    const columns = await e.store.query(
      `SELECT column_name FROM information_schema.columns
     WHERE table_name IN ('employees', 'shifts')
       AND table_schema = current_schema()`,
    );
    assert.ok(columns.length > 20);
    assert.ok(
      columns.every((c) => !/fod|fnr|personnummer/.test(String(c.column_name))),
    );
    assert.ok(!JSON.stringify(all).includes(fnr.masked!));

    const direct = await listEmployees(e.store, { role: "OKONOMI" });
    assert.deepEqual(direct.items.map((x) => x.ansattnummer), ["2001"]);
  },
);

edgeTest(
  "the same batches applied twice, replayed or rebuilt leave the same rows",
  async (e) => {
    const w = await workload(e);
    await e.engine.waitFor(w.head);
    const once = await dumpTables(e.store, TABLES);
    assert.equal(once.kontroller.length, 7);
    const maler = await e.store.query(
      `SELECT id, navn, status, revision, antall_sjekkpunkter, antall_pakrevde,
            licence_classes
     FROM kontroll_maler ORDER BY created_position`,
    );
    assert.deepEqual(maler, [
      {
        id: w.maler[0],
        navn: "Klasse B, ny",
        status: "AKTIV",
        revision: 2,
        antall_sjekkpunkter: 2,
        antall_pakrevde: 2,
        licence_classes: ["B"],
      },
      {
        id: w.maler[1],
        navn: "Sikkerhetskontroll klasse B",
        status: "ARKIVERT",
        revision: 1,
        antall_sjekkpunkter: 3,
        antall_pakrevde: 2,
        licence_classes: ["B"],
      },
    ]);
    assert.equal(once.employees.length, 5);
    assert.equal(once.shifts.length, 3);

    const commits = await e.log.readFeed(0, 10_000);
    for (
      const projection of [
        kontrollMalerProjection,
        kontrollerProjection,
        employeesProjection,
      ]
    ) {
      const relevant = commits.filter((c) =>
        c.events.some((ev) => projection.eventTypes.includes(ev.type))
      ).map((c) => ({
        ...c,
        events: c.events.filter((ev) =>
          projection.eventTypes.includes(ev.type)
        ),
      }));
      assert.ok(relevant.length >= 4);
      for (let i = 0; i < 2; i++) {
        await e.store.transaction((tx) => projection.apply(relevant, tx));
      }
      // Every prefix again too: rows only move forward by stream version.
      await e.store.transaction((tx) =>
        projection.apply(relevant.slice(0, relevant.length >> 1), tx)
      );
    }
    assert.deepEqual(await dumpTables(e.store, TABLES), once);

    // A lost checkpoint: delivery again from 0.
    await e.engine.stop();
    await e.store.query(`UPDATE ${CHECKPOINTS_TABLE} SET position = 0`);
    const again = new ProjectionEngine({
      store: e.store,
      log: e.log,
      projections: readModelProjections,
      batchSize: 4,
    });
    await again.start();
    try {
      await again.waitFor(w.head);
      assert.deepEqual(await dumpTables(e.store, TABLES), once);
      await again.rebuild(["kontroll_maler", "kontroller", "employees"], {
        batchSize: 5,
      });
      assert.deepEqual(await dumpTables(e.store, TABLES), once);
    } finally {
      await again.stop();
    }
  },
);
