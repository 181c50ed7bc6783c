import assert from "node:assert/strict";
import {
  autoscaleConfigFromEnv,
  openActuator,
  parseTargets,
} from "../../ops/autoscale_config.ts";

const named = (name: string) => (e: unknown) =>
  e instanceof RangeError && e.message.includes(name);

Deno.test("autoscale config: off by default, with the HPA's windows and TMS's targets", () => {
  const config = autoscaleConfigFromEnv({});
  assert.equal(config.settings.mode, "off");
  assert.equal(config.actuator, "none");
  assert.equal(config.settings.intervalMs, 15_000);
  const p = config.settings.policy;
  assert.deepEqual(
    [p.minReplicas, p.maxReplicas, p.tolerance, p.stabilizationMs],
    [1, 10, 0.1, 300_000],
  );
  assert.deepEqual(p.scaleUp, { percent: 100, pods: 4, periodMs: 15_000 });
  assert.deepEqual(p.targets, {
    cpu: 0.7,
    latencyP99Ms: 50,
    mailboxMax: 100,
    consumerLag: 1000,
  });
  assert.equal(config.kubernetes.deployment, "tms");
});

Deno.test("autoscale config: the drill's settings, and bad values named", () => {
  const config = autoscaleConfigFromEnv({
    TMS_AUTOSCALE: "on",
    TMS_AUTOSCALE_ACTUATOR: "local",
    TMS_AUTOSCALE_MIN: "1",
    TMS_AUTOSCALE_MAX: "3",
    TMS_AUTOSCALE_TARGETS: "commandRate=60, cpu=0.2",
    TMS_AUTOSCALE_INTERVAL_MS: "1000",
    TMS_AUTOSCALE_STABILIZATION_MS: "20000",
    TMS_AUTOSCALE_COOLDOWN_MS: "0",
  });
  assert.deepEqual(config.settings.policy.targets, {
    commandRate: 60,
    cpu: 0.2,
  });
  assert.equal(config.settings.policy.stabilizationMs, 20_000);
  assert.equal(config.settings.policy.cooldownMs, 0);
  assert.throws(
    () => autoscaleConfigFromEnv({ TMS_AUTOSCALE: "on" }),
    named("TMS_AUTOSCALE_ACTUATOR"),
  );
  assert.throws(
    () => autoscaleConfigFromEnv({ TMS_AUTOSCALE: "maybe" }),
    named("TMS_AUTOSCALE"),
  );
  assert.throws(
    () => autoscaleConfigFromEnv({ TMS_AUTOSCALE_ACTUATOR: "docker" }),
    named("TMS_AUTOSCALE_ACTUATOR"),
  );
  assert.throws(
    () => autoscaleConfigFromEnv({ TMS_AUTOSCALE_MIN: "0" }),
    named("TMS_AUTOSCALE_MIN"),
  );
  assert.throws(
    () =>
      autoscaleConfigFromEnv({
        TMS_AUTOSCALE_MIN: "4",
        TMS_AUTOSCALE_MAX: "3",
      }),
    named("TMS_AUTOSCALE_MAX"),
  );
  assert.throws(
    () => autoscaleConfigFromEnv({ TMS_AUTOSCALE_INTERVAL_MS: "50" }),
    named("TMS_AUTOSCALE_INTERVAL_MS"),
  );
  for (const bad of ["ram=1", "cpu=0", "cpu", "cpu=1=2", "", " , "]) {
    assert.throws(() => parseTargets(bad), named("TMS_AUTOSCALE_TARGETS"), bad);
  }
});

Deno.test("autoscale config: the local actuator needs distributed mode; recommend needs none", async () => {
  const local = autoscaleConfigFromEnv({
    TMS_AUTOSCALE: "recommend",
    TMS_AUTOSCALE_ACTUATOR: "local",
  });
  await assert.rejects(openActuator(local, null), named("TMS_NATS_URL"));
  assert.equal(
    await openActuator(
      autoscaleConfigFromEnv({ TMS_AUTOSCALE: "recommend" }),
      null,
    ),
    null,
  );
});
