import assert from "node:assert/strict";
import {
  ConcurrencyError,
  DomainError,
  isRetryable,
  NotFoundError,
  UnavailableError,
} from "../../../runtime/core/mod.ts";

Deno.test("errors: only unavailable and concurrency errors are retryable", () => {
  assert.equal(isRetryable(new UnavailableError("down")), true);
  assert.equal(isRetryable(new ConcurrencyError("moved", 1, 2)), true);
  assert.equal(isRetryable(new DomainError("x.y", "rule")), false);
  assert.equal(isRetryable(new NotFoundError("gone")), false);
  assert.equal(isRetryable(new TypeError("bug")), false);
  assert.equal(isRetryable("not an error"), false);
});

Deno.test("errors: defaults and names of the taxonomy", () => {
  const unavailable = new UnavailableError("down", { cause: new Error("io") });
  assert.equal(unavailable.name, "UnavailableError");
  assert.equal(unavailable.status, 503);
  assert.equal(unavailable.retryAfter, 1);
  assert.ok(unavailable.cause instanceof Error);
  const full = new UnavailableError("full", { status: 429, retryAfter: 3 });
  assert.equal(full.status, 429);
  assert.equal(full.retryAfter, 3);
  const rule = new DomainError("bedrift.avviklet", "Avviklet");
  assert.equal(rule.status, 409);
  assert.equal(new DomainError("a.b", "c", { status: 422 }).status, 422);
  assert.equal(rule.name, "DomainError");
});
