/**
 * `/api/v<n>/ledger` and `/api/v<n>/reports` through the edge: the journal
 * and its filters, balances at a date, every report as JSON (v1 strings,
 * v2 money objects) and as CSV, a bedrift's user getting its own bedrift,
 * an ADMIN naming one, and read-your-writes with `X-TMS-Min-Position`.
 *
 * The school's March: F-1001 (2 × 750.00 + 375.00 MVA = 1,875.00, 3 March)
 * with 1,000.00 paid on 10 March; diesel 800.00 + 200.00 MVA approved on
 * 5 March and paid on 12 March.
 */
import assert from "node:assert/strict";
import { economyEdge } from "../support/economy.ts";

async function march() {
  const e = await economyEdge();
  const invoice = await e.invoice("2025-03-03", [["2", "750.00", 25]]);
  await e.pay(invoice, "1000.00", "2025-03-10");
  await e.expense(
    { kategori: "DRIVSTOFF", belop: "800.00", mvaSats: 25, dato: "2025-03-05" },
    { paidOn: "2025-03-12" },
  );
  await e.settle();
  return { e, invoice };
}

const CSV = { accept: "text/csv" };

Deno.test("ledger: the journal with its filters, and balances at a date that sum to zero", async () => {
  const { e, invoice } = await march();
  try {
    const all = await e.call("GET", `/api/v1/ledger/entries?bedriftId=${e.B}`);
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.body.items.map((x: { kind: string; belop: string }) => [
        x.kind,
        x.belop,
      ]),
      [
        ["FAKTURA", "1875.00"],
        ["INNBETALING", "1000.00"],
        ["UTGIFT", "1000.00"],
        ["UTGIFT_BETALT", "1000.00"],
      ],
    );
    assert.equal(all.body.items[0].source.streamId, invoice);
    assert.equal(all.body.items[0].source.eventType, "invoice.sent");
    const bank = await e.call(
      "GET",
      `/api/v1/ledger/entries?bedriftId=${e.B}&account=1920&from=2025-03-11`,
    );
    assert.deepEqual(
      bank.body.items.map((x: { kind: string }) => x.kind),
      ["UTGIFT_BETALT"],
    );
    const page = await e.call("GET", `/api/v2/ledger/entries?limit=3`);
    assert.equal(page.body.total, 4);
    assert.deepEqual(page.body.items[0].lines[0].debet, {
      amount: "1875.00",
      currency: "NOK",
    });
    const next = await e.call(
      "GET",
      `/api/v1/ledger/entries?limit=3&cursor=${page.body.nextCursor}`,
    );
    assert.equal(next.body.items.length, 1);

    const accounts = await e.call(
      "GET",
      `/api/v1/ledger/accounts?bedriftId=${e.B}&date=2025-03-31`,
    );
    assert.equal(accounts.status, 200);
    assert.deepEqual(
      accounts.body.accounts.map((a: { konto: string; saldo: string }) => [
        a.konto,
        a.saldo,
      ]),
      [
        ["1500", "875.00"],
        ["1920", "0.00"],
        ["2400", "0.00"],
        ["2700", "-375.00"],
        ["2710", "200.00"],
        ["3000", "-1500.00"],
        ["7000", "800.00"],
      ],
    );
    assert.equal(accounts.body.sumDebet, accounts.body.sumKredit);
    assert.equal(accounts.body.sumDebet, "4875.00");
    const before = await e.call(
      "GET",
      `/api/v1/ledger/accounts?bedriftId=${e.B}&date=2025-03-04`,
    );
    assert.deepEqual(
      before.body.accounts.map((a: { konto: string }) => a.konto),
      ["1500", "2700", "3000"],
    );
    const nameIt = await e.call("GET", "/api/v1/ledger/accounts");
    assert.equal(nameIt.status, 422);
    assert.equal(nameIt.body.code, "ledger.bedrift_required");
  } finally {
    await e.close();
  }
});

Deno.test("reports: JSON and CSV of each report, for a bedrift's OKONOMI its own bedrift", async () => {
  const { e } = await march();
  try {
    const okonomi = await e.tokenFor("OKONOMI");
    const get = (path: string, headers: Record<string, string> = {}) =>
      e.call("GET", `/api/v1/reports${path}`, undefined, headers, okonomi);

    const income = await get("/income?from=2025-03-01&to=2025-03-31");
    assert.equal(income.status, 200);
    assert.equal(income.body.bedriftId, e.B);
    assert.deepEqual(
      [
        income.body.driftsinntekter.sum,
        income.body.driftskostnader.sum,
        income.body.resultat,
      ],
      ["1500.00", "800.00", "700.00"],
    );
    const csv = await get("/income?from=2025-03-01&to=2025-03-31", CSV);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get("content-type")!, /^text\/csv/);
    assert.equal(
      csv.headers.get("content-disposition"),
      'attachment; filename="resultat-2025-03-01-2025-03-31.csv"',
    );
    assert.equal(
      csv.text,
      [
        "seksjon,konto,navn,belop",
        'driftsinntekter,3000,"Salgsinntekt, avgiftspliktig, 25 %",1500.00',
        "driftsinntekter,,Sum driftsinntekter,1500.00",
        "driftskostnader,7000,Drivstoff,800.00",
        "driftskostnader,,Sum driftskostnader,800.00",
        "driftsresultat,,Driftsresultat,700.00",
        "finansinntekter,,Sum finansinntekter,0.00",
        "finanskostnader,,Sum finanskostnader,0.00",
        "resultat,,Resultat,700.00",
        "",
      ].join("\r\n"),
    );

    const mva = await get("/mva?year=2025&term=2");
    assert.deepEqual(
      [mva.body.sumUtgaende, mva.body.sumInngaende, mva.body.aBetale],
      ["375.00", "200.00", "175.00"],
    );
    assert.equal(mva.body.resultat, "BETALE");
    assert.deepEqual(mva.body.kontoer, { "2700": "375.00", "2710": "200.00" });
    assert.equal(
      (await get("/mva?year=2025&term=2", CSV)).text,
      [
        "seksjon,mvaSats,grunnlag,mva",
        "utgaende,25,1500.00,375.00",
        "sum_utgaende,,,375.00",
        "inngaende,25,,200.00",
        "sum_inngaende,,,200.00",
        "a_betale,,,175.00",
        "",
      ].join("\r\n"),
    );
    assert.equal((await get("/mva?year=2025")).status, 422);
    assert.equal((await get("/mva?year=2025&term=7")).status, 422);

    const receivables = await get("/receivables?date=2025-03-31");
    assert.equal(receivables.body.total, "875.00");
    assert.equal(receivables.body.konto1500, "875.00");
    assert.equal(receivables.body.items[0].bucket, "1_30"); // due 17 March
    assert.equal(
      (await get("/receivables?date=2025-03-31", CSV)).text.split("\r\n")[1],
      `${
        receivables.body.items[0].invoiceId
      },F-1001,2025-03-03,2025-03-17,14,1_30,875.00`,
    );

    const balance = await get("/balance?date=2025-03-31");
    assert.equal(balance.body.balanced, true);
    assert.equal(balance.body.eiendeler.sum, "875.00");
    assert.equal(balance.body.egenkapital.sum, "700.00");
    assert.equal(balance.body.gjeld.sum, "175.00");
    assert.match(
      (await get("/balance?date=2025-03-31", CSV)).text,
      /\r\negenkapital_og_gjeld,,Sum egenkapital og gjeld,875\.00\r\n$/,
    );

    const cash = await get("/cashflow?from=2025-03-01&to=2025-03-31");
    assert.deepEqual(cash.body.months, [{
      month: "2025-03",
      innbetalinger: "1000.00",
      utbetalinger: "1000.00",
      netto: "0.00",
    }]);
    assert.equal(
      (await get("/cashflow?from=2025-03-01&to=2025-03-31", CSV)).text,
      [
        "maned,innbetalinger,utbetalinger,netto",
        "INNGAENDE_SALDO,,,0.00",
        "2025-03,1000.00,1000.00,0.00",
        "SUM,1000.00,1000.00,0.00",
        "UTGAENDE_SALDO,,,0.00",
        "",
      ].join("\r\n"),
    );

    // v2: money objects.
    const v2 = await e.call(
      "GET",
      "/api/v2/reports/income?from=2025-03-01&to=2025-03-31",
      undefined,
      {},
      okonomi,
    );
    assert.deepEqual(v2.body.resultat, { amount: "700.00", currency: "NOK" });
    assert.deepEqual(v2.body.driftsinntekter.lines[0].belop, {
      amount: "1500.00",
      currency: "NOK",
    });
    const trafikklarer = await e.tokenFor("TRAFIKKLARER");
    assert.equal(
      (await e.call(
        "GET",
        "/api/v1/reports/income",
        undefined,
        {},
        trafikklarer,
      ))
        .status,
      403,
    );
  } finally {
    await e.close();
  }
});

Deno.test("reports: a bedrift's user always gets its own; an ADMIN names one; X-TMS-Min-Position reads a write at once", async () => {
  const { e, invoice } = await march();
  try {
    const other = await e.call("POST", "/api/v1/bedrifter", {
      organisasjonsnummer: "915933149",
      navn: "Annen Trafikkskole AS",
    });
    const stranger = await e.tokenFor("HOVEDBRUKER", other.body.id);
    const theirs = await e.call(
      "GET",
      `/api/v1/reports/income?bedriftId=${e.B}&from=2025-01-01&to=2025-12-31`,
      undefined,
      {},
      stranger,
    );
    assert.equal(theirs.status, 200);
    assert.equal(theirs.body.bedriftId, other.body.id);
    assert.equal(theirs.body.resultat, "0.00");
    assert.equal(
      (await e.call("GET", "/api/v1/reports/balance")).body.code,
      "ledger.bedrift_required",
    );
    // A payment, read back in the receivables at once.
    const paid = await e.call("POST", `/api/v1/invoices/${invoice}/payments`, {
      amount: "875.00",
      paidOn: "2025-03-20",
    });
    assert.equal(paid.status, 200);
    const now = await e.call(
      "GET",
      `/api/v1/reports/receivables?bedriftId=${e.B}&date=2025-03-31`,
      undefined,
      { "x-tms-min-position": paid.headers.get("x-tms-position")! },
    );
    assert.equal(now.body.total, "0.00");
    assert.deepEqual(now.body.items, []);
    assert.ok(
      Number(now.headers.get("x-tms-position")) >=
        Number(paid.headers.get("x-tms-position")),
    );
  } finally {
    await e.close();
  }
});
