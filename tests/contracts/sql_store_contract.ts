import assert from "node:assert/strict";
import { UnavailableError } from "../../runtime/core/mod.ts";
import {
  migrate,
  migrationStatus,
  upsertFromJson,
} from "../../runtime/sql/mod.ts";
import type { SqlStore } from "../../runtime/sql/mod.ts";
import type { SqlStoreFixture } from "../support/sql_stores.ts";

/** Runs the same `SqlStore` cases against one backend. */
export function sqlStoreContract(fixture: () => SqlStoreFixture): void {
  const backend = fixture().backend;
  const test = (name: string, fn: (store: SqlStore) => Promise<void>) =>
    Deno.test(`SqlStore contract [${backend}]: ${name}`, async () => {
      const f = fixture();
      try {
        const store = await f.open();
        await fn(store);
      } finally {
        await f.cleanup();
      }
    });

  test("values come back with the same types on every backend", async (store) => {
    const [row] = await store.query(
      `SELECT $1::int AS i, $2::bigint AS big, 9007199254740993::bigint AS huge,
              $3::numeric(14,2) AS amount, $4::date AS day,
              $5::timestamptz AS at, $6::jsonb AS doc, $7::boolean AS flag,
              $8::text AS none, $9::text AS text`,
      [
        42,
        1234567890123,
        "1218.75",
        "2025-03-31",
        "2025-03-31T22:30:00.000Z",
        JSON.stringify({ a: [1, "ø"] }),
        true,
        null,
        "Blåbær Trafikkskole ÆØÅ",
      ],
    );
    assert.deepEqual(row, {
      i: 42,
      big: 1234567890123,
      huge: 9007199254740993n,
      amount: "1218.75",
      day: "2025-03-31",
      at: new Date("2025-03-31T22:30:00.000Z"),
      doc: { a: [1, "ø"] },
      flag: true,
      none: null,
      text: "Blåbær Trafikkskole ÆØÅ",
    });
  });

  test("numeric arithmetic is exact", async (store) => {
    await store.exec("CREATE TABLE amounts (v numeric(14,2) NOT NULL)");
    await store.query(
      "INSERT INTO amounts SELECT v FROM jsonb_to_recordset($1::jsonb) AS x(v numeric(14,2))",
      [JSON.stringify([{ v: "0.10" }, { v: "0.20" }, {
        v: "999999999999.99",
      }])],
    );
    const [row] = await store.query("SELECT sum(v) AS total FROM amounts");
    assert.equal(row.total, "1000000000000.29");
  });

  test("a transaction commits when it resolves and rolls back when it throws", async (store) => {
    await store.exec("CREATE TABLE t (id text PRIMARY KEY)");
    const result = await store.transaction(async (tx) => {
      await tx.query("INSERT INTO t VALUES ($1::text)", ["a"]);
      return "done";
    });
    assert.equal(result, "done");
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.query("INSERT INTO t VALUES ($1::text)", ["b"]);
        throw new Error("boom");
      }),
      /boom/,
    );
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.query("INSERT INTO t VALUES ($1::text)", ["c"]);
        await tx.query("INSERT INTO t VALUES ($1::text)", ["a"]);
      }),
      (error: Error & { code?: string }) => error.code === "23505",
    );
    const rows = await store.query("SELECT id FROM t ORDER BY id");
    assert.deepEqual(rows, [{ id: "a" }]);
  });

  test("a transaction can run in another schema", async (store) => {
    const other = `${store.schema}_other`;
    await store.exec(`CREATE SCHEMA "${other}"`);
    try {
      await store.transaction(async (tx) => {
        await tx.exec("CREATE TABLE only_there (id int)");
        await tx.query("INSERT INTO only_there VALUES (1)");
      }, { schema: other });
      const [live] = await store.query(
        "SELECT to_regclass('only_there') IS NULL AS missing",
      );
      assert.equal(live.missing, true);
      const rows = await store.query(`SELECT id FROM "${other}".only_there`);
      assert.deepEqual(rows, [{ id: 1 }]);
    } finally {
      await store.exec(`DROP SCHEMA "${other}" CASCADE`);
    }
  });

  test("batched upserts from JSON are idempotent", async (store) => {
    await store.exec(
      "CREATE TABLE items (id text PRIMARY KEY, n integer NOT NULL, amount numeric(10,2) NOT NULL)",
    );
    const sql = upsertFromJson("items", [
      ["id", "text"],
      ["n", "integer"],
      ["amount", "numeric(10,2)"],
    ], ["id"]);
    const batch = JSON.stringify(
      Array.from({ length: 500 }, (_, i) => ({
        id: `id-${i}`,
        n: i,
        amount: `${i}.05`,
      })),
    );
    await store.query(sql, [batch]);
    const first = await store.query("SELECT * FROM items ORDER BY id");
    await store.query(sql, [batch]);
    const second = await store.query("SELECT * FROM items ORDER BY id");
    assert.equal(first.length, 500);
    assert.deepEqual(second, first);
  });

  test("migrations apply once, in order, and refuse edited history", async (store) => {
    const v1 = { version: 1, name: "create", sql: "CREATE TABLE m (id int)" };
    const v2 = {
      version: 2,
      name: "add column",
      sql: "ALTER TABLE m ADD COLUMN note text",
    };
    const applied = await migrate(store, [{ scope: "m", migrations: [v1] }]);
    assert.deepEqual(applied, [{ scope: "m", version: 1, name: "create" }]);
    assert.deepEqual(
      await migrate(store, [{ scope: "m", migrations: [v1] }]),
      [],
    );
    const next = await migrate(store, [{ scope: "m", migrations: [v1, v2] }]);
    assert.deepEqual(next.map((m) => m.version), [2]);
    await store.query("INSERT INTO m (id, note) VALUES (1, 'x')");
    assert.deepEqual(
      (await migrationStatus(store)).filter((m) => m.scope === "m"),
      [
        { scope: "m", version: 2, name: "add column" },
        { scope: "m", version: 1, name: "create" },
      ],
    );
    await assert.rejects(
      migrate(store, [{
        scope: "m",
        migrations: [{ ...v1, sql: "CREATE TABLE m (id bigint)" }, v2],
      }]),
      /changed after it was applied/,
    );
    await assert.rejects(
      migrate(store, [{ scope: "m", migrations: [v1] }]),
      /does not know/,
    );
    await assert.rejects(
      migrate(store, [{ scope: "n", migrations: [v2] }]),
      RangeError,
    );
  });

  test("SQL errors keep their SQLSTATE; a closed store is unavailable", async (store) => {
    await assert.rejects(
      store.query("SELEC 1"),
      (error: Error & { code?: string }) =>
        error.code === "42601" && !(error instanceof UnavailableError),
    );
    const aborted = new AbortController();
    aborted.abort(new DOMException("stop", "AbortError"));
    await assert.rejects(
      store.query("SELECT 1", [], { signal: aborted.signal }),
      /stop/,
    );
    await store.close();
    await assert.rejects(store.query("SELECT 1"), UnavailableError);
    await assert.rejects(
      store.transaction(() => Promise.resolve()),
      UnavailableError,
    );
  });

  test("a named lock excludes a second holder, or makes it wait", async (store) => {
    const order: string[] = [];
    let release!: () => void;
    const held = store.withLock("contract.lock", async () => {
      order.push("first in");
      await new Promise<void>((resolve) => release = resolve);
      order.push("first out");
      return 1;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await assert.rejects(
      store.withLock("contract.lock", () => Promise.resolve(2)),
      UnavailableError,
    );
    const waiting = store.withLock("contract.lock", () => {
      order.push("second");
      return Promise.resolve(3);
    }, { wait: true });
    assert.equal(
      await store.withLock("contract.other", () => Promise.resolve(4)),
      4,
    );
    release();
    assert.deepEqual([await held, await waiting], [1, 3]);
    assert.deepEqual(order, ["first in", "first out", "second"]);
    // Released for good: a holder that does not wait gets it at once.
    assert.equal(
      await store.withLock("contract.lock", () => Promise.resolve(5)),
      5,
    );
  });

  test("exec runs a script of several statements", async (store) => {
    await store.exec(
      "CREATE TABLE s (id int); INSERT INTO s VALUES (1); INSERT INTO s VALUES (2)",
    );
    const [row] = await store.query("SELECT count(*)::int AS n FROM s");
    assert.equal(row.n, 2);
  });
}
