import { Decimal } from "../../deps.ts";

/** The MVA rates of Norway (percent). Driving lessons are 25. */
export const MVA_RATES = [25, 15, 12, 0] as const;
export type MvaRate = typeof MVA_RATES[number];

/** One invoice line's amounts, each rounded to øre. Money as strings. */
export interface LineAmounts {
  netto: string;
  mva: string;
  brutto: string;
}

/** Totals of an invoice: per MVA rate and overall; the lines add up exactly. */
export interface InvoiceTotals {
  netto: string;
  mva: string;
  brutto: string;
  perSats: { mvaSats: MvaRate; grunnlag: string; mva: string }[];
}

const MONEY = /^-?\d+(\.\d{1,2})?$/;
const QUANTITY = /^\d+(\.\d{1,3})?$/;

/** True for an amount in NOK with at most two decimals. */
export function isMoney(value: string): boolean {
  return MONEY.test(value);
}

/** True for a positive quantity with at most three decimals. */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value) && new Decimal(value).greaterThan(0);
}

/** Formats an amount with exactly two decimals. */
export function money(value: Decimal.Value): string {
  return new Decimal(value).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(
    2,
  );
}

/**
 * A line's net (quantity × unit price), its MVA and gross, each rounded half
 * up to øre on the line, so the invoice totals are exact sums of lines.
 *
 * @example
 * ```ts
 * lineAmounts("1.5", "650.00", 25); // { netto: "975.00", mva: "243.75", brutto: "1218.75" }
 * ```
 */
export function lineAmounts(
  antall: string,
  enhetspris: string,
  mvaSats: MvaRate,
): LineAmounts {
  const netto = new Decimal(antall).times(enhetspris).toDecimalPlaces(
    2,
    Decimal.ROUND_HALF_UP,
  );
  const mva = netto.times(mvaSats).dividedBy(100).toDecimalPlaces(
    2,
    Decimal.ROUND_HALF_UP,
  );
  return {
    netto: netto.toFixed(2),
    mva: mva.toFixed(2),
    brutto: netto.plus(mva).toFixed(2),
  };
}

/**
 * How many lines of each MVA rate an invoice holds: the running totals list
 * exactly the rates with lines, as `invoiceTotals` does. Keys are the rates.
 */
export type LinesPerRate = Readonly<Partial<Record<`${MvaRate}`, number>>>;

/** The totals of no lines. */
export const NO_TOTALS: InvoiceTotals = {
  netto: "0.00",
  mva: "0.00",
  brutto: "0.00",
  perSats: [],
};

/**
 * Running totals: `totals` with one line added (`sign` 1) or removed (-1),
 * in O(1) of the lines held — a few exact `Decimal` additions on the overall
 * sums and on the line's rate, never a pass over the lines. Equal, string
 * for string, to `invoiceTotals` of the lines after the change (the
 * property test in tests/actors/invoice/totals_test.ts checks it).
 *
 * @example
 * ```ts
 * const one = withLine(NO_TOTALS, {}, lineAmounts("1", "650.00", 25), 25, 1);
 * one.totals.brutto; // "812.50"; one.linesPerRate: { "25": 1 }
 * ```
 */
export function withLine(
  totals: InvoiceTotals,
  linesPerRate: LinesPerRate,
  line: LineAmounts,
  mvaSats: MvaRate,
  sign: 1 | -1,
): { totals: InvoiceTotals; linesPerRate: LinesPerRate } {
  const plus = (a: string, b: string) =>
    (sign === 1 ? new Decimal(a).plus(b) : new Decimal(a).minus(b)).toFixed(2);
  const key = `${mvaSats}` as const;
  const count = (linesPerRate[key] ?? 0) + sign;
  if (count < 0) {
    throw new RangeError(`No line at ${mvaSats} % to remove`);
  }
  const perSats: InvoiceTotals["perSats"] = [];
  for (const rate of MVA_RATES) {
    const held = totals.perSats.find((p) => p.mvaSats === rate);
    if (rate !== mvaSats) {
      if (held) perSats.push(held);
    } else if (count > 0) {
      perSats.push({
        mvaSats,
        grunnlag: plus(held?.grunnlag ?? "0.00", line.netto),
        mva: plus(held?.mva ?? "0.00", line.mva),
      });
    }
  }
  const netto = plus(totals.netto, line.netto);
  const mva = plus(totals.mva, line.mva);
  const next = { ...linesPerRate };
  if (count === 0) delete next[key];
  else next[key] = count;
  return {
    totals: {
      netto,
      mva,
      brutto: new Decimal(netto).plus(mva).toFixed(2),
      perSats,
    },
    linesPerRate: next,
  };
}

/** Sums line amounts per MVA rate and overall (a pass over every line). */
export function invoiceTotals(
  lines: readonly (LineAmounts & { mvaSats: MvaRate })[],
): InvoiceTotals {
  const zero = new Decimal(0);
  const perRate = new Map<MvaRate, { grunnlag: Decimal; mva: Decimal }>();
  let netto = zero;
  let mva = zero;
  for (const line of lines) {
    const rate = perRate.get(line.mvaSats) ?? { grunnlag: zero, mva: zero };
    perRate.set(line.mvaSats, {
      grunnlag: rate.grunnlag.plus(line.netto),
      mva: rate.mva.plus(line.mva),
    });
    netto = netto.plus(line.netto);
    mva = mva.plus(line.mva);
  }
  return {
    netto: netto.toFixed(2),
    mva: mva.toFixed(2),
    brutto: netto.plus(mva).toFixed(2),
    perSats: MVA_RATES.filter((r) => perRate.has(r)).map((r) => ({
      mvaSats: r,
      grunnlag: perRate.get(r)!.grunnlag.toFixed(2),
      mva: perRate.get(r)!.mva.toFixed(2),
    })),
  };
}
