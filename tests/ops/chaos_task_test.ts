/**
 * `deno task chaos` against a real embedded node with TMS_CHAOS=on: an
 * experiment file runs to its outcome and leaves its journal; status and
 * stop answer.
 */
import assert from "node:assert/strict";
import { startServer } from "../../ops/server_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function task(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}ops/chaos.ts`, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("chaos task: an experiment file runs to its outcome and leaves its journal; status and stop answer", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-chaos-task-" });
  const server = await startServer({
    TMS_DATA_DIR: `${dir}/node`,
    TMS_CHAOS: "on",
  });
  try {
    const file = `${dir}/experiment.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        title: "A short delay",
        hypothesis: {
          probes: [{ name: "ready", type: "readiness" }],
          recoveryS: 10,
        },
        method: [{
          kind: "mailbox_delay",
          selector: { percent: 10 },
          params: { delayMs: 5 },
          durationS: 1,
        }],
      }),
    );
    const env = { TMS_TOKEN: server.token };
    const url = ["--url", server.url];
    const run = await task(["run", file, ...url], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /: passed; journal in /);
    const journal = JSON.parse(
      await Deno.readTextFile(`${dir}/experiment.journal.json`),
    );
    assert.equal(journal.status, "completed");
    assert.equal(journal.steady_states.before.steady_state_met, true);
    assert.equal(journal.run[0].activity.name, "mailbox_delay");
    const status = await task(["status", ...url], env);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(JSON.parse(status.stdout).nodes[0].faults, []);
    const stop = await task(["stop", ...url], env);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(JSON.parse(stop.stdout).missing.length, 0);
    const bad = await task(["run", `${dir}/none.json`, ...url], env);
    assert.equal(bad.code, 2);
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
