import assert from "node:assert/strict";
import { invoiceDecider } from "../../../actors/invoice/decider.ts";
import { invoiceEvent } from "../../../actors/invoice/events.ts";
import type { InvoiceEvent } from "../../../actors/invoice/events.ts";
import { kundeOf } from "../../../actors/invoice/kunde.ts";
import { invoiceTotals, lineAmounts } from "../../../actors/invoice/money.ts";
import { MAX_LINES } from "../../../actors/invoice/types.ts";
import { Decimal } from "../../../deps.ts";
import { DomainError, NotFoundError } from "../../../runtime/core/mod.ts";
import { deciderSpec } from "../../support/decider_spec.ts";

const spec = deciderSpec(invoiceDecider);
const at = "2026-11-22T10:00:00.000Z";
const drafted: InvoiceEvent = invoiceEvent("invoice.drafted", {
  bedriftId: "b1",
  kunde: kundeOf({ navn: "Kari Nordmann" }),
  at,
});
const addLine = (
  lineId: string,
  antall = "1",
  enhetspris = "650.00",
  mvaSats = 25,
) => ({
  type: "add_line" as const,
  lineId,
  beskrivelse: "Kjøretime",
  antall,
  enhetspris,
  mvaSats,
  at,
});
const lineAdded = (lineId: string): InvoiceEvent => ({
  type: "invoice.line_added",
  v: 1,
  data: {
    line: {
      lineId,
      beskrivelse: "Kjøretime",
      antall: "1",
      enhetspris: "650.00",
      mvaSats: 25,
      netto: "650.00",
      mva: "162.50",
      brutto: "812.50",
    },
    at,
  },
});

Deno.test("draft: given nothing, when draft, then drafted as UTKAST", () => {
  spec.given([]).when({
    type: "draft",
    bedriftId: "b1",
    kunde: { navn: "Kari Nordmann" },
    at,
  })
    .then([drafted]);
  spec.given([]).when({
    type: "draft",
    bedriftId: "b1",
    kunde: { navn: "Kari Nordmann" },
    at,
  })
    .thenState((s) => assert.equal(s.status, "UTKAST"));
});

Deno.test("draft: twice is refused; empty kunde navn or bad kunde orgnr refused", () => {
  spec.given([drafted]).when({
    type: "draft",
    bedriftId: "b1",
    kunde: { navn: "X" },
    at,
  })
    .thenThrows(DomainError, "invoice.already_drafted");
  spec.given([]).when({
    type: "draft",
    bedriftId: "b1",
    kunde: { navn: " " },
    at,
  })
    .thenThrows(DomainError, "invoice.kunde_navn_required");
  spec.given([]).when({
    type: "draft",
    bedriftId: "b1",
    kunde: { navn: "AS", organisasjonsnummer: "923609017" },
    at,
  }).thenThrows(DomainError, "invoice.invalid_kunde_organisasjonsnummer");
});

Deno.test("add line: amounts rounded per line, totals per rate", () => {
  spec.given([drafted]).when(addLine("l1")).then([lineAdded("l1")]);
  spec.given([drafted, lineAdded("l1")]).when(addLine("l2", "1.5", "99.99", 15))
    .thenState((s) => {
      assert.equal(s.lines.length, 2);
      assert.deepEqual(s.lines[1], {
        lineId: "l2",
        beskrivelse: "Kjøretime",
        antall: "1.5",
        enhetspris: "99.99",
        mvaSats: 15,
        netto: "149.99", // 149.985 rounds half up
        mva: "22.50", // 22.4985
        brutto: "172.49",
      });
      assert.deepEqual(s.totals, {
        netto: "799.99",
        mva: "185.00",
        brutto: "984.99",
        perSats: [
          { mvaSats: 25, grunnlag: "650.00", mva: "162.50" },
          { mvaSats: 15, grunnlag: "149.99", mva: "22.50" },
        ],
      });
    });
});

Deno.test("add line: invalid quantity, price, rate, or empty text are refused", () => {
  const cases: [ReturnType<typeof addLine>, string][] = [
    [addLine("x", "0"), "invoice.invalid_antall"],
    [addLine("x", "-1"), "invoice.invalid_antall"],
    [addLine("x", "1.2345"), "invoice.invalid_antall"],
    [addLine("x", "1", "-5.00"), "invoice.invalid_enhetspris"],
    [addLine("x", "1", "5.001"), "invoice.invalid_enhetspris"],
    [addLine("x", "1", "5.00", 22), "invoice.invalid_mva_sats"],
    [{ ...addLine("x"), beskrivelse: " " }, "invoice.beskrivelse_required"],
  ];
  for (const [command, code] of cases) {
    spec.given([drafted]).when(command).thenThrows(DomainError, code);
  }
});

Deno.test("add line: duplicate line id, or more than the maximum, is refused", () => {
  spec.given([drafted, lineAdded("l1")]).when(addLine("l1")).thenThrows(
    DomainError,
    "invoice.line_exists",
  );
  const full = [
    drafted,
    ...Array.from({ length: MAX_LINES }, (_, i) => lineAdded(`l${i}`)),
  ];
  spec.given(full).when(addLine("one-more")).thenThrows(
    DomainError,
    "invoice.too_many_lines",
  );
});

Deno.test("add line: an unknown invoice is not found", () => {
  spec.given([]).when(addLine("l1")).thenThrows(NotFoundError);
});

Deno.test("remove line: removed and totals follow", () => {
  spec.given([drafted, lineAdded("l1"), lineAdded("l2")]).when({
    type: "remove_line",
    lineId: "l1",
    at,
  }).thenState((s, events) => {
    assert.deepEqual(events, [{
      type: "invoice.line_removed",
      v: 1,
      data: { lineId: "l1", at },
    }]);
    assert.deepEqual(s.lines.map((l) => l.lineId), ["l2"]);
    assert.equal(s.totals.brutto, "812.50");
  });
});

Deno.test("remove line: an unknown line is refused", () => {
  spec.given([drafted]).when({ type: "remove_line", lineId: "nope", at })
    .thenThrows(
      DomainError,
      "invoice.line_not_found",
    );
});

Deno.test("money: the sum of lines equals the totals exactly for many random lines", () => {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const rates = [25, 15, 12, 0] as const;
  const lines = Array.from({ length: 500 }, () => {
    const mvaSats = rates[Math.floor(rand() * 4)];
    const antall = (Math.floor(rand() * 5000) / 1000 + 0.001).toFixed(3);
    const pris = (Math.floor(rand() * 1_000_000) / 100).toFixed(2);
    return { mvaSats, ...lineAmounts(antall, pris, mvaSats) };
  });
  const totals = invoiceTotals(lines);
  const sum = (pick: (l: typeof lines[number]) => string) =>
    lines.reduce((acc, l) => acc.plus(pick(l)), new Decimal(0)).toFixed(2);
  assert.equal(totals.netto, sum((l) => l.netto));
  assert.equal(totals.mva, sum((l) => l.mva));
  assert.equal(totals.brutto, sum((l) => l.brutto));
  const perRate = totals.perSats.reduce(
    (acc, r) => acc.plus(r.mva),
    new Decimal(0),
  );
  assert.equal(perRate.toFixed(2), totals.mva);
  for (const line of lines) {
    assert.equal(
      new Decimal(line.netto).plus(line.mva).toFixed(2),
      line.brutto,
    );
  }
});
