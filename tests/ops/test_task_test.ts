import assert from "node:assert/strict";
import { loadPostgres } from "../../deps.ts";
import { EmbeddedPostgres } from "../../ops/embedded_postgres.ts";
import {
  answers,
  denoTestArgs,
  natsPlan,
  TEST_PERMISSIONS,
} from "../../ops/test.ts";
import type { NatsFacts } from "../../ops/test.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const PROBE = "tests/ops/fixtures/test_task_probe.ts";
const PERMISSIONS = [...TEST_PERMISSIONS];

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("test task: deno test gets the permissions, the arguments, and tests/ unless a path is named", () => {
  assert.deepEqual(denoTestArgs([]), ["test", ...PERMISSIONS, "tests/"]);
  assert.deepEqual(denoTestArgs(["--filter", "ledger"]), [
    "test",
    ...PERMISSIONS,
    "--filter",
    "ledger",
    "tests/",
  ]);
  assert.deepEqual(denoTestArgs(["--fail-fast", "tests/http/"]), [
    "test",
    ...PERMISSIONS,
    "--fail-fast",
    "tests/http/",
  ]);
  assert.deepEqual(denoTestArgs(["--filter=x", "--", "script-arg"]), [
    "test",
    ...PERMISSIONS,
    "--filter=x",
    "tests/",
    "--",
    "script-arg",
  ]);
});

Deno.test("test task: nats-server is used when found, installed only as root with apt, else a one-line instruction", () => {
  const facts: NatsFacts = {
    found: null,
    executable: false,
    configured: false,
    root: true,
    apt: true,
  };
  assert.deepEqual(
    natsPlan({ ...facts, found: "/usr/sbin/nats-server", executable: true }),
    { action: "use", path: "/usr/sbin/nats-server" },
  );
  assert.deepEqual(natsPlan(facts), { action: "install" });
  for (const other of [{ root: false }, { apt: false }]) {
    const plan = natsPlan({ ...facts, ...other });
    assert.equal(plan.action, "fail");
    assert.match(
      plan.action === "fail" ? plan.reason : "",
      /^nats-server not found .*apt-get install -y nats-server.*NATS_SERVER_BIN$/,
    );
  }
  // A NATS_SERVER_BIN that is wrong is reported, never "fixed" by installing.
  const wrong = natsPlan({ ...facts, found: "/opt/nats", configured: true });
  assert.equal(wrong.action, "fail");
});

Deno.test("embedded PostgreSQL: starts in a temporary directory, answers, and is removed by stop()", async () => {
  // As root from a directory closed to others (/root/…): the server, run as
  // nobody, must not need to enter the caller's cwd.
  const cwd = Deno.cwd();
  const closed = await Deno.makeTempDir({ prefix: "tms-closed-cwd-" });
  await Deno.chmod(closed, 0o700);
  Deno.chdir(closed);
  let pg: EmbeddedPostgres;
  try {
    pg = await EmbeddedPostgres.start();
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(closed);
  }
  try {
    assert.match(pg.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const sql = (await loadPostgres())(pg.url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql`select current_setting('fsync') as fsync`;
      assert.equal(row.fsync, "off");
    } finally {
      await sql.end();
    }
    if (Deno.uid() === 0) {
      // PostgreSQL refuses root: it runs as nobody.
      assert.equal(Deno.statSync(`${pg.dir}/data`).uid, 65534);
    }
  } finally {
    await pg.stop();
  }
  assert.equal(exists(pg.dir), false);
  assert.equal(await answers(pg.port), false);
  await pg.stop();
});

Deno.test("embedded PostgreSQL: an aborted start leaves nothing behind", async () => {
  const tmp = Deno.env.get("TMPDIR") || "/tmp";
  const ours = () =>
    new Set(
      [...Deno.readDirSync(tmp)].map((e) => e.name).filter((n) =>
        n.startsWith("tms-test-pg-")
      ),
    );
  const before = ours();
  const controller = new AbortController();
  const starting = EmbeddedPostgres.start({ signal: controller.signal });
  setTimeout(() => controller.abort(new Error("stop it")), 300);
  await assert.rejects(starting, /stop it/);
  assert.deepEqual([...ours()].filter((n) => !before.has(n)), []);
});

/** `ops/test.ts <args>` as `deno task test` runs it, output collected as it comes. */
function testTask(args: string[], env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, `${ROOT}ops/test.ts`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = { stdout: "", stderr: "" };
  const read = (stream: ReadableStream<Uint8Array>, key: keyof typeof out) =>
    (async () => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        out[key] += chunk;
      }
    })();
  const drained = Promise.all([
    read(child.stdout, "stdout"),
    read(child.stderr, "stderr"),
  ]);
  return {
    child,
    out,
    async done() {
      const status = await child.status;
      await drained;
      return { code: status.code, ...out };
    },
  };
}

function embeddedDir(stderr: string): { dir: string; port: number } {
  const m =
    /embedded server ready on 127\.0\.0\.1:(\d+) in [\d.]+ s \((\S+), removed at the end\)/
      .exec(stderr);
  assert.ok(m, stderr);
  return { port: Number(m[1]), dir: m[2] };
}

Deno.test("test task: runs deno test against an embedded PostgreSQL and removes it; exit status is the run's", async () => {
  const run = await testTask([PROBE], { TMS_TEST_POSTGRES: "embedded" })
    .done();
  assert.equal(run.code, 0, run.stderr);
  const { dir, port } = embeddedDir(run.stderr);
  assert.match(run.stdout, new RegExp(`probe database port ${port}\\b`));
  assert.match(run.stdout, /^ok \| 3 passed \| 0 failed/m);
  assert.match(run.stderr, /embedded server stopped and removed/);
  assert.equal(exists(dir), false);
  assert.equal(await answers(port), false);

  const failed = await testTask([PROBE, "--filter", "fails or waits"], {
    PROBE_FAIL: "1",
  }).done();
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(
    failed.stdout,
    /^FAILED \| 0 passed \| 1 failed \| 2 filtered out/m,
  );
});

Deno.test("test task: Ctrl-C stops the run and the embedded PostgreSQL, exit 130", async () => {
  const task = testTask([PROBE, "--filter", "fails or waits"], {
    TMS_TEST_POSTGRES: "embedded",
    PROBE_WAIT: "1",
  });
  const deadline = Date.now() + 60_000;
  while (!task.out.stdout.includes("probe waiting")) {
    assert.ok(Date.now() < deadline, task.out.stderr);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { dir, port } = embeddedDir(task.out.stderr);
  task.child.kill("SIGINT");
  const run = await task.done();
  assert.equal(run.code, 130, run.stderr);
  assert.equal(exists(dir), false);
  assert.equal(await answers(port), false);
});
