import assert from "node:assert/strict";
import { registerBedrift } from "../../actors/bedrift/mod.ts";
import {
  readModelProjections,
  registerActors,
  withDomainUpcasters,
} from "../../actors/mod.ts";
import { createApp } from "../../http/mod.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { HttpHeaders } from "../../runtime/core/mod.ts";
import { KvEventLog } from "../../runtime/log/kv/mod.ts";
import { ProjectionEngine } from "../../runtime/projection/mod.ts";
import type { SqlStore } from "../../runtime/sql/mod.ts";
import { addBedrift, addInvoice, orgnr } from "../support/read_side.ts";
import { SQL_FIXTURES } from "../support/sql_stores.ts";
import { bearer, testAuth } from "../support/auth.ts";
import { adminTokenOf } from "../support/app.ts";
import { MemoryKeyStore } from "../../runtime/storage/mod.ts";

interface Edge {
  system: ActorSystem;
  store: SqlStore;
  engine: ProjectionEngine;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  getJson<T = Page>(path: string, headers?: Record<string, string>): Promise<T>;
}

interface Page {
  items: Record<string, unknown>[];
  nextCursor: string | null;
}

/** The real wiring: KV log, actors, engine, the lead's app with the read routes mounted. */
function edgeTest(name: string, fn: (edge: Edge) => Promise<void>) {
  for (const make of SQL_FIXTURES) {
    const fixture = make();
    Deno.test(`read routes [${fixture.backend}]: ${name}`, async () => {
      const log = withDomainUpcasters(await KvEventLog.open(":memory:"));
      const system = registerActors(new ActorSystem({ log }));
      let engine: ProjectionEngine | undefined;
      try {
        const store = await fixture.open();
        // A slow poll: read-your-writes must come from the log's watch.
        engine = new ProjectionEngine({
          store,
          log,
          projections: readModelProjections,
          pollIntervalMs: 60_000,
        });
        await engine.start();
        const identity = await testAuth(new MemoryKeyStore());
        const app = createApp({
          system,
          keys: identity.users.keys,
          auth: identity.auth,
          readSide: { store, positions: engine, minPositionTimeoutMs: 300 },
        });
        const admin = bearer(await adminTokenOf(system, identity));
        const get = (path: string, headers: Record<string, string> = {}) =>
          Promise.resolve(
            app.request(path, { headers: { ...admin, ...headers } }),
          );
        await fn({
          system,
          store,
          engine,
          get,
          async getJson<T>(path: string, headers?: Record<string, string>) {
            const res = await get(path, headers);
            assert.equal(res.status, 200, await res.clone().text());
            return await res.json() as T;
          },
        });
      } finally {
        await engine?.stop();
        await system.shutdown();
        await log.close();
        await fixture.cleanup();
      }
    });
  }
}

edgeTest(
  "read-your-writes returns the new row right after the write",
  async (e) => {
    for (let i = 0; i < 5; i++) {
      const result = await registerBedrift(e.system, {
        id: `ryw-${i}`,
        organisasjonsnummer: orgnr(i),
        details: { navn: `Rask Trafikkskole ${i}` },
        at: new Date().toISOString(),
      });
      const res = await e.get(`/api/v1/bedrifter?q=Rask+Trafikkskole+${i}`, {
        [HttpHeaders.minPosition]: String(result.position),
      });
      assert.equal(res.status, 200);
      assert.ok(
        Number(res.headers.get(HttpHeaders.position)) >= result.position,
      );
      const page = await res.json() as Page;
      assert.deepEqual(page.items.map((b) => b.id), [`ryw-${i}`]);
      assert.equal(page.items[0].status, "AKTIV");
      assert.equal(page.items[0].version, 1);
    }
    const invoice = await addInvoice(e.system, "ryw-inv", "ryw-0", "Kari", [
      { antall: "1.5", enhetspris: "650.00", mvaSats: 25 },
    ]);
    const page = await e.getJson(`/api/v1/invoices?bedriftId=ryw-0`, {
      [HttpHeaders.minPosition]: String(invoice),
    });
    assert.deepEqual(page.items.map((i) => i.totals), [{
      netto: "975.00",
      mva: "243.75",
      brutto: "1218.75",
      perSats: [{ mvaSats: 25, grunnlag: "975.00", mva: "243.75" }],
    }]);
  },
);

edgeTest(
  "a position the read model does not reach in time is a 503 with Retry-After",
  async (e) => {
    const res = await e.get("/api/v1/bedrifter", {
      [HttpHeaders.minPosition]: String(e.engine.head + 1000),
    });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get(HttpHeaders.retryAfter), "1");
    assert.match(res.headers.get("content-type") ?? "", /problem\+json/);
    const bad = await e.get("/api/v1/bedrifter", {
      [HttpHeaders.minPosition]: "soon",
    });
    assert.equal(bad.status, 422);
    const body = await bad.json();
    assert.equal(body.errors[0].path, HttpHeaders.minPosition);
  },
);

edgeTest("query parameters are validated", async (e) => {
  for (
    const query of [
      "status=SLETTET",
      "limit=0",
      "limit=201",
      "limit=abc",
      "cursor=not-a-cursor",
      "unknown=1",
    ]
  ) {
    const res = await e.get(`/api/v1/bedrifter?${query}`);
    assert.equal(res.status, 422, query);
  }
  for (
    const query of [
      "from=2025-02-30",
      "from=2025-03-02&to=2025-03-01",
      "status=BETALT&limit=1&cursor=WyJhIiwiYiJd",
    ]
  ) {
    const res = await e.get(`/api/v1/invoices?${query}`);
    assert.equal(res.status, 422, query);
  }
  const empty = await e.getJson("/api/v1/invoices?status=&kunde=");
  assert.deepEqual(empty, { items: [], nextCursor: null });
});

edgeTest(
  "filters: status, navn and organisasjonsnummer; bedrift, status, kunde and dates",
  async (e) => {
    await addBedrift(e.system, "a", "Ærlig Kjøreskole", 1);
    await addBedrift(e.system, "b", "bilskolen øst", 2);
    await addBedrift(e.system, "c", "Åpen Trafikkskole", 3);
    const suspended = await e.system.ask("bedrift", "b", {
      type: "change_status",
      status: "SUSPENDERT",
      at: "2025-03-11T10:00:00.000Z",
    });
    await addInvoice(e.system, "i1", "a", "Kari Nordmann", [
      { antall: "1", enhetspris: "0.10", mvaSats: 25 },
      { antall: "1", enhetspris: "0.10", mvaSats: 25 },
      { antall: "1", enhetspris: "0.10", mvaSats: 25 },
    ], "2025-01-31T23:30:00.000Z");
    await addInvoice(
      e.system,
      "i2",
      "a",
      "Ola",
      [],
      "2025-02-15T10:00:00.000Z",
    );
    const last = await addInvoice(
      e.system,
      "i3",
      "c",
      "Kari Hansen",
      [],
      "2025-03-01T10:00:00.000Z",
    );
    const wait = { [HttpHeaders.minPosition]: String(last) };
    assert.ok(last > suspended.position);

    const all = await e.getJson("/api/v1/bedrifter", wait);
    assert.deepEqual(all.items.map((b) => b.navn), [
      "bilskolen øst",
      "Ærlig Kjøreskole",
      "Åpen Trafikkskole",
    ]);
    const aktiv = await e.getJson("/api/v1/bedrifter?status=AKTIV");
    assert.deepEqual(aktiv.items.map((b) => b.id), ["a", "c"]);
    const byName = await e.getJson("/api/v1/bedrifter?q=%C3%B8ST");
    assert.deepEqual(byName.items.map((b) => b.id), ["b"]);
    const byOrgnr = await e.getJson(`/api/v1/bedrifter?q=${orgnr(3)}`);
    assert.deepEqual(byOrgnr.items.map((b) => b.id), ["c"]);
    const wildcard = await e.getJson("/api/v1/bedrifter?q=%25");
    assert.deepEqual(wildcard.items, []);

    const invoices = await e.getJson("/api/v1/invoices", wait);
    assert.deepEqual(invoices.items.map((i) => i.id), ["i3", "i2", "i1"]);
    const ofA = await e.getJson("/api/v1/invoices?bedriftId=a&status=UTKAST");
    assert.deepEqual(ofA.items.map((i) => i.id), ["i2", "i1"]);
    const kari = await e.getJson("/api/v1/invoices?kunde=kari");
    assert.deepEqual(kari.items.map((i) => i.id), ["i3", "i1"]);
    // 23:30 UTC on 31 January is 1 February in Norway.
    const february = await e.getJson(
      "/api/v1/invoices?from=2025-02-01&to=2025-02-28",
    );
    assert.deepEqual(february.items.map((i) => [i.id, i.dato]), [
      ["i2", "2025-02-15"],
      ["i1", "2025-02-01"],
    ]);
    const i1 = february.items.find((i) => i.id === "i1")!;
    assert.deepEqual(i1.totals, {
      netto: "0.30",
      mva: "0.09",
      brutto: "0.39",
      perSats: [{ mvaSats: 25, grunnlag: "0.30", mva: "0.09" }],
    });
    assert.equal(i1.antallLinjer, 3);
    assert.deepEqual(i1.kunde, {
      kind: "PRIVAT",
      navn: "Kari Nordmann",
      epost: null,
      organisasjonsnummer: null,
      kundenummer: null,
      // Without a kundenummer, the person is a data subject per invoice.
      subjectId: "faktura-i1",
    });
  },
);

edgeTest("pagination is stable under concurrent inserts", async (e) => {
  const names = ["Berg", "Dal", "Fjell", "Hav", "Li", "Mo", "Nes", "Rud"];
  let position = 0;
  for (let i = 0; i < 24; i++) {
    position = await addBedrift(
      e.system,
      `p${i}`,
      `${names[i % names.length]} Trafikkskole ${i}`,
      i,
    );
    position = await addInvoice(e.system, `pi${i}`, `p${i}`, `Elev ${i}`);
  }
  const wait = { [HttpHeaders.minPosition]: String(position) };
  await e.getJson("/api/v1/bedrifter?limit=1", wait);

  let inserted = 0;
  const insertSome = async () => {
    for (let k = 0; k < 3; k++, inserted++) {
      const n = 100 + inserted;
      await addBedrift(
        e.system,
        `new${n}`,
        `${names[n % names.length]} Nyskole ${n}`,
        n,
      );
      const at = await addInvoice(
        e.system,
        `newi${n}`,
        `new${n}`,
        `Ny elev ${n}`,
      );
      await e.engine.waitFor(at);
    }
  };

  for (const [path, original] of [["bedrifter", "p"], ["invoices", "pi"]]) {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : "";
      const page: Page = await e.getJson(`/api/v1/${path}?limit=5${query}`);
      seen.push(...page.items.map((item) => String(item.id)));
      cursor = page.nextCursor;
      await insertSome();
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length, `${path}: no duplicates`);
    const originals = seen.filter((id) =>
      new RegExp(`^${original}\\d+$`).test(id)
    );
    assert.equal(originals.length, 24, `${path}: every original row once`);
    if (path === "bedrifter") {
      assert.ok(seen.length > 24, "rows inserted meanwhile show up too");
    }
  }
  const sorted = await e.getJson("/api/v1/bedrifter?limit=200");
  const keys = sorted.items.map((b) => String(b.navn).toLowerCase());
  assert.deepEqual(keys, [...keys].sort((a, b) => a < b ? -1 : a > b ? 1 : 0));
});
