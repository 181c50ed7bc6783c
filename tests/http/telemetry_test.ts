import assert from "node:assert/strict";
import { testApp } from "../support/app.ts";

Deno.test("/metrics: RED per route template (never the raw path)", async () => {
  const t = await testApp();
  const created = await t.json("POST", "/api/v1/bedrifter", {
    organisasjonsnummer: "923609016",
    navn: "Oslo Trafikkskole AS",
  });
  assert.equal(created.status, 201);
  const { id } = await created.json();
  for (let i = 0; i < 2; i++) {
    const got = await t.app.request(`/api/v1/bedrifter/${id}`);
    assert.equal(got.status, 200);
    await got.body?.cancel();
  }
  const missing = await t.app.request("/api/v1/nowhere");
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const text = await (await t.app.request("/metrics")).text();
  assert.match(
    text,
    /^tms_http_requests_total\{method="POST",route="\/api\/v1\/bedrifter",status="201"\} 1$/m,
  );
  assert.match(
    text,
    /^tms_http_requests_total\{method="GET",route="\/api\/v1\/bedrifter\/:id",status="200"\} 2$/m,
  );
  assert.match(
    text,
    /^tms_http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m,
  );
  assert.doesNotMatch(text, new RegExp(id));
  assert.match(
    text,
    /^tms_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/bedrifter\/:id"\} 2$/m,
  );
  await t.close();
});
