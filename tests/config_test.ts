import assert from "node:assert/strict";
import { CONFIG_ENV, loadConfig } from "../main.ts";
import { DEFAULT_RATE_LIMITS, parseRateLimit } from "../http/rate_limits.ts";

Deno.test("config: defaults run an embedded node that projects", () => {
  const config = loadConfig({});
  assert.equal(config.port, 8000);
  assert.equal(config.dataDir, "./data");
  assert.equal(config.natsUrl, undefined);
  assert.equal(config.projections, true);
  assert.equal(config.deadLetterRetentionDays, 30);
  assert.equal(
    loadConfig({ TMS_DEAD_LETTER_RETENTION_DAYS: "0" }).deadLetterRetentionDays,
    0,
  );
});

Deno.test("config: a bad number names its variable", () => {
  assert.throws(
    () => loadConfig({ TMS_SNAPSHOT_EVERY: "often" }),
    (e: unknown) =>
      e instanceof RangeError && /TMS_SNAPSHOT_EVERY/.test(e.message),
  );
});

Deno.test("config: TMS_PROJECTIONS=off needs shared read models", () => {
  assert.throws(
    () => loadConfig({ TMS_PROJECTIONS: "off" }),
    (e: unknown) => e instanceof RangeError && /DATABASE_URL/.test(e.message),
  );
  const config = loadConfig({
    TMS_PROJECTIONS: "off",
    DATABASE_URL: "postgres://db/tms",
  });
  assert.equal(config.projections, false);
  assert.throws(
    () => loadConfig({ TMS_PROJECTIONS: "sometimes" }),
    (e: unknown) =>
      e instanceof RangeError && /TMS_PROJECTIONS/.test(e.message),
  );
});

Deno.test("config: `deno task start --help` lists exactly the README's variables", async () => {
  const readme = await Deno.readTextFile(
    new URL("../README.md", import.meta.url),
  );
  const section = readme.slice(
    readme.indexOf("## Configuration"),
    readme.indexOf("\n## ", readme.indexOf("## Configuration") + 1),
  );
  const documented = [...section.matchAll(/^\| `([A-Z_]+)` +\|/gm)].map((m) =>
    m[1]
  );
  // NATS_SERVER_BIN is read by the tests and the cluster task, not the node.
  assert.deepEqual(
    CONFIG_ENV.map((e) => e.name),
    documented.filter((name) => name !== "NATS_SERVER_BIN"),
  );
});

Deno.test("config: CORS origins, trusted proxies and rate limits; a bad one names its variable", () => {
  const config = loadConfig({
    TMS_CORS_ORIGINS: "https://app.example.no,http://localhost:5173",
    TMS_TRUSTED_PROXIES: "10.0.0.0/8, fd00::/8",
    TMS_RATE_LIMIT_PER_USER: "600/1m",
    TMS_RATE_LIMIT_PER_ADDRESS: "off",
  });
  assert.deepEqual(config.security, {
    corsOrigins: ["https://app.example.no", "http://localhost:5173"],
    trustedProxies: ["10.0.0.0/8", "fd00::/8"],
    rateLimitPerUser: { requests: 600, windowSeconds: 60 },
    rateLimitPerAddress: null,
  });
  // Unset: no CORS, no proxies, the edge's default limits.
  assert.deepEqual(loadConfig({}).security, {
    corsOrigins: [],
    trustedProxies: [],
    rateLimitPerUser: undefined,
    rateLimitPerAddress: undefined,
  });
  const defaults = Object.fromEntries(
    CONFIG_ENV.map((e) => [e.name, e.default]),
  );
  assert.deepEqual(
    parseRateLimit("x", defaults.TMS_RATE_LIMIT_PER_USER!),
    DEFAULT_RATE_LIMITS.perUser,
  );
  assert.deepEqual(
    parseRateLimit("x", defaults.TMS_RATE_LIMIT_PER_ADDRESS!),
    DEFAULT_RATE_LIMITS.perAddress,
  );
  for (
    const [name, value] of [
      ["TMS_CORS_ORIGINS", "*"],
      ["TMS_TRUSTED_PROXIES", "proxy.local"],
      ["TMS_RATE_LIMIT_PER_USER", "lots"],
      ["TMS_RATE_LIMIT_PER_ADDRESS", "10/1d"],
    ]
  ) {
    assert.throws(
      () => loadConfig({ [name]: value }),
      (e: unknown) => e instanceof RangeError && e.message.includes(name),
      name,
    );
  }
});
