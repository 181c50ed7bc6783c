import assert from "node:assert/strict";
import {
  consumerReminderFeeCap,
  DEFAULT_RATES,
  invoiceKid,
  lateInterest,
  MAX_INVOICE_NUMBER,
  parseDatedRates,
  rateOn,
} from "../../../actors/invoice/mod.ts";
import {
  addDays,
  daysBetween,
  isKid,
  osloDay,
  osloMidnight,
} from "../../../actors/validators/mod.ts";

Deno.test("dated rates: the value in force on a date", () => {
  const table = DEFAULT_RATES.forsinkelsesrente;
  assert.equal(rateOn(table, "2023-06-30"), "10.75");
  assert.equal(rateOn(table, "2023-07-01"), "11.75");
  assert.equal(rateOn(table, "2030-01-01"), table.at(-1)!.value);
  assert.equal(rateOn(table, "2000-01-01"), null);
});

Deno.test("dated rates: the consumer reminder fee cap follows the dated divisor", () => {
  assert.equal(consumerReminderFeeCap(DEFAULT_RATES, "2022-12-31"), "70.00");
  assert.equal(consumerReminderFeeCap(DEFAULT_RATES, "2023-01-01"), "35.00");
  assert.equal(consumerReminderFeeCap(DEFAULT_RATES, "2001-01-01"), null);
  const raised = {
    ...DEFAULT_RATES,
    inkassosats: [...DEFAULT_RATES.inkassosats, {
      from: "2030-01-01",
      value: "750.00",
    }],
  };
  assert.equal(consumerReminderFeeCap(raised, "2030-06-01"), "37.50");
});

Deno.test("late interest: actual days / 365, split where the rate changes", () => {
  const table = DEFAULT_RATES.forsinkelsesrente;
  assert.equal(
    lateInterest("1000.00", "2024-01-01", "2024-01-31", table),
    "10.27",
  );
  // 10 days at 10.75 % then 10 days at 11.75 %.
  assert.equal(
    lateInterest("1000.00", "2023-06-20", "2023-07-10", table),
    "6.16",
  );
  assert.equal(
    lateInterest("1000.00", "2024-01-31", "2024-01-01", table),
    "0.00",
  );
  assert.equal(lateInterest("0.00", "2024-01-01", "2024-02-01", table), "0.00");
});

Deno.test("dated rates: a rates file is validated entry by entry", () => {
  const parsed = parseDatedRates(JSON.parse(JSON.stringify(DEFAULT_RATES)));
  assert.deepEqual(parsed, DEFAULT_RATES);
  assert.throws(() => parseDatedRates(null), TypeError);
  assert.throws(
    () => parseDatedRates({ ...DEFAULT_RATES, inkassosats: [] }),
    TypeError,
  );
  assert.throws(
    () =>
      parseDatedRates({
        ...DEFAULT_RATES,
        forsinkelsesrente: [
          { from: "2024-07-01", value: "12.50" },
          { from: "2024-01-01", value: "12.50" },
        ],
      }),
    /after the previous/,
  );
  assert.throws(
    () =>
      parseDatedRates({
        ...DEFAULT_RATES,
        purregebyrDivisor: [{ from: "2023-01-01", value: 0 }],
      }),
    /not valid/,
  );
});

Deno.test("invoice KID: kundenummer + 8-digit number + check digit, always valid", () => {
  assert.equal(invoiceKid(null, 1, "MOD10"), "000000018");
  assert.equal(invoiceKid("4711", 1002, "MOD10").slice(0, 12), "471100001002");
  for (const algorithm of ["MOD10", "MOD11"] as const) {
    const seen = new Set<string>();
    for (let n = 1; n <= 3000; n++) {
      for (const kunde of [null, "7", "4711", "9999999999"]) {
        const kid = invoiceKid(kunde, n, algorithm);
        assert.ok(isKid(kid, algorithm), `${kid} (${algorithm})`);
        assert.ok(!kid.endsWith("-"));
        if (kunde === "4711") {
          assert.ok(!seen.has(kid));
          seen.add(kid);
        }
      }
    }
  }
  // Some MOD11 bases need the filler digit; they still end in the number.
  const withFiller = Array.from({ length: 200 }, (_, i) => i + 1).filter((n) =>
    invoiceKid(null, n, "MOD11").length === 10
  );
  assert.ok(withFiller.length > 0);
  for (const n of withFiller) {
    assert.equal(
      invoiceKid(null, n, "MOD11").slice(1, 9),
      String(n).padStart(8, "0"),
    );
  }
  assert.throws(() => invoiceKid(null, 0, "MOD10"), RangeError);
  assert.throws(
    () => invoiceKid(null, MAX_INVOICE_NUMBER + 1, "MOD10"),
    RangeError,
  );
  assert.throws(() => invoiceKid("12a", 1, "MOD10"), TypeError);
});

Deno.test("Oslo time: days, midnights in winter and summer, day arithmetic", () => {
  assert.equal(osloDay("2025-06-30T22:30:00Z"), "2025-07-01");
  assert.equal(osloDay("2025-01-14T22:59:59Z"), "2025-01-14");
  assert.equal(osloMidnight("2025-01-15"), "2025-01-14T23:00:00.000Z");
  assert.equal(osloMidnight("2025-07-15"), "2025-07-14T22:00:00.000Z");
  assert.equal(osloMidnight("2025-03-30"), "2025-03-29T23:00:00.000Z");
  assert.equal(osloMidnight("2025-10-26"), "2025-10-25T22:00:00.000Z");
  assert.equal(addDays("2025-12-25", 14), "2026-01-08");
  assert.equal(addDays("2024-02-28", 1), "2024-02-29");
  assert.equal(daysBetween("2025-01-01", "2025-01-15"), 14);
  assert.equal(daysBetween("2025-03-29", "2025-03-31"), 2);
  assert.throws(() => osloDay("not a time"), RangeError);
});
