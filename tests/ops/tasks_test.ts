/**
 * Every task of deno.json — including ones added later — answers `--help`
 * and `-h` with its usage text and exit 0 without doing anything, and
 * rejects an unknown flag with a non-zero exit and a reason naming it.
 */
import assert from "node:assert/strict";
import { freePort } from "../../ops/server_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const TASKS = Object.keys(
  JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks as Record<
    string,
    string
  >,
);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `deno task <name> <args>` with an environment in which a task that did
 * start would leave traces (a data dir, a bound PORT) or fail to reach its
 * services (nothing listens on port 1).
 */
async function runTask(
  name: string,
  args: string[],
  env: Record<string, string>,
): Promise<Run> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", name, ...args],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // A task that starts instead of answering would hang: fail, don't wait.
    signal: AbortSignal.timeout(120_000),
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

function isFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

for (const name of TASKS) {
  Deno.test(`deno task ${name}: --help and -h print the usage and start nothing; an unknown flag exits non-zero`, async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "tms-task-help-" });
    try {
      const port = freePort();
      const env = {
        PORT: String(port),
        TMS_HOSTNAME: "127.0.0.1",
        TMS_DATA_DIR: dataDir,
        DATABASE_URL: "postgres://postgres@127.0.0.1:1/nothing",
        TMS_NATS_URL: "nats://127.0.0.1:1",
        // The test task would fail on it rather than install anything.
        NATS_SERVER_BIN: `${dataDir}/no-nats-server`,
        NO_COLOR: "1",
      };
      for (const flag of ["--help", "-h"]) {
        const run = await runTask(name, [flag], env);
        assert.equal(run.code, 0, `${flag}: ${run.stderr}`);
        assert.match(run.stdout, new RegExp(`^Usage: deno task ${name}\\b`));
        assert.match(run.stdout, /^Examples?:\n {2}\S/m);
        // No progress line of any task ([test], [check], [cluster], …).
        assert.doesNotMatch(run.stderr, /^\[\w+\]/m);
        assert.ok(isFree(port), `${flag}: something listens on PORT`);
        assert.deepEqual([...Deno.readDirSync(dataDir)], []);
      }
      // The test task hands flags to deno test; let it get that far.
      const unknown = await runTask(name, ["--no-such-flag"], {
        ...env,
        NATS_SERVER_BIN: Deno.execPath(),
      });
      assert.notEqual(unknown.code, 0);
      assert.match(unknown.stderr, /--no-such-flag/);
      assert.equal(unknown.stdout, "");
      assert.deepEqual([...Deno.readDirSync(dataDir)], []);
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  });
}

Deno.test("deno task start --help lists the configuration", async () => {
  const { CONFIG_ENV } = await import("../../main.ts");
  const run = await runTask("start", ["--help"], { NO_COLOR: "1" });
  assert.match(run.stdout, /^Environment:$/m);
  for (const { name } of CONFIG_ENV) {
    assert.match(run.stdout, new RegExp(`^ {2}${name} `, "m"));
  }
});
