import assert from "node:assert/strict";
import { HoltWinters, RateForecaster } from "../../../runtime/autoscale/mod.ts";

/** A seeded PRNG (mulberry32) and normal noise (Box-Muller). */
function noise(seed: number, sigma: number): () => number {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () =>
    sigma * Math.sqrt(-2 * Math.log(1 - uniform())) *
    Math.cos(2 * Math.PI * uniform());
}

const PERIOD = 24;
/** A daily shape in hourly steps: 200 cmd/s, rising 0.5 per hour, ±50 a day. */
const truth = (t: number) =>
  200 + 0.5 * t + 50 * Math.sin((2 * Math.PI * t) / PERIOD);

function mape(actual: number[], predicted: number[]): number {
  return actual.reduce((sum, a, i) => sum + Math.abs(a - predicted[i]) / a, 0) /
    actual.length;
}

Deno.test("Holt-Winters: a seasonal series with trend and noise is forecast a season ahead within 5 % MAPE", () => {
  const jitter = noise(42, 5);
  const series = Array.from(
    { length: 12 * PERIOD },
    (_, t) => truth(t) + jitter(),
  );
  const fit = series.slice(0, 10 * PERIOD);
  const ahead = series.slice(10 * PERIOD, 11 * PERIOD);
  const hw = new HoltWinters({ period: PERIOD });
  for (const y of fit) hw.observe(y);
  assert.ok(hw.seasonal);
  const predicted = ahead.map((_, i) => hw.forecast(i + 1)!);
  const error = mape(ahead, predicted);
  assert.ok(error < 0.05, `MAPE ${error}`);
  // Without the season (Holt's linear method on the same data) it is far worse:
  // the season is what the forecast gets right.
  const holt = new HoltWinters({ period: 10_000 });
  for (const y of fit) holt.observe(y);
  const flat = ahead.map((_, i) => holt.forecast(i + 1)!);
  assert.ok(mape(ahead, flat) > 3 * error, `${mape(ahead, flat)} vs ${error}`);
});

Deno.test("Holt-Winters: before two seasons it forecasts level and trend; a linear series exactly", () => {
  const hw = new HoltWinters({ period: 50 });
  assert.equal(hw.forecast(1), null);
  hw.observe(10);
  assert.equal(hw.forecast(1), null);
  for (let t = 1; t < 60; t++) hw.observe(10 + 2 * t);
  assert.ok(!hw.seasonal);
  // The trend is learnt gradually (β = 0.05): well on its way after 60 points.
  const next = hw.forecast(1)!;
  assert.ok(next > 10 + 2 * 55 && next < 10 + 2 * 61, String(next));
  assert.throws(() => hw.forecast(0), RangeError);
  assert.throws(() => new HoltWinters({ period: 1 }), RangeError);
  assert.throws(() => new HoltWinters({ period: 4, alpha: 1 }), RangeError);
});

Deno.test("Holt-Winters: forecasts are never negative", () => {
  const hw = new HoltWinters({ period: 4 });
  for (const y of [100, 80, 60, 40, 20, 10, 5, 1, 0, 0]) hw.observe(y);
  for (let h = 1; h <= 20; h++) assert.ok(hw.forecast(h)! >= 0);
});

Deno.test("rate forecaster: the MAPE of the horizon's forecasts against what came, over the last hour only", () => {
  const jitter = noise(7, 3);
  const forecaster = new RateForecaster({
    period: PERIOD,
    horizonSteps: 3,
    errorWindowMs: 60 * 60_000,
  });
  const minute = 60_000;
  // One observation a minute: 8 seasons of 24 minutes.
  for (let t = 0; t < 8 * PERIOD; t++) {
    forecaster.observe(t * minute, truth(t) + jitter());
  }
  const now = (8 * PERIOD - 1) * minute;
  const accuracy = forecaster.accuracy(now);
  // 60 forecasts came due in the last hour (one a minute).
  assert.equal(accuracy.points, 61);
  assert.equal(accuracy.horizonSteps, 3);
  assert.ok(accuracy.mape! < 0.05, `MAPE ${accuracy.mape}`);
  // The band of the next minute holds the truth; the forecast follows the season.
  const [next] = forecaster.forecast(1);
  const actual = truth(8 * PERIOD);
  assert.ok(next.low <= actual && actual <= next.high, JSON.stringify(next));
  const points = forecaster.forecast(PERIOD);
  assert.equal(points.length, PERIOD);
  assert.ok(
    points.every((p, i) =>
      i === 0 || p.high - p.low >= points[i - 1].high - points[i - 1].low
    ),
  );
  // An hour later with nothing observed, the window is empty.
  assert.equal(forecaster.accuracy(now + 2 * 60 * minute).mape, null);
});

Deno.test("rate forecaster: rates below the minimum are not scored; a change of regime shows in the error", () => {
  const forecaster = new RateForecaster({ period: 10, horizonSteps: 1 });
  for (let t = 0; t < 40; t++) forecaster.observe(t * 1000, 0);
  assert.equal(forecaster.accuracy(40_000).points, 0);
  for (let t = 40; t < 60; t++) forecaster.observe(t * 1000, 100);
  const accuracy = forecaster.accuracy(60_000);
  assert.equal(accuracy.points, 20);
  // The first forecast after the jump was 100 % off (0 for 100).
  assert.ok(accuracy.mape! > 0.1, String(accuracy.mape));
  assert.ok(forecaster.expected(3) !== null);
});
