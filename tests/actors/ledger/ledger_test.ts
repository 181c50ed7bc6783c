/**
 * The general ledger: every posting balances; a full lifecycle (an invoice
 * sent, partly paid, reminded, paid; an expense approved and paid; credit
 * notes, one of a reminded invoice) gives the balances computed by hand
 * below; every entry names its source commit; a rebuild gives the same
 * ledger.
 */
import assert from "node:assert/strict";
import { Decimal } from "../../../deps.ts";
import {
  accountBalances,
  LEDGER_PROJECTION,
  ledgerProjection,
  listEntries,
} from "../../../actors/ledger/mod.ts";
import { ProjectionEngine } from "../../../runtime/projection/mod.ts";
import type { SqlExecutor } from "../../../runtime/sql/mod.ts";
import { school } from "../../support/economy.ts";
import type { Line } from "../../support/economy.ts";
import { dumpTables } from "../../support/read_side.ts";
import { pgliteFixture } from "../../support/sql_stores.ts";

const BUSINESS = {
  navn: "Vest Transport AS",
  organisasjonsnummer: "923609016",
};

async function ledgerOf(s: Awaited<ReturnType<typeof school>>) {
  const fixture = pgliteFixture();
  const store = await fixture.open();
  const engine = new ProjectionEngine({
    store,
    log: s.log,
    projections: [ledgerProjection],
    batchSize: 7,
  });
  await engine.start();
  await engine.waitFor(await s.log.headPosition(), {
    signal: AbortSignal.timeout(20_000),
  });
  return {
    store,
    engine,
    async close() {
      await engine.stop();
      await fixture.cleanup();
    },
  };
}

async function balances(db: SqlExecutor, bedriftId: string, to: string) {
  return Object.fromEntries(
    (await accountBalances(db, bedriftId, { to })).map((
      b,
    ) => [b.konto, b.saldo]),
  );
}

async function allEntries(db: SqlExecutor, bedriftId: string) {
  const items = [];
  let cursor: string | null = null;
  do {
    const page = await listEntries(db, { bedriftId, limit: 200, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

Deno.test("ledger: a full lifecycle gives the hand-computed balances, every entry balanced and referencing its commit", async () => {
  const s = await school();
  try {
    // F-1001, a business: 2 × 800.00 at 25 % and a theory course of
    // 1,200.00 at 0 %: 1,600.00 + 400.00 MVA + 1,200.00 = 3,200.00; due 17 March.
    const i1 = await s.invoice("2025-03-03", [
      ["2", "800.00", 25],
      ["1", "1200.00", 0],
    ], BUSINESS);
    await s.pay(i1, "1000.00", "2025-03-10");
    // 1 April: fee 70.00 (15 days after due, a business pays the bedrift's
    // fee) and interest 2,200.00 × 12.50 % × 15 / 365 = 11.30.
    const reminded = await s.remind(i1, "2025-04-01");
    assert.equal(reminded.state.reminders[0].gebyr, "70.00");
    assert.equal(reminded.state.reminders[0].rente, "11.30");
    // The rest: 3,200.00 − 1,000.00 + 81.30 = 2,281.30.
    const paid = await s.pay(i1, "2281.30", "2025-04-05");
    assert.equal(paid.state.status, "BETALT");
    // F-1002 (1,250.00) credited by F-1003.
    const i2 = await s.invoice("2025-03-04", [["1", "1000.00", 25]]);
    await s.credit(i2, "2025-03-06");
    // F-1004 (500.00), reminded (70.00 + 500.00 × 12.5 % × 15 / 365 = 2.57),
    // then credited by F-1005: the fee and interest fall away with it.
    const i3 = await s.invoice("2025-03-03", [["1", "400.00", 25]], BUSINESS);
    await s.remind(i3, "2025-04-01");
    await s.credit(i3, "2025-04-02");
    // Diesel: 800.00 + 200.00 MVA, approved, paid 20 March.
    await s.expense(
      {
        kategori: "DRIVSTOFF",
        belop: "800.00",
        mvaSats: 25,
        dato: "2025-03-05",
      },
      { approve: true, paidOn: "2025-03-20" },
    );
    const ledger = await ledgerOf(s);
    try {
      assert.deepEqual(await balances(ledger.store, s.B, "2025-04-30"), {
        "1500": "0.00",
        "1920": "2281.30", // 1,000.00 + 2,281.30 − 1,000.00
        "2400": "0.00",
        "2700": "-400.00", // 400.00 + 250.00 + 100.00 − 250.00 − 100.00
        "2710": "200.00",
        "3000": "-1600.00", // 1,600 + 1,000 + 400 − 1,000 − 400
        "3100": "-1200.00",
        "3900": "-70.00", // 70 + 70 − 70
        "7000": "800.00",
        "8050": "-11.30", // 11.30 + 2.57 − 2.57
      });
      // Before the reminders and the second payment (31 March).
      assert.deepEqual(await balances(ledger.store, s.B, "2025-03-31"), {
        "1500": "2700.00", // 3,200 − 1,000 + 500
        "1920": "0.00",
        "2400": "0.00",
        "2700": "-500.00", // 400.00 + 250.00 − 250.00 + 100.00
        "2710": "200.00",
        "3000": "-2000.00",
        "3100": "-1200.00",
        "7000": "800.00",
      });
      const entries = await allEntries(ledger.store, s.B);
      assert.deepEqual(entries.map((e) => `${e.dato} ${e.kind} ${e.tekst}`), [
        "2025-03-03 FAKTURA Faktura F-1001",
        "2025-03-10 INNBETALING Innbetaling F-1001",
        "2025-04-01 PURRING Purring 1 F-1001",
        "2025-04-05 INNBETALING Innbetaling F-1001",
        "2025-03-04 FAKTURA Faktura F-1002",
        "2025-03-06 KREDITNOTA Kreditnota F-1003",
        "2025-03-03 FAKTURA Faktura F-1004",
        "2025-04-01 PURRING Purring 1 F-1004",
        "2025-04-02 KREDITNOTA Kreditnota F-1005",
        "2025-04-02 KREDITERT F-1004 kreditert av F-1005: gebyr og renter frafalt",
        "2025-03-05 UTGIFT Utgift Leverandør AS",
        "2025-03-20 UTGIFT_BETALT Betalt Leverandør AS",
      ]);
      const f1001 = entries[0];
      assert.deepEqual(
        f1001.lines.map((l) => [l.konto, l.debet, l.kredit, l.mvaSats]),
        [
          ["1500", "3200.00", "0.00", null],
          ["3000", "0.00", "1600.00", 25],
          ["2700", "0.00", "400.00", 25],
          ["3100", "0.00", "1200.00", 0],
        ],
      );
      assert.equal(f1001.lines[0].invoiceId, i1);
      // The credit note's claim line belongs to the invoice it credits.
      const note = entries[5];
      assert.equal(note.lines.find((l) => l.konto === "1500")?.invoiceId, i2);
      for (const entry of entries) {
        const debet = entry.lines.reduce(
          (s, l) => s.plus(l.debet),
          new Decimal(0),
        );
        const kredit = entry.lines.reduce(
          (s, l) => s.plus(l.kredit),
          new Decimal(0),
        );
        assert.equal(debet.toFixed(2), kredit.toFixed(2), entry.tekst);
        assert.equal(entry.belop, debet.toFixed(2));
        // Its source commit holds the event it was posted from.
        const commits = await s.log.readStream(
          entry.source.streamType,
          entry.source.streamId,
          entry.source.version - 1,
        );
        assert.equal(commits[0].version, entry.source.version);
        assert.equal(commits[0].position, entry.source.position);
        assert.ok(
          commits[0].events.some((e) => e.type === entry.source.eventType),
        );
      }
    } finally {
      await ledger.close();
    }
  } finally {
    await s.close();
  }
});

Deno.test("ledger: an expense without MVA registration costs the gross; a withdrawn approval is reversed on its day", async () => {
  const s = await school({ mvaRegistrert: false, n: 2 });
  try {
    await s.expense({
      kategori: "LOKALER",
      belop: "10000.00",
      mvaSats: 25,
      dato: "2025-03-01",
    });
    const wrong = await s.expense({
      kategori: "KONTOR",
      belop: "300.00",
      mvaSats: 25,
      dato: "2025-03-02",
    });
    await s.rejectExpense(wrong, "2025-03-09");
    const ledger = await ledgerOf(s);
    try {
      assert.deepEqual(await balances(ledger.store, s.B, "2025-03-31"), {
        "2400": "-12500.00",
        "6300": "12500.00",
        "6800": "0.00",
      });
      const entries = await allEntries(ledger.store, s.B);
      assert.deepEqual(entries.map((e) => [e.dato, e.kind, e.belop]), [
        ["2025-03-01", "UTGIFT", "12500.00"],
        ["2025-03-02", "UTGIFT", "375.00"],
        ["2025-03-09", "UTGIFT_TILBAKEKALT", "375.00"],
      ]);
    } finally {
      await ledger.close();
    }
  } finally {
    await s.close();
  }
});

Deno.test("ledger: random invoices and expenses post only balanced entries, and a rebuild gives the same ledger", async () => {
  const s = await school({ n: 3 });
  try {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const rates = [25, 15, 12, 0];
    const kategorier = ["DRIVSTOFF", "KJORETOY", "KONTOR", "ANNET", "LONN"];
    for (let i = 0; i < 25; i++) {
      const day = `2025-03-${String(1 + random(28)).padStart(2, "0")}`;
      const lines: Line[] = Array.from({ length: 1 + random(3) }, () => [
        String(1 + random(3)),
        `${100 + random(900)}.${String(random(100)).padStart(2, "0")}`,
        rates[random(4)],
      ]);
      const id = await s.invoice(day, lines);
      if (random(3) === 0) await s.pay(id, "33.33", "2025-03-29");
      if (random(5) === 0) await s.credit(id, "2025-03-30");
      await s.expense({
        kategori: kategorier[random(5)],
        belop: `${10 + random(5000)}.${String(random(100)).padStart(2, "0")}`,
        mvaSats: rates[random(4)],
        dato: day,
      }, {
        approve: random(4) !== 0,
        paidOn: random(2) ? "2025-03-30" : undefined,
      });
    }
    const ledger = await ledgerOf(s);
    try {
      const unbalanced = await ledger.store.query(
        `SELECT position, idx, sum(debet) AS d, sum(kredit) AS k
         FROM ledger_lines GROUP BY position, idx
         HAVING sum(debet) <> sum(kredit)`,
      );
      assert.deepEqual(unbalanced, []);
      const [total] = await ledger.store.query(
        `SELECT count(*)::int AS entries, sum(debet) - sum(kredit) AS net
         FROM ledger_lines`,
      );
      assert.ok(Number(total.entries) > 50);
      assert.equal(new Decimal(String(total.net)).toFixed(2), "0.00");
      // The day sums are the lines summed.
      const sums = (from: string) =>
        ledger.store.query(
          `SELECT bedrift_id, konto, dato::text, sum(debet)::text AS d,
                  sum(kredit)::text AS k
           FROM ${from} GROUP BY bedrift_id, konto, dato
           ORDER BY bedrift_id, konto, dato`,
        );
      assert.deepEqual(await sums("ledger_days"), await sums("ledger_lines"));
      const tables = ledgerProjection.tables;
      const before = await dumpTables(ledger.store, tables);
      const year = await balances(ledger.store, s.B, "2025-12-31");
      await ledger.engine.rebuild([LEDGER_PROJECTION]);
      assert.deepEqual(await dumpTables(ledger.store, tables), before);
      assert.deepEqual(await balances(ledger.store, s.B, "2025-12-31"), year);
    } finally {
      await ledger.close();
    }
  } finally {
    await s.close();
  }
});
