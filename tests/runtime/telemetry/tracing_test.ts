import assert from "node:assert/strict";
import {
  captureContext,
  contextFrom,
  idHash,
  linksFrom,
  runInContext,
  traceHeaders,
  tracingEnabled,
  withActiveTraceparent,
  withConsumerSpan,
  withSpan,
} from "../../../runtime/telemetry/mod.ts";

// The test process runs without OTEL_DENO: the off path every seam takes.
Deno.test("tracing off: no provider, every helper is a direct call", async () => {
  assert.equal(tracingEnabled(), false);
  let seen: unknown = "unset";
  const value = await withSpan("x", {}, (span) => {
    seen = span;
    return Promise.resolve(42);
  });
  assert.equal(value, 42);
  assert.equal(seen, undefined);
  assert.equal(captureContext(), undefined);
  assert.equal(runInContext(undefined, () => 7), 7);
  assert.deepEqual(traceHeaders(), {});
  assert.equal(
    contextFrom("00-" + "a".repeat(32) + "-" + "b".repeat(16) + "-01"),
    undefined,
  );
  const request: { meta?: { traceparent?: string } } = { meta: {} };
  assert.equal(withActiveTraceparent(request), request);
  assert.equal(
    await withConsumerSpan("y", [], {}, () => Promise.resolve("ok")),
    "ok",
  );
  await assert.rejects(
    withSpan("z", {}, () => Promise.reject(new RangeError("no"))),
    RangeError,
  );
});

Deno.test("linksFrom: one link per distinct valid traceparent, bounded", () => {
  const a = `00-${"1".repeat(32)}-${"2".repeat(16)}-01`;
  const b = `00-${"3".repeat(32)}-${"4".repeat(16)}-00`;
  const links = linksFrom([a, undefined, a, "garbage", b]);
  assert.deepEqual(
    links.map((
      l,
    ) => [l.context.traceId, l.context.spanId, l.context.traceFlags]),
    [
      ["1".repeat(32), "2".repeat(16), 1],
      ["3".repeat(32), "4".repeat(16), 0],
    ],
  );
  const many = Array.from(
    { length: 300 },
    (_, i) => `00-${i.toString(16).padStart(32, "0")}-${"5".repeat(16)}-01`,
  );
  assert.equal(linksFrom(many).length, 128);
  assert.equal(linksFrom(many, 3).length, 3);
});

Deno.test("idHash: 16 hex digits, stable, differs by id", () => {
  assert.match(idHash("bedrift-1"), /^[0-9a-f]{16}$/);
  assert.equal(idHash("bedrift-1"), idHash("bedrift-1"));
  assert.notEqual(idHash("bedrift-1"), idHash("bedrift-2"));
});
