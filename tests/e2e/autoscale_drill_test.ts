/**
 * The short autoscale drill (`deno task drill autoscale --short`, ~70 s):
 * `deno task cluster --autoscale --min 1 --max 3` under a ramp of 20 → 250
 * → 20 requests/s scales out while the load rises and back in after the
 * stabilization window, with every decision in the log, and no request
 * fails — every acknowledged command is in the event log exactly once.
 */
import assert from "node:assert/strict";
import type { AutoscaleDrillReport } from "../../ops/drill_autoscale.ts";
import { TEST_DATABASE_URL } from "../support/sql_stores.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test({
  name:
    "e2e: the autoscale drill scales out and in under a ramp without a failed request",
  async fn() {
    const tasks = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks;
    const args = (tasks.drill as string).split(/\s+/).slice(1);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [...args, "autoscale", "--short", "--json"],
      cwd: ROOT,
      // Shared read models (one projector, a node starts in about a second).
      env: { DATABASE_URL: TEST_DATABASE_URL },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(170_000),
    }).output();
    const stdout = new TextDecoder().decode(out.stdout).trim();
    const stderr = new TextDecoder().decode(out.stderr);
    const line = stdout.split("\n").at(-1) ?? "";
    assert.ok(
      line.startsWith("{"),
      `no report: ${stdout}\n${stderr.slice(-3000)}`,
    );
    const report = JSON.parse(line) as AutoscaleDrillReport;
    assert.deepEqual(report.failures, [], JSON.stringify(report.decisions));
    assert.equal(out.code, 0);
    assert.equal(report.load.errors, 0);
    assert.ok(report.load.ok > 1000, `${report.load.ok} commands`);
    assert.equal(report.log.found, report.log.acknowledged);
    assert.equal(report.log.twice, 0);
    assert.ok(report.peakReplicas >= 2);
    assert.equal(report.finalReplicas, 1);
    const up = report.decisions.find((d) => d.summary.startsWith("scale_up"));
    assert.match(up?.summary ?? "", /commandRate [\d.]+\/100 → [23]/);
    assert.ok(report.decisions.some((d) => d.summary.startsWith("scale_down")));
    // Scaled out while the load rose (10 s into the 15 s rise), in after it fell.
    const scaled = report.decisions.filter((d) =>
      d.type === "autoscale.scaled"
    );
    assert.ok(scaled[0].t > 5 && scaled[0].t < 35, JSON.stringify(scaled));
    assert.ok(scaled.at(-1)!.t > 36, JSON.stringify(scaled));
  },
});
