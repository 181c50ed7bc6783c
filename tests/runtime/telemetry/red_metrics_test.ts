import assert from "node:assert/strict";
import { RedMetrics } from "../../../runtime/telemetry/mod.ts";

Deno.test("RedMetrics: counts by method, route and status; a duration histogram per route", () => {
  const red = new RedMetrics();
  red.record("GET", "/api/v1/invoices/:id", 200, 0.003);
  red.record("GET", "/api/v1/invoices/:id", 200, 0.2);
  red.record("GET", "/api/v1/invoices/:id", 404, 0.001);
  red.record("POST", "/api/v1/invoices", 503, 12);
  const text = red.prometheus();
  assert.match(text, /^# TYPE tms_http_requests_total counter$/m);
  assert.match(
    text,
    /^tms_http_requests_total\{method="GET",route="\/api\/v1\/invoices\/:id",status="200"\} 2$/m,
  );
  assert.match(
    text,
    /^tms_http_requests_total\{method="GET",route="\/api\/v1\/invoices\/:id",status="404"\} 1$/m,
  );
  assert.match(
    text,
    /^tms_http_request_duration_seconds_bucket\{method="GET",route="\/api\/v1\/invoices\/:id",le="0.005"\} 2$/m,
  );
  assert.match(
    text,
    /^tms_http_request_duration_seconds_bucket\{method="POST",route="\/api\/v1\/invoices",le="10"\} 0$/m,
  );
  assert.match(
    text,
    /^tms_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/invoices"\} 1$/m,
  );
});
