/** Addresses, trusted proxies and the rate-limit key of a client. */
import assert from "node:assert/strict";
import { addressKey, parseAddress, TrustedProxies } from "../../http/client.ts";

Deno.test("client: IPv4, IPv6 and IPv4-mapped addresses parse; anything else does not", () => {
  assert.deepEqual(parseAddress("10.0.0.1"), { v6: false, value: 0x0a000001n });
  assert.deepEqual(parseAddress("::1"), { v6: true, value: 1n });
  assert.deepEqual(parseAddress("[2001:db8::1]"), {
    v6: true,
    value: 0x20010db8000000000000000000000001n,
  });
  assert.deepEqual(parseAddress("::ffff:10.0.0.1"), {
    v6: false,
    value: 0x0a000001n,
  });
  assert.deepEqual(
    parseAddress("1:2:3:4:5:6:7:8")?.value,
    0x00010002000300040005000600070008n,
  );
  for (
    const bad of [
      "",
      "unknown",
      "256.0.0.1",
      "1.2.3",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "12345::",
      "::g",
      "1.2.3.4.5",
      "../../etc",
    ]
  ) {
    assert.equal(parseAddress(bad), null, bad);
  }
});

Deno.test("client: trusted proxies by address and CIDR block, v4 and v6", () => {
  const proxies = new TrustedProxies([
    "10.0.0.0/8",
    "192.168.1.7",
    "fd00::/8",
    "::1",
  ]);
  assert.ok(proxies.has("10.255.0.1"));
  assert.ok(proxies.has("::ffff:10.1.1.1"));
  assert.ok(!proxies.has("11.0.0.1"));
  assert.ok(proxies.has("192.168.1.7"));
  assert.ok(!proxies.has("192.168.1.8"));
  assert.ok(proxies.has("fd12:3456::1"));
  assert.ok(!proxies.has("fe80::1"));
  assert.ok(proxies.has("::1"));
  assert.ok(!proxies.has("garbage"));
  assert.ok(new TrustedProxies([]).empty);
  assert.ok(new TrustedProxies(["0.0.0.0/0"]).has("8.8.8.8"));
  for (
    const bad of [
      "10.0.0.0/33",
      "fd00::/129",
      "proxy",
      "10.0.0.0/8/8",
      "10.0.0.0/x",
    ]
  ) {
    assert.throws(() => new TrustedProxies([bad]), RangeError, bad);
  }
});

Deno.test("client: the rate-limit key of an IPv6 address is its /64", () => {
  assert.equal(addressKey("203.0.113.5"), "203.0.113.5");
  assert.equal(
    addressKey("2001:db8:0:1::5"),
    addressKey("2001:db8:0:1:a:b:c:d"),
  );
  assert.notEqual(addressKey("2001:db8:0:1::5"), addressKey("2001:db8:0:2::5"));
  assert.equal(addressKey("::ffff:203.0.113.5"), "203.0.113.5");
});
