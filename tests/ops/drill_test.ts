/**
 * One drill end to end, as `deno task drill log-outage --duration 2` runs
 * it: an embedded node process with TMS_CHAOS=on under the write workload,
 * the experiment through the supervisor API, the verdict from the log and
 * the fold of it.
 */
import assert from "node:assert/strict";
import { runDrill } from "../../ops/drill_run.ts";
import { reportLine } from "../../ops/drill.ts";
import { drillNamed } from "../../ops/drills.ts";
import { verdictOf } from "../../ops/drill_verify.ts";
import { TEST_DATABASE_URL } from "../support/sql_stores.ts";

Deno.test("drill log-outage: refused with 503 + Retry-After during the outage, nothing acknowledged lost or doubled, read models equal the fold", async () => {
  const report = await runDrill(drillNamed("log-outage")!, {
    durationS: 2,
    workers: 4,
    databaseUrl: TEST_DATABASE_URL,
  });
  console.log(reportLine(report));
  assert.deepEqual(report.failures, []);
  assert.ok(report.acknowledged > 0);
  assert.equal(report.found, report.acknowledged);
  assert.equal(report.lost, 0);
  assert.equal(report.duplicated, 0);
  assert.ok((report.statuses["503"] ?? 0) > 0, "the outage was felt");
  assert.equal(report.badResponses, 0);
  assert.ok(report.readModels.length > 0);
  assert.ok(report.readModels.every((t) => t.same));
  assert.equal(report.experiment.outcome, "passed");
});

Deno.test("drill verdict: a lost, a doubled and a misreported acknowledgement, and a forked stream, are each found", () => {
  const commit = (
    id: string,
    version: number,
    position: number,
    cmd: string,
  ) => ({
    type: "bedrift",
    id,
    version,
    position,
    commandId: cmd,
    timestamp: 0,
    events: [],
  });
  const ack = (key: string, id: string, version: number) => ({
    key,
    commandId: `bedrift.update:${key}`,
    id,
    version,
    sentAt: 0,
    ackedAt: 0,
  });
  const verdict = verdictOf([
    commit("a", 1, 1, "bedrift.update:k1"),
    commit("a", 2, 2, "bedrift.update:k2"),
    commit("a", 3, 3, "bedrift.update:k2"),
    commit("b", 2, 4, "bedrift.update:k4"),
  ], [
    ack("k1", "a", 1),
    ack("k2", "a", 2),
    ack("k3", "a", 4),
    ack("k4", "b", 1),
  ]);
  assert.equal(verdict.found, 1);
  assert.deepEqual(verdict.lost, ["k3"]);
  assert.deepEqual(verdict.duplicated, ["k2"]);
  assert.equal(verdict.versionMismatch.length, 1);
  assert.deepEqual(verdict.forks, ["bedrift/b: v0 then v2"]);
  assert.deepEqual(verdict.duplicateCommands, ["bedrift.update:k2"]);
});
