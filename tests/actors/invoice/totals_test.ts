/**
 * Running totals (`withLine`, what the decider's evolve and the projection
 * keep) against the full recomputation (`invoiceTotals` over every line):
 * identical, string for string, after every step of seeded random sequences
 * of lines added and removed.
 */
import assert from "node:assert/strict";
import {
  invoiceDecider,
  invoiceEvent,
  invoiceTotals,
  kundeOf,
  lineAmounts,
  MAX_LINES,
  MVA_RATES,
  NO_TOTALS,
  withLine,
} from "../../../actors/invoice/mod.ts";
import type {
  InvoiceCommand,
  InvoiceLine,
  InvoiceState,
  InvoiceTotals,
  LinesPerRate,
  MvaRate,
} from "../../../actors/invoice/mod.ts";

/** mulberry32: a small seeded generator, so a failing sequence can be rerun. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

/** Quantities with 0–3 decimals, prices with 0–2, from øre to large sums. */
function randomInput(next: () => number) {
  const whole = Math.floor(next() * (next() < 0.8 ? 10 : 1000));
  const antall = pick(next, [
    `${whole + 1}`,
    `${whole}.${Math.floor(next() * 10)}`,
    `${whole}.${String(Math.floor(next() * 1000)).padStart(3, "0")}`,
  ]).replace(/^0\.0+$/, "0.001");
  const kroner = Math.floor(next() * pick(next, [1, 100, 10_000, 1_000_000]));
  const enhetspris = `${kroner}.${
    String(Math.floor(next() * 100)).padStart(2, "0")
  }`;
  const mvaSats = pick(next, MVA_RATES);
  return { antall, enhetspris, mvaSats };
}

const SEEDS = Array.from({ length: 24 }, (_, i) => 1000 + i * 7919);
const STEPS = 400;

Deno.test("running totals: withLine equals invoiceTotals after every add and remove, incl. negated lines", () => {
  for (const seed of SEEDS) {
    const next = random(seed);
    let lines: (InvoiceLine & { sign: 1 | -1 })[] = [];
    let totals: InvoiceTotals = NO_TOTALS;
    let perRate: LinesPerRate = {};
    for (let step = 0; step < STEPS; step++) {
      const remove = lines.length > 0 &&
        (lines.length >= MAX_LINES || next() < 0.4);
      if (remove) {
        const index = Math.floor(next() * lines.length);
        const line = lines[index];
        ({ totals, linesPerRate: perRate } = withLine(
          totals,
          perRate,
          line,
          line.mvaSats,
          -1,
        ));
        lines = lines.toSpliced(index, 1);
      } else {
        const { antall, enhetspris, mvaSats } = randomInput(next);
        const amounts = lineAmounts(antall, enhetspris, mvaSats);
        // A credit note's lines are negated: sums cross zero both ways.
        const negated = next() < 0.25;
        const neg = (v: string) =>
          v === "0.00" ? v : v.startsWith("-") ? v.slice(1) : `-${v}`;
        const line = {
          lineId: `l${step}`,
          beskrivelse: "x",
          antall,
          enhetspris,
          mvaSats,
          netto: negated ? neg(amounts.netto) : amounts.netto,
          mva: negated ? neg(amounts.mva) : amounts.mva,
          brutto: negated ? neg(amounts.brutto) : amounts.brutto,
          sign: 1 as const,
        };
        ({ totals, linesPerRate: perRate } = withLine(
          totals,
          perRate,
          line,
          mvaSats,
          1,
        ));
        lines = [...lines, line];
      }
      assert.deepEqual(
        totals,
        invoiceTotals(lines),
        `seed ${seed}, step ${step}`,
      );
      const counts: Record<string, number> = {};
      for (const l of lines) counts[l.mvaSats] = (counts[l.mvaSats] ?? 0) + 1;
      assert.deepEqual(perRate, counts, `seed ${seed}, step ${step}`);
    }
  }
});

Deno.test("running totals: the decider's state after every decided add_line / remove_line equals the full recomputation", () => {
  const at = "2025-01-10T09:00:00.000Z";
  for (const seed of SEEDS) {
    const next = random(seed);
    let state: InvoiceState = invoiceDecider.evolve(
      invoiceDecider.initialState,
      invoiceEvent("invoice.drafted", {
        bedriftId: "b1",
        kunde: kundeOf({ navn: "Kari" }),
        at,
      }),
    );
    let n = 0;
    for (let step = 0; step < STEPS; step++) {
      const remove = state.lines.length > 0 &&
        (state.lines.length >= MAX_LINES || next() < 0.4);
      const command: InvoiceCommand = remove
        ? {
          type: "remove_line",
          lineId: pick(next, state.lines).lineId,
          at,
        }
        : {
          type: "add_line",
          // Now and then a line id used before and removed since.
          lineId: next() < 0.1 && n > 0
            ? `l${Math.floor(next() * n)}`
            : `l${n++}`,
          beskrivelse: "Kjøretime",
          ...randomInput(next),
          at,
        };
      let events;
      try {
        events = invoiceDecider.decide(command, state);
      } catch {
        continue; // a reused id still held: refused, as it should be
      }
      state = events.reduce(invoiceDecider.evolve, state);
      const full = invoiceTotals(state.lines);
      assert.deepEqual(state.totals, full, `seed ${seed}, step ${step}`);
      const rates = new Set(state.lines.map((l) => `${l.mvaSats}`));
      assert.deepEqual(
        Object.keys(state.linesPerRate).sort(),
        [...rates].sort(),
        `seed ${seed}, step ${step}`,
      );
    }
  }
});

Deno.test("running totals: a rate whose lines are all removed leaves perSats; the order stays 25, 15, 12, 0", () => {
  const line = (mvaSats: MvaRate) => ({
    ...lineAmounts("1", "100.00", mvaSats),
    mvaSats,
  });
  let t = withLine(NO_TOTALS, {}, line(0), 0, 1);
  t = withLine(t.totals, t.linesPerRate, line(25), 25, 1);
  t = withLine(t.totals, t.linesPerRate, line(12), 12, 1);
  assert.deepEqual(t.totals.perSats.map((p) => p.mvaSats), [25, 12, 0]);
  t = withLine(t.totals, t.linesPerRate, line(25), 25, -1);
  assert.deepEqual(t.totals.perSats.map((p) => p.mvaSats), [12, 0]);
  assert.deepEqual(t.linesPerRate, { "12": 1, "0": 1 });
  assert.deepEqual(t.totals, invoiceTotals([line(0), line(12)]));
  // A zero-priced line still lists its rate, as invoiceTotals does.
  const free = { ...lineAmounts("1", "0.00", 15), mvaSats: 15 as const };
  const f = withLine(NO_TOTALS, {}, free, 15, 1);
  assert.deepEqual(f.totals, invoiceTotals([free]));
  assert.throws(() => withLine(NO_TOTALS, {}, free, 15, -1), RangeError);
});
