/**
 * The reports of a month of a small school (March 2025, MVA-registered),
 * every figure computed by hand below and each report reconciled with the
 * accounts to the øre: the MVA report with the movements of 2700 and 2710,
 * receivables with account 1500, cash flow with 1920, the balance with
 * itself (assets = equity + liabilities) and the income statement's result.
 *
 * Invoices (25 % unless said; numbers in the order sent):
 * - F-1001, 3 Mar: 10 × 750.00 = 7,500.00 + 1,875.00 = 9,375.00; paid 12 Mar.
 * - F-1002, 5 Mar: theory course 4,500.00 at 0 % and 2 × 750.00 (1,500.00 +
 *   375.00): 6,375.00, due 19 Mar; 2,000.00 paid 20 Mar; reminded 31 Mar,
 *   12 days late: no fee yet, interest 4,375.00 × 12.5 % × 12 / 365 = 17.98.
 * - F-1003, 10 Mar, a business: 1,000.00 at 12 % + 120.00 = 1,120.00, due 24 Mar.
 * - F-1004, 18 Mar: 3 × 750.00 = 2,250.00 + 562.50 = 2,812.50, due 1 Apr.
 * - F-1005, 20 Mar: 999.99 + 250.00 (249.9975) = 1,249.99; credited 25 Mar
 *   by F-1006.
 * - F-1007, 25 Mar: 4 × 62.50 at 15 % = 250.00 + 37.50 = 287.50; paid 28 Mar.
 *
 * Expenses (approved, 25 % unless said):
 * - rent 12,000.00 + 3,000.00 (1 Mar, paid 1 Mar); diesel 1,600.00 + 400.00
 *   (7 Mar, paid 15 Mar); car repair 3,200.00 + 800.00 (14 Mar, unpaid);
 *   advertising 1,000.00 + 250.00 (21 Mar, paid 28 Mar); a course 2,500.00
 *   at 0 % (22 Mar, paid 29 Mar); diesel 800.00 + 200.00 (27 Mar, paid 31 Mar);
 * - office supplies 480.00 (25 Mar) registered, not approved: not booked;
 * - other 200.00 at 15 % (26 Mar) approved, then withdrawn 27 Mar.
 */
import assert from "node:assert/strict";
import {
  accountBalances,
  balanceSheet,
  cashflowReport,
  incomeStatement,
  ledgerProjection,
  mvaReport,
  receivablesReport,
} from "../../../actors/ledger/mod.ts";
import { ProjectionEngine } from "../../../runtime/projection/mod.ts";
import { school } from "../../support/economy.ts";
import { pgliteFixture } from "../../support/sql_stores.ts";

const BUSINESS = {
  navn: "Vest Transport AS",
  organisasjonsnummer: "923609016",
};

/** The school's March, projected into the ledger. */
async function march() {
  const s = await school({ n: 7 });
  const a = await s.invoice("2025-03-03", [["10", "750.00", 25]]);
  const b = await s.invoice("2025-03-05", [
    ["1", "4500.00", 0],
    ["2", "750.00", 25],
  ]);
  await s.invoice("2025-03-10", [["1", "1000.00", 12]], BUSINESS);
  await s.pay(a, "9375.00", "2025-03-12");
  await s.invoice("2025-03-18", [["3", "750.00", 25]]);
  await s.pay(b, "2000.00", "2025-03-20");
  const e = await s.invoice("2025-03-20", [["1", "999.99", 25]]);
  await s.credit(e, "2025-03-25");
  const f = await s.invoice("2025-03-25", [["4", "62.50", 15]]);
  await s.pay(f, "287.50", "2025-03-28");
  await s.remind(b, "2025-03-31");
  const x = (
    kategori: string,
    belop: string,
    mvaSats: number,
    dato: string,
    paidOn?: string,
  ) => s.expense({ kategori, belop, mvaSats, dato }, { paidOn });
  await x("LOKALER", "12000.00", 25, "2025-03-01", "2025-03-01");
  await x("DRIVSTOFF", "1600.00", 25, "2025-03-07", "2025-03-15");
  await x("KJORETOY", "3200.00", 25, "2025-03-14");
  await x("MARKEDSFORING", "1000.00", 25, "2025-03-21", "2025-03-28");
  await x("OPPLAERING", "2500.00", 0, "2025-03-22", "2025-03-29");
  await s.expense({
    kategori: "KONTOR",
    belop: "480.00",
    mvaSats: 25,
    dato: "2025-03-25",
  }, { approve: false });
  const withdrawn = await x("ANNET", "200.00", 15, "2025-03-26");
  await s.rejectExpense(withdrawn, "2025-03-27");
  await x("DRIVSTOFF", "800.00", 25, "2025-03-27", "2025-03-31");

  const fixture = pgliteFixture();
  const store = await fixture.open();
  const engine = new ProjectionEngine({
    store,
    log: s.log,
    projections: [ledgerProjection],
  });
  await engine.start();
  await engine.waitFor(await s.log.headPosition());
  return {
    ...s,
    store,
    async close() {
      await engine.stop();
      await fixture.cleanup();
      await s.close();
    },
  };
}

const line = (konto: string, navn: string, belop: string) => ({
  konto,
  navn,
  belop,
});

Deno.test("reports: a month of a small school, computed by hand and reconciled to the øre", async (t) => {
  const m = await march();
  try {
    const movement = async (konto: string, from: string, to: string) =>
      (await accountBalances(m.store, m.B, { from, to })).find((b) =>
        b.konto === konto
      )?.saldo ?? "0.00";

    await t.step("income statement (resultatregnskap), March", async () => {
      const income = await incomeStatement(m.store, m.B, {
        from: "2025-03-01",
        to: "2025-03-31",
      });
      assert.deepEqual(income, {
        bedriftId: m.B,
        from: "2025-03-01",
        to: "2025-03-31",
        driftsinntekter: {
          lines: [
            // 7,500 + 1,500 + 2,250 + 999.99 − 999.99
            line("3000", "Salgsinntekt, avgiftspliktig, 25 %", "11250.00"),
            line("3010", "Salgsinntekt, avgiftspliktig, 15 %", "250.00"),
            line("3020", "Salgsinntekt, avgiftspliktig, 12 %", "1000.00"),
            line("3100", "Salgsinntekt, avgiftsfri", "4500.00"),
          ],
          sum: "17000.00",
        },
        driftskostnader: {
          // 7790 (the withdrawn approval) nets to zero and is left out.
          lines: [
            line("6300", "Leie lokale", "12000.00"),
            line("6860", "Møte, kurs, oppdatering o.l.", "2500.00"),
            line("7000", "Drivstoff", "2400.00"),
            line("7020", "Vedlikehold transportmidler", "3200.00"),
            line("7320", "Reklamekostnad", "1000.00"),
          ],
          sum: "21100.00",
        },
        driftsresultat: "-4100.00",
        finansinntekter: {
          lines: [line("8050", "Annen renteinntekt", "17.98")],
          sum: "17.98",
        },
        finanskostnader: { lines: [], sum: "0.00" },
        resultat: "-4082.02",
      });
    });

    await t.step(
      "MVA report, term 2 (March–April), equals the movements of 2700 and 2710",
      async () => {
        const mva = await mvaReport(m.store, m.B, 2025, 2);
        assert.deepEqual(mva, {
          bedriftId: m.B,
          year: 2025,
          term: 2,
          from: "2025-03-01",
          to: "2025-04-30",
          utgaende: [
            // 1,875 + 375 + 562.50 + 250 − 250
            { mvaSats: 25, grunnlag: "11250.00", mva: "2812.50" },
            { mvaSats: 15, grunnlag: "250.00", mva: "37.50" },
            { mvaSats: 12, grunnlag: "1000.00", mva: "120.00" },
            { mvaSats: 0, grunnlag: "4500.00", mva: "0.00" },
          ],
          sumUtgaende: "2970.00",
          // 3,000 + 400 + 800 + 250 + 200; the 15 % input MVA (30.00) withdrawn.
          inngaende: [{ mvaSats: 25, mva: "4650.00" }],
          sumInngaende: "4650.00",
          aBetale: "-1680.00",
          resultat: "TIL_GODE",
          kontoer: { "2700": "2970.00", "2710": "4650.00" },
        });
        assert.equal(
          await movement("2700", mva.from, mva.to),
          `-${mva.sumUtgaende}`,
        );
        assert.equal(
          await movement("2710", mva.from, mva.to),
          mva.sumInngaende,
        );
        const first = await mvaReport(m.store, m.B, 2025, 1);
        assert.equal(first.sumUtgaende, "0.00");
        assert.equal(first.resultat, "NULL");
      },
    );

    await t.step(
      "receivables at 31 March with ageing, equal to account 1500",
      async () => {
        const r = await receivablesReport(m.store, m.B, "2025-03-31");
        assert.deepEqual(
          r.items.map((
            i,
          ) => [i.fakturanummer, i.dagerForfalt, i.bucket, i.saldo]),
          [
            ["F-1002", 12, "1_30", "4392.98"], // 6,375 − 2,000 + 17.98
            ["F-1003", 7, "1_30", "1120.00"],
            ["F-1004", -1, "IKKE_FORFALT", "2812.50"],
          ],
        );
        assert.deepEqual(r.buckets, {
          IKKE_FORFALT: "2812.50",
          "1_30": "5512.98",
          "31_60": "0.00",
          "61_90": "0.00",
          OVER_90: "0.00",
        });
        assert.equal(r.total, "8325.48");
        assert.equal(r.konto1500, "8325.48");
        assert.equal(
          await movement("1500", "2025-01-01", "2025-03-31"),
          r.total,
        );
        // Later, unpaid: 62, 57 and 49 days past due; then all over 90.
        const may = await receivablesReport(m.store, m.B, "2025-05-20");
        assert.deepEqual(may.buckets, {
          IKKE_FORFALT: "0.00",
          "1_30": "0.00",
          "31_60": "3932.50",
          "61_90": "4392.98",
          OVER_90: "0.00",
        });
        const july = await receivablesReport(m.store, m.B, "2025-07-01");
        assert.equal(july.buckets.OVER_90, "8325.48");
        assert.equal(july.total, july.konto1500);
        // Before anything was invoiced there is nothing open.
        const before = await receivablesReport(m.store, m.B, "2025-02-28");
        assert.deepEqual([before.items, before.total, before.konto1500], [
          [],
          "0.00",
          "0.00",
        ]);
      },
    );

    await t.step(
      "cash flow, March–April, equal to the movement of 1920",
      async () => {
        const cash = await cashflowReport(m.store, m.B, {
          from: "2025-03-01",
          to: "2025-04-30",
        });
        assert.deepEqual(cash, {
          bedriftId: m.B,
          from: "2025-03-01",
          to: "2025-04-30",
          inngaendeSaldo: "0.00",
          months: [
            // 9,375 + 2,000 + 287.50 in; 15,000 + 2,000 + 1,250 + 2,500 + 1,000 out.
            {
              month: "2025-03",
              innbetalinger: "11662.50",
              utbetalinger: "21750.00",
              netto: "-10087.50",
            },
            {
              month: "2025-04",
              innbetalinger: "0.00",
              utbetalinger: "0.00",
              netto: "0.00",
            },
          ],
          sum: {
            innbetalinger: "11662.50",
            utbetalinger: "21750.00",
            netto: "-10087.50",
          },
          utgaendeSaldo: "-10087.50",
        });
        assert.equal(
          await movement("1920", "2025-03-01", "2025-04-30"),
          cash.sum.netto,
        );
        const april = await cashflowReport(m.store, m.B, {
          from: "2025-04-01",
          to: "2025-04-30",
        });
        assert.equal(april.inngaendeSaldo, "-10087.50");
        assert.equal(april.utgaendeSaldo, "-10087.50");
      },
    );

    await t.step(
      "balance at 31 March: assets = equity + liabilities, the year's result in equity",
      async () => {
        const balance = await balanceSheet(m.store, m.B, "2025-03-31");
        assert.deepEqual(balance, {
          bedriftId: m.B,
          date: "2025-03-31",
          eiendeler: {
            lines: [
              line("1500", "Kundefordringer", "8325.48"),
              line("1920", "Bankinnskudd", "-10087.50"),
            ],
            sum: "-1762.02",
          },
          egenkapital: {
            lines: [
              line("2050", "Annen egenkapital (resultat før 2025)", "0.00"),
              line("", "Årets resultat", "-4082.02"),
            ],
            sum: "-4082.02",
          },
          gjeld: {
            lines: [
              line("2400", "Leverandørgjeld", "4000.00"), // the car repair
              line("2700", "Utgående merverdiavgift", "2970.00"),
              line("2710", "Inngående merverdiavgift", "-4650.00"),
            ],
            sum: "2320.00",
          },
          sumEgenkapitalOgGjeld: "-1762.02",
          balanced: true,
        });
        // A year later the result of 2025 is earlier years' equity.
        const next = await balanceSheet(m.store, m.B, "2026-01-31");
        assert.deepEqual(next.egenkapital.lines.map((l) => l.belop), [
          "-4082.02",
          "0.00",
        ]);
        assert.ok(next.balanced);
      },
    );
  } finally {
    await m.close();
  }
});
