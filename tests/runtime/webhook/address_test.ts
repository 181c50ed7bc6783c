/**
 * The SSRF rule of webhook URLs: every form of a loopback, private,
 * link-local, unique-local, multicast or reserved address is refused, also
 * behind the URL parser's number forms and IPv4-mapped IPv6, and after DNS
 * resolution; public addresses and names pass; `allowPrivate` lifts only the
 * address rule.
 */
import assert from "node:assert/strict";
import {
  checkWebhookTarget,
  checkWebhookUrl,
  isBlockedAddress,
  parseIPv6,
  WebhookUrlError,
} from "../../../runtime/webhook/mod.ts";

const refusedAs = (code: string) => (error: unknown) =>
  error instanceof WebhookUrlError && error.code === code;

Deno.test("address: blocked IPv4 ranges, and public ones pass", () => {
  for (
    const a of [
      "0.0.0.0",
      "127.0.0.1",
      "127.255.255.254",
      "10.0.0.1",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "224.0.0.1",
      "239.255.255.250",
      "255.255.255.255",
      "198.18.0.1",
      "192.0.2.10",
    ]
  ) assert.equal(isBlockedAddress(a), true, a);
  for (
    const a of ["8.8.8.8", "172.15.255.255", "172.32.0.1", "93.184.215.14"]
  ) {
    assert.equal(isBlockedAddress(a), false, a);
  }
});

Deno.test("address: blocked IPv6 ranges, mapped and embedded IPv4 judged as IPv4", () => {
  for (
    const a of [
      "::",
      "::1",
      "[::1]",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "::ffff:10.0.0.1",
      "::ffff:a9fe:a9fe",
      "64:ff9b::7f00:1",
      "2002:7f00:1::",
      "fc00::1",
      "fd12:3456::1",
      "fe80::1",
      "fe80::1%eth0",
      "febf::1",
      "ff02::1",
      "2001:db8::1",
      "::127.0.0.1",
      "not-an-address",
    ]
  ) assert.equal(isBlockedAddress(a), true, a);
  for (const a of ["2606:4700:4700::1111", "::ffff:8.8.8.8", "2a00:1450::1"]) {
    assert.equal(isBlockedAddress(a), false, a);
  }
  assert.deepEqual(parseIPv6("1:2:3:4:5:6:1.2.3.4"), [
    1,
    2,
    3,
    4,
    5,
    6,
    0x0102,
    0x0304,
  ]);
  assert.equal(parseIPv6("1::2::3"), null);
  assert.equal(parseIPv6("1:2:3:4:5:6:7:8:9"), null);
});

Deno.test("address: URL forms the parser turns into loopback are refused", () => {
  for (
    const raw of [
      "http://2130706433/",
      "http://0x7f.1/",
      "http://0x7f000001/",
      "http://017700000001/",
      "http://127.1/",
      "http://[::ffff:127.0.0.1]/",
      "http://[::1]:8080/hook",
      "http://0.0.0.0/",
      "http://localhost/",
      "http://LOCALHOST./",
      "http://api.localhost/",
      "https://169.254.169.254/latest/meta-data",
      "http://10.1.2.3/",
      "http://[fd00::1]/",
      "http://[fe80::1]/",
      "http://[ff02::1]/",
    ]
  ) {
    assert.throws(
      () => checkWebhookUrl(raw),
      refusedAs("private_address"),
      raw,
    );
  }
});

Deno.test("address: scheme, credentials and shape", () => {
  assert.throws(
    () => checkWebhookUrl("ftp://example.com/"),
    refusedAs("scheme"),
  );
  assert.throws(
    () => checkWebhookUrl("file:///etc/passwd"),
    refusedAs("scheme"),
  );
  assert.throws(
    () => checkWebhookUrl("https://user:pw@example.com/"),
    refusedAs("credentials"),
  );
  assert.throws(() => checkWebhookUrl("not a url"), refusedAs("invalid"));
  assert.throws(
    () => checkWebhookUrl(`https://example.com/${"a".repeat(2100)}`),
    refusedAs("invalid"),
  );
  assert.equal(
    checkWebhookUrl("https://hooks.example.com/tms?x=1").hostname,
    "hooks.example.com",
  );
  // The address rule alone is lifted by allowPrivate.
  assert.equal(
    checkWebhookUrl("http://127.0.0.1:9/", { allowPrivate: true }).port,
    "9",
  );
  assert.throws(
    () =>
      checkWebhookUrl("https://u:p@127.0.0.1/", {
        allowPrivate: true,
      }),
    refusedAs("credentials"),
  );
});

Deno.test("address: a name is judged by every address it resolves to (DNS rebinding)", async () => {
  const dns: Record<string, string[]> = {
    "public.example": ["93.184.215.14", "2606:2800:21f::1"],
    "rebind.example": ["93.184.215.14", "127.0.0.1"],
    "v6private.example": ["fd00::5"],
    "nothing.example": [],
  };
  const resolve = (host: string) => Promise.resolve(dns[host] ?? []);
  const url = await checkWebhookTarget("https://public.example/h", { resolve });
  assert.equal(url.hostname, "public.example");
  await assert.rejects(
    checkWebhookTarget("https://rebind.example/h", { resolve }),
    refusedAs("private_address"),
  );
  await assert.rejects(
    checkWebhookTarget("https://v6private.example/h", { resolve }),
    refusedAs("private_address"),
  );
  await assert.rejects(
    checkWebhookTarget("https://nothing.example/h", { resolve }),
    refusedAs("unresolvable"),
  );
  // IP literals need no lookup; allowPrivate skips it.
  let asked = 0;
  const counting = (host: string) => {
    asked++;
    return resolve(host);
  };
  await checkWebhookTarget("http://8.8.8.8/", { resolve: counting });
  await checkWebhookTarget("http://rebind.example/", {
    resolve: counting,
    allowPrivate: true,
  });
  assert.equal(asked, 0);
});
