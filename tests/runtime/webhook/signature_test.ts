/**
 * Standard Webhooks signatures: the specification's published test vector,
 * the test receiver's own verifier (written from the spec) against it and
 * against tampering, and the retry delays' growth and jitter bounds.
 */
import assert from "node:assert/strict";
import {
  newWebhookSecret,
  retryDelay,
  secretBytes,
  signWebhook,
} from "../../../runtime/webhook/mod.ts";
import { verifyStandardWebhook } from "../../support/webhook_receiver.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';

Deno.test("signature: the Standard Webhooks test vector", async () => {
  assert.deepEqual(await signWebhook(SECRET, ID, TIMESTAMP, BODY), {
    "webhook-id": ID,
    "webhook-timestamp": String(TIMESTAMP),
    "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
  });
});

Deno.test("signature: verified per the spec; a changed body, id, timestamp or secret fails", async () => {
  const headers = new Headers(await signWebhook(SECRET, ID, TIMESTAMP, BODY));
  assert.equal(
    await verifyStandardWebhook(SECRET, headers, BODY, TIMESTAMP),
    true,
  );
  assert.equal(
    await verifyStandardWebhook(SECRET, headers, BODY + " ", TIMESTAMP),
    false,
  );
  assert.equal(
    await verifyStandardWebhook(newWebhookSecret(), headers, BODY, TIMESTAMP),
    false,
  );
  // Outside the 5-minute window: refused as a replay.
  assert.equal(
    await verifyStandardWebhook(SECRET, headers, BODY, TIMESTAMP + 301),
    false,
  );
  const moved = new Headers(headers);
  moved.set("webhook-id", "msg_other");
  assert.equal(
    await verifyStandardWebhook(SECRET, moved, BODY, TIMESTAMP),
    false,
  );
  const secret = newWebhookSecret();
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(secretBytes(secret).length, 32);
  assert.throws(
    () => secretBytes("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    TypeError,
  );
});

Deno.test("retry delays double from the base up to the cap, half of each random", () => {
  const low = () => 0;
  const high = () => 0.999999;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 12].map((n) => retryDelay(n, 1000, 10_000, high)),
    [1000, 2000, 4000, 8000, 10_000, 10_000, 10_000],
  );
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => retryDelay(n, 1000, 10_000, low)),
    [500, 1000, 2000, 4000, 5000],
  );
});
