import assert from "node:assert/strict";
import { LatencyHistogram } from "../../../runtime/telemetry/mod.ts";

Deno.test("latency histogram: observations land in cumulative buckets", () => {
  const h = new LatencyHistogram([0.01, 0.1, 1]);
  for (const s of [0.001, 0.01, 0.05, 0.5, 3]) h.record(s);
  const snap = h.snapshot();
  assert.deepEqual(snap.cumulative, [2, 3, 4]);
  assert.equal(snap.count, 5);
  assert.equal(snap.maxSeconds, 3);
  assert.ok(Math.abs(snap.sumSeconds - 3.561) < 1e-9);
});

Deno.test("latency histogram: Prometheus text with +Inf, sum and count", () => {
  const h = new LatencyHistogram([0.01, 0.1]);
  h.record(0.02);
  h.record(0.2);
  const text = h.prometheus("x_seconds", "help text");
  assert.match(
    text,
    /^# HELP x_seconds help text\n# TYPE x_seconds histogram\n/,
  );
  assert.match(text, /x_seconds_bucket\{le="0.01"\} 0\n/);
  assert.match(text, /x_seconds_bucket\{le="0.1"\} 1\n/);
  assert.match(text, /x_seconds_bucket\{le="\+Inf"\} 2\n/);
  assert.match(text, /x_seconds_count 2\n/);
});

Deno.test("latency histogram: bounds must ascend", () => {
  assert.throws(() => new LatencyHistogram([0.1, 0.01]), RangeError);
});
