import assert from "node:assert/strict";
import { CONFIG_ENV, loadConfig } from "../main.ts";

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
