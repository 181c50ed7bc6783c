import assert from "node:assert/strict";
import {
  invoiceEvent,
  invoicesProjection,
  kundeOf,
  lineAmounts,
} from "../../../actors/invoice/mod.ts";
import type {
  InvoiceEvent,
  InvoiceLine,
  KundeInput,
  MvaRate,
} from "../../../actors/invoice/mod.ts";
import { Feed, projectionSpec } from "../../support/mod.ts";

const spec = projectionSpec(invoicesProjection);
const at = "2025-01-10T09:00:00.000Z";
const ROWS = `SELECT id, kind, status, kunde_kind, kunde_navn, kunde_epost,
  kunde_organisasjonsnummer, kunde_kundenummer, dato::text, nummer,
  fakturanummer, kid, forfallsdato::text, netto, mva, brutto, mva_per_sats,
  antall_per_sats, antall_linjer, gebyrer, renter, betalt, utestaende,
  antall_purringer, betalt_dato::text, kreditnota_for, kreditert_av, version,
  position
  FROM invoices ORDER BY id`;
const TOTALS = `SELECT id, netto, mva, brutto, mva_per_sats, antall_per_sats,
  antall_linjer FROM invoices ORDER BY id`;
const LINES = `SELECT invoice_id, id, beskrivelse, antall, enhetspris, mva_sats,
  netto, mva, brutto, version, idx, position
  FROM invoice_lines ORDER BY invoice_id, version, idx`;

const drafted = (kunde: KundeInput = { navn: "Kari Nordmann" }) =>
  invoiceEvent("invoice.drafted", {
    bedriftId: "b1",
    kunde: kundeOf(kunde),
    at,
  });
const line = (
  lineId: string,
  antall: string,
  enhetspris: string,
  mvaSats: MvaRate,
): InvoiceLine => ({
  lineId,
  beskrivelse: `Kjøretime ${lineId}`,
  antall,
  enhetspris,
  mvaSats,
  ...lineAmounts(antall, enhetspris, mvaSats),
});
const added = (l: InvoiceLine) =>
  invoiceEvent("invoice.line_added", { line: l, at });
const removed = (lineId: string) =>
  invoiceEvent("invoice.line_removed", { lineId, at });
const sent = (number: number, kid: string | null = "0000000018") =>
  invoiceEvent("invoice.sent", {
    kind: "FAKTURA",
    number,
    fakturanummer: `F-${number}`,
    kid,
    kidAlgoritme: "MOD10",
    fakturadato: "2025-01-10",
    forfallsdato: "2025-01-24",
    selger: {
      navn: "Oslo Trafikkskole AS",
      organisasjonsnummer: "923609016",
      mvaRegistrert: true,
      kontonummer: "86011117947",
    },
    totals: { netto: "0.00", mva: "0.00", brutto: "0.00", perSats: [] },
    at,
  });

const l1 = line("l1", "1.5", "780.00", 25); // 1170.00 + 292.50
const l2 = line("l2", "1", "1200.00", 0); // 1200.00
const l3 = line("l3", "2", "99.99", 25); // 199.98 + 50.00 (49.995)

Deno.test("invoices projection: a draft, lines added and one removed: running totals per rate and one row per line", async () => {
  const feed = new Feed();
  const batch = [
    feed.commit("invoice", "i1", [drafted()]),
    feed.commit("invoice", "i1", [added(l1)]),
    feed.commit("invoice", "i1", [added(l2)]),
    feed.commit("invoice", "i1", [added(l3)]),
    feed.commit("invoice", "i1", [removed("l2")]),
  ];
  await spec.given(batch).thenRows(TOTALS, [{
    id: "i1",
    netto: "1369.98",
    mva: "342.50",
    brutto: "1712.48",
    mva_per_sats: [{ mvaSats: 25, grunnlag: "1369.98", mva: "342.50" }],
    antall_per_sats: { "25": 2 },
    antall_linjer: 2,
  }]);
  await spec.given(batch).thenRows(LINES, [{
    invoice_id: "i1",
    id: "l1",
    beskrivelse: "Kjøretime l1",
    antall: "1.500",
    enhetspris: "780.00",
    mva_sats: 25,
    netto: "1170.00",
    mva: "292.50",
    brutto: "1462.50",
    version: 2,
    idx: 0,
    position: 2,
  }, {
    invoice_id: "i1",
    id: "l3",
    beskrivelse: "Kjøretime l3",
    antall: "2.000",
    enhetspris: "99.99",
    mva_sats: 25,
    netto: "199.98",
    mva: "50.00",
    brutto: "249.98",
    version: 4,
    idx: 0,
    position: 4,
  }]);
});

Deno.test("invoices projection: a line removed in a later batch is read from invoice_lines; a removed id added again is a new line", async () => {
  const feed = new Feed();
  const first = [
    feed.commit("invoice", "i1", [drafted()]),
    feed.commit("invoice", "i1", [added(l1)]),
    feed.commit("invoice", "i1", [added(l2)]),
    feed.commit("invoice", "i2", [drafted({ navn: "Per" })]),
    feed.commit("invoice", "i2", [added(l1)]),
  ];
  const again = line("l2", "3", "10.00", 12);
  const second = [
    feed.commit("invoice", "i1", [removed("l2")]),
    feed.commit("invoice", "i1", [added(again)]),
    feed.commit("invoice", "i1", [removed("l1")]),
    feed.commit("invoice", "i2", [removed("l1")]),
  ];
  const third = [feed.commit("invoice", "i1", [removed("l2")])];
  await spec.given(first, second).thenRows(TOTALS, [{
    id: "i1",
    netto: "30.00",
    mva: "3.60",
    brutto: "33.60",
    mva_per_sats: [{ mvaSats: 12, grunnlag: "30.00", mva: "3.60" }],
    antall_per_sats: { "12": 1 },
    antall_linjer: 1,
  }, {
    id: "i2",
    netto: "0.00",
    mva: "0.00",
    brutto: "0.00",
    mva_per_sats: [],
    antall_per_sats: {},
    antall_linjer: 0,
  }]);
  await spec.given(first, second).then(async (db) => {
    const rows = await db.query(
      "SELECT invoice_id, id, mva_sats, version FROM invoice_lines",
    );
    assert.deepEqual(rows, [
      { invoice_id: "i1", id: "l2", mva_sats: 12, version: 5 },
    ]);
  });
  // The same commits in one batch, and one per batch, give the same rows.
  const all = [...first, ...second, ...third];
  await spec.given(all).thenRows(
    "SELECT count(*)::int AS n FROM invoice_lines",
    [
      { n: 0 },
    ],
  );
  await spec.given(...all.map((c) => [c])).thenRows(TOTALS, [{
    id: "i1",
    netto: "0.00",
    mva: "0.00",
    brutto: "0.00",
    mva_per_sats: [],
    antall_per_sats: {},
    antall_linjer: 0,
  }, {
    id: "i2",
    netto: "0.00",
    mva: "0.00",
    brutto: "0.00",
    mva_per_sats: [],
    antall_per_sats: {},
    antall_linjer: 0,
  }]);
});

Deno.test("invoices projection: send, payments, a reminder; a cancelled draft; rows through the lifecycle", async () => {
  const feed = new Feed();
  const batches = [[
    feed.commit("invoice", "i1", [
      drafted({ navn: "Kari Nordmann", kundenummer: "42" }),
    ]),
    feed.commit("invoice", "i1", [added(l1)]),
    feed.commit("invoice", "i1", [sent(1)]),
    feed.commit("invoice", "i3", [drafted({ navn: "Feil" })]),
  ], [
    feed.commit("invoice", "i1", [
      invoiceEvent("invoice.payment_registered", {
        paymentId: "p1",
        amount: "462.50",
        paidOn: "2025-01-20",
        reference: null,
        utestaende: "1000.00",
        at,
      }),
    ]),
    feed.commit("invoice", "i1", [
      invoiceEvent("invoice.reminded", {
        step: 1,
        on: "2025-02-10",
        gebyr: "35.00",
        rente: "5.48",
        renteFra: "2025-01-24",
        utestaende: "1040.48",
        at,
      }),
    ]),
    feed.commit("invoice", "i3", [
      invoiceEvent("invoice.cancelled", { reason: "Feil kunde", at }),
    ]),
  ], [
    feed.commit("invoice", "i1", [
      invoiceEvent("invoice.payment_registered", {
        paymentId: "p2",
        amount: "1040.48",
        paidOn: "2025-02-12",
        reference: "Nets 1",
        utestaende: "0.00",
        at,
      }),
      invoiceEvent("invoice.paid", {
        paidOn: "2025-02-12",
        betalt: "1502.98",
        at,
      }),
    ]),
  ]];
  const common = {
    kind: "FAKTURA",
    kunde_epost: null,
    kunde_organisasjonsnummer: null,
    gebyrer: "0.00",
    renter: "0.00",
    betalt: "0.00",
    antall_purringer: 0,
    betalt_dato: null,
    kreditnota_for: null,
    kreditert_av: null,
  };
  const i1 = {
    ...common,
    id: "i1",
    kunde_kind: "PRIVAT",
    kunde_navn: "Kari Nordmann",
    kunde_kundenummer: "42",
    dato: "2025-01-10",
    nummer: 1,
    fakturanummer: "F-1",
    kid: "0000000018",
    forfallsdato: "2025-01-24",
    netto: "1170.00",
    mva: "292.50",
    brutto: "1462.50",
    mva_per_sats: [{ mvaSats: 25, grunnlag: "1170.00", mva: "292.50" }],
    antall_per_sats: { "25": 1 },
    antall_linjer: 1,
  };
  const i3 = {
    ...common,
    id: "i3",
    status: "KANSELLERT",
    kunde_kind: "PRIVAT",
    kunde_navn: "Feil",
    kunde_kundenummer: null,
    dato: "2025-01-10",
    nummer: null,
    fakturanummer: null,
    kid: null,
    forfallsdato: null,
    netto: "0.00",
    mva: "0.00",
    brutto: "0.00",
    mva_per_sats: [],
    antall_per_sats: {},
    antall_linjer: 0,
    utestaende: "0.00",
    version: 2,
    position: 7,
  };
  await spec.given(batches[0]).thenRows(ROWS, [
    { ...i1, status: "SENDT", utestaende: "1462.50", version: 3, position: 3 },
    {
      ...i3,
      status: "UTKAST",
      version: 1,
      position: 4,
    },
  ]);
  await spec.given(batches[0], batches[1]).thenRows(ROWS, [{
    ...i1,
    status: "DELVIS_BETALT",
    betalt: "462.50",
    gebyrer: "35.00",
    renter: "5.48",
    antall_purringer: 1,
    utestaende: "1040.48",
    version: 5,
    position: 6,
  }, i3]);
  await spec.given(...batches).thenRows(ROWS, [{
    ...i1,
    status: "BETALT",
    betalt: "1502.98",
    gebyrer: "35.00",
    renter: "5.48",
    antall_purringer: 1,
    betalt_dato: "2025-02-12",
    utestaende: "0.00",
    version: 6,
    position: 8,
  }, i3]);
});

Deno.test("invoices projection: a credit note's draft and negated lines in one commit; the original credited owes nothing", async () => {
  const feed = new Feed();
  const neg = (l: InvoiceLine): InvoiceLine => ({
    ...l,
    antall: `-${l.antall}`,
    netto: `-${l.netto}`,
    mva: l.mva === "0.00" ? "0.00" : `-${l.mva}`,
    brutto: `-${l.brutto}`,
  });
  const original = { invoiceId: "i1", number: 1, fakturanummer: "F-1" };
  const note = { invoiceId: "k1", number: 2, fakturanummer: "F-2" };
  const kunde = { navn: "Bil AS", organisasjonsnummer: "974760673" };
  const batch = [
    feed.commit("invoice", "i1", [drafted(kunde)]),
    feed.commit("invoice", "i1", [added(l1)]),
    feed.commit("invoice", "i1", [added(l2)]),
    feed.commit("invoice", "i1", [sent(1)]),
    feed.commit("invoice", "k1", [
      invoiceEvent("invoice.drafted", {
        bedriftId: "b1",
        kunde: kundeOf(kunde),
        at,
        kreditnotaFor: original,
      }),
      added(neg(l1)),
      added(neg(l2)),
    ]),
    feed.commit("invoice", "k1", [sent(2, null)]),
    feed.commit("invoice", "i1", [
      invoiceEvent("invoice.credited", {
        creditNote: note,
        amount: "2662.50",
        reason: null,
        at,
      }),
    ]),
  ];
  await spec.given(batch).thenRows(
    `SELECT id, kind, status, kunde_kind, netto, mva, brutto, mva_per_sats,
       antall_linjer, utestaende, kreditnota_for, kreditert_av
     FROM invoices ORDER BY id`,
    [{
      id: "i1",
      kind: "FAKTURA",
      status: "KREDITERT",
      kunde_kind: "BEDRIFT",
      netto: "2370.00",
      mva: "292.50",
      brutto: "2662.50",
      mva_per_sats: [
        { mvaSats: 25, grunnlag: "1170.00", mva: "292.50" },
        { mvaSats: 0, grunnlag: "1200.00", mva: "0.00" },
      ],
      antall_linjer: 2,
      utestaende: "0.00",
      kreditnota_for: null,
      kreditert_av: "k1",
    }, {
      id: "k1",
      kind: "KREDITNOTA",
      status: "SENDT",
      kunde_kind: "BEDRIFT",
      netto: "-2370.00",
      mva: "-292.50",
      brutto: "-2662.50",
      mva_per_sats: [
        { mvaSats: 25, grunnlag: "-1170.00", mva: "-292.50" },
        { mvaSats: 0, grunnlag: "-1200.00", mva: "0.00" },
      ],
      antall_linjer: 2,
      utestaende: "0.00",
      kreditnota_for: "i1",
      kreditert_av: null,
    }],
  );
  await spec.given(batch).thenRows(
    "SELECT id, antall, netto, version, idx FROM invoice_lines WHERE invoice_id = 'k1' ORDER BY version, idx",
    [
      { id: "l1", antall: "-1.500", netto: "-1170.00", version: 1, idx: 1 },
      { id: "l2", antall: "-1.000", netto: "-1200.00", version: 1, idx: 2 },
    ],
  );
});

Deno.test("invoices projection: batches applied twice leave the same invoices and lines", async () => {
  const feed = new Feed();
  const first = [
    feed.commit("invoice", "i1", [drafted()]),
    feed.commit("invoice", "i1", [added(l1)]),
    feed.commit("invoice", "i1", [added(l2)]),
  ];
  const second = [
    feed.commit("invoice", "i1", [removed("l1")]),
    feed.commit("invoice", "i1", [added(l3)]),
    feed.commit("invoice", "i1", [sent(1)]),
  ];
  await spec.given(first, second).thenIdempotent(ROWS);
  await spec.given(first, second).thenIdempotent(LINES);
});

Deno.test("invoices projection: a v1 draft is read as v2 (kind from the organisasjonsnummer); a version it does not know, or a line it does not hold, fails the batch", async () => {
  const feed = new Feed();
  const v1 = (kunde: Record<string, unknown>) =>
    ({
      type: "invoice.drafted",
      v: 1,
      data: { bedriftId: "b1", kunde, at },
    }) as unknown as InvoiceEvent;
  await spec.given([
    feed.commit("invoice", "i1", [
      v1({ navn: "Bil AS", organisasjonsnummer: "974760673" }),
    ]),
    feed.commit("invoice", "i2", [
      v1({ navn: "Kari", epost: "kari@example.no" }),
    ]),
  ]).thenRows(
    "SELECT id, kunde_kind, kunde_epost, kunde_organisasjonsnummer, kunde_kundenummer FROM invoices ORDER BY id",
    [{
      id: "i1",
      kunde_kind: "BEDRIFT",
      kunde_epost: null,
      kunde_organisasjonsnummer: "974760673",
      kunde_kundenummer: null,
    }, {
      id: "i2",
      kunde_kind: "PRIVAT",
      kunde_epost: "kari@example.no",
      kunde_organisasjonsnummer: null,
      kunde_kundenummer: null,
    }],
  );
  const other = new Feed();
  await assert.rejects(
    spec.given([
      other.commit("invoice", "i1", [drafted()]),
      other.commit("invoice", "i1", [
        { ...added(l1), v: 9 } as unknown as InvoiceEvent,
      ]),
    ]).then(() => Promise.resolve()),
    /invoice.line_added v9 is newer than this code knows \(v1\)/,
  );
  const third = new Feed();
  await assert.rejects(
    spec.given([
      third.commit("invoice", "i1", [drafted()]),
      third.commit("invoice", "i1", [removed("nope")]),
    ]).then(() => Promise.resolve()),
    /removes line nope at position 2, which it does not hold/,
  );
});
