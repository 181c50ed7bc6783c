import { authHeaders } from "../../ops/server_process.ts";
import assert from "node:assert/strict";
import {
  HELP,
  listLine,
  parseDeadLetterArgs,
  runDeadLetters,
  UsageError,
} from "../../ops/dead_letters.ts";
import { startServer } from "../../ops/server_process.ts";
import { organisasjonsnummerFor } from "../../ops/orgnr.ts";
import { ActorSystem, commandRetrier } from "../../runtime/actor/mod.ts";
import { delay, DomainError } from "../../runtime/core/mod.ts";
import type { Decider, DomainEvent } from "../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { FaultyEventLog } from "../../runtime/log/mod.ts";
import { PostgresStore } from "../../runtime/sql/mod.ts";
import {
  DeadLetterOffice,
  MemoryDeadLetterStore,
} from "../../runtime/storage/mod.ts";
import { NatsServer } from "../support/mod.ts";
import { TEST_DATABASE_URL } from "../support/sql_stores.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("dead-letters task: arguments", () => {
  assert.deepEqual(parseDeadLetterArgs([]), {
    command: "list",
    query: {},
    json: false,
  });
  assert.deepEqual(
    parseDeadLetterArgs([
      "list",
      "--kind=projection",
      "--status=open",
      "--limit=5",
      "--json",
    ]),
    {
      command: "list",
      query: { kind: "projection", status: "open", limit: 5 },
      json: true,
    },
  );
  assert.deepEqual(
    parseDeadLetterArgs(["retry", "cmd-0123456789abcdef", "--timeout=5"]),
    {
      command: "retry",
      id: "cmd-0123456789abcdef",
      timeoutMs: 5000,
      wait: true,
    },
  );
  assert.equal(
    (parseDeadLetterArgs(["retry", "prj-0123456789abcdef", "--no-wait"]) as {
      wait: boolean;
    }).wait,
    false,
  );
  assert.deepEqual(parseDeadLetterArgs(["retry", "x", "--help"]), {
    command: "help",
  });
  for (
    const bad of [
      ["retry"],
      ["retry", "nope"],
      ["show", "cmd-0123456789abcdef", "extra"],
      ["list", "--kind=other"],
      ["list", "--status=done"],
      ["list", "--limit=0"],
      ["list", "--limit"],
      ["list", "--frobnicate"],
      ["retry", "cmd-0123456789abcdef", "--json"],
      ["purge"],
    ]
  ) {
    assert.throws(() => parseDeadLetterArgs(bad), UsageError, bad.join(" "));
  }
  assert.match(
    HELP,
    /^Usage: deno task dead-letters .*\[list \| show ID \| retry ID\]/,
  );
});

type Add = { type: "add"; n: number };
const counter: Decider<Add, DomainEvent<"added", { n: number }>, number> = {
  initialState: 0,
  decide: (c) => [{ type: "added", v: 1, data: { n: c.n } }],
  evolve: (total, e) => total + e.data.n,
};

Deno.test("dead-letters task: list and retry a command against the store and a running node loop", async () => {
  // Given a node whose log failed until an actor parked
  const inner = new MemoryEventLog();
  const log = new FaultyEventLog(inner);
  const store = new MemoryDeadLetterStore();
  const system = new ActorSystem({
    log,
    restartAttempts: 1,
    restartBaseDelayMs: 1,
    parkMs: 20,
    onDeadLetter: (letter) => office.record(letter),
  }).register({ type: "counter", decider: counter });
  const office = new DeadLetterOffice({
    store,
    node: "node-1",
    pollIntervalMs: 10,
  });
  office.start({ command: commandRetrier(system, log) });
  const lines: string[] = [];
  const output = { out: (line: string) => lines.push(line) };
  const run = (...args: string[]) =>
    runDeadLetters(parseDeadLetterArgs(args), store, output, { pollMs: 10 });
  try {
    const heal = log.inject({ seam: "append", times: Infinity });
    await assert.rejects(
      system.ask("counter", "a", { type: "add", n: 2 }, { commandId: "c1" }),
    );
    await office.flush();
    // When the operator lists
    assert.equal(await run("list"), 0);
    const [letter] = await store.all();
    assert.equal(lines.length, 2);
    assert.ok(lines[0].startsWith(`${letter.id}  open`));
    assert.match(lines[0], /counter\/a add/);
    assert.match(lines[0], /Injected append fault/);
    assert.doesNotMatch(lines[0], /"n"/, "the list shows no payload");
    assert.equal(lines[1], "1 dead letter");
    lines.length = 0;
    assert.equal(await run("list", "--json", "--kind=projection"), 0);
    assert.deepEqual(JSON.parse(lines[0]), { items: [], nextCursor: null });
    // And retries while the log is still down
    await delay(30);
    lines.length = 0;
    await assert.rejects(run("retry", letter.id), /failed again: .*parked/);
    assert.match(
      lines[0],
      /waiting up to 60 s for the node that owns counter\/a/,
    );
    // Then after the fix a retry resolves it, and the command is in the log once
    heal();
    await delay(30);
    lines.length = 0;
    assert.equal(await run("retry", letter.id, "--timeout=10"), 0);
    assert.match(lines[1], /^resolved: Committed at version 1/);
    const commits = await inner.readStream("counter", "a", 0);
    assert.deepEqual(commits.map((c) => c.commandId), ["c1"]);
    await assert.rejects(
      run("retry", letter.id),
      (e) => e instanceof DomainError && e.code === "dead_letter.closed",
    );
    lines.length = 0;
    assert.equal(await run("show", letter.id), 0);
    assert.deepEqual(JSON.parse(lines[0]).command.command, {
      type: "add",
      n: 2,
    });
    assert.match(
      listLine((await store.get(letter.id))!),
      /resolved .*Committed/,
    );
  } finally {
    await office.stop();
    await system.shutdown();
  }
});

/** Runs `deno task dead-letters` as its own process. */
async function task(env: Record<string, string>, ...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-kv", `${ROOT}ops/dead_letters.ts`, ...args],
    cwd: ROOT,
    env: { TMS_NATS_URL: "", TMS_DATA_DIR: "", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
  };
}

function validOrgnr(): string {
  for (let seed = 1;; seed++) {
    const n = organisasjonsnummerFor(seed);
    if (n) return n;
  }
}

async function readiness(url: string) {
  const res = await fetch(`${url}/health/ready`);
  return { status: res.status, body: await res.json() };
}

async function metrics(url: string): Promise<string> {
  return await (await fetch(`${url}/metrics`, {
    headers: authHeaders(`${url}/metrics`),
  })).text();
}

for (const mode of ["embedded", "distributed"] as const) {
  Deno.test({
    name:
      `dead-letters task [${mode}]: a poison commit on a real node is listed, fails again while the data is bad, and resumes the projection once it is fixed`,
    async fn() {
      const schema = `tms_dl_${
        crypto.randomUUID().replaceAll("-", "").slice(0, 12)
      }`;
      const dataDir = await Deno.makeTempDir({ prefix: "tms-dead-letters-" });
      const nats = mode === "distributed" ? await NatsServer.start() : null;
      const sql = await PostgresStore.open({
        databaseUrl: TEST_DATABASE_URL,
        schema,
        maxConnections: 1,
      });
      const where: Record<string, string> = nats
        ? { TMS_NATS_URL: nats.url }
        : { TMS_DATA_DIR: dataDir };
      const server = await startServer({
        ...where,
        TMS_DATA_DIR: dataDir,
        TMS_NODE_ID: `dl-${mode}`,
        DATABASE_URL: TEST_DATABASE_URL,
        TMS_READ_SCHEMA: schema,
        TMS_LEASE_TTL_MS: "3000",
      });
      try {
        // Given read-model data the projection cannot write
        await sql.exec(
          `ALTER TABLE bedrifter ADD CONSTRAINT no_poison CHECK (navn <> 'Giftig AS')`,
        );
        const res = await fetch(`${server.url}/api/v1/bedrifter`, {
          method: "POST",
          headers: {
            ...authHeaders(server.url),
            "content-type": "application/json",
          },
          body: JSON.stringify({
            organisasjonsnummer: validOrgnr(),
            navn: "Giftig AS",
          }),
        });
        assert.equal(res.status, 201, await res.text());
        // When the projection halts there
        let ready = await readiness(server.url);
        for (
          let i = 0;
          i < 100 && ready.body.checks.deadLetters.open < 1;
          i++
        ) {
          await delay(100);
          ready = await readiness(server.url);
        }
        // Then the node is not ready (the halt), its dead letters degraded, not down
        assert.equal(ready.status, 503);
        assert.equal(ready.body.checks.projections.ok, false);
        assert.equal(ready.body.checks.deadLetters.ok, true);
        assert.equal(ready.body.checks.deadLetters.open, 1);
        assert.equal(ready.body.checks.deadLetters.degraded, true);
        assert.match(
          await metrics(server.url),
          /tms_dead_letters\{kind="projection",status="open"\} 1/,
        );

        const listed = await task(where, "list", "--json");
        assert.equal(listed.code, 0, listed.stderr);
        const { items } = JSON.parse(listed.stdout);
        assert.equal(items.length, 1);
        const [letter] = items;
        assert.equal(letter.kind, "projection");
        assert.equal(letter.projection.name, "bedrifter");
        assert.equal(letter.projection.streamType, "bedrift");
        assert.match(letter.reason, /no_poison/);
        const plain = await task(where, "list");
        assert.match(plain.stdout, new RegExp(`${letter.id}  open`));

        // When it is retried before the data is fixed
        const failed = await task(where, "retry", letter.id, "--timeout=20");
        // Then it failed again and the projection is still halted
        assert.equal(failed.code, 1);
        assert.match(
          failed.stderr,
          /^dead-letters failed: failed again: .*halted at position/,
        );
        assert.equal(failed.stderr.trim().split("\n").length, 1);
        assert.equal((await readiness(server.url)).status, 503);

        // When the data is fixed and it is retried
        await sql.exec(`ALTER TABLE bedrifter DROP CONSTRAINT no_poison`);
        const fixed = await task(where, "retry", letter.id, "--timeout=20");
        // Then the projection resumed from its checkpoint and the node is ready again
        assert.equal(fixed.code, 0, fixed.stderr);
        assert.match(
          fixed.stdout,
          /resolved: Projection bedrifter applied position \d+/,
        );
        const rows = await sql.query<{ navn: string }>(
          "SELECT navn FROM bedrifter",
        );
        assert.deepEqual(rows.map((r) => r.navn), ["Giftig AS"]);
        ready = await readiness(server.url);
        for (let i = 0; i < 50 && ready.body.checks.deadLetters.open > 0; i++) {
          await delay(100);
          ready = await readiness(server.url);
        }
        assert.equal(ready.status, 200);
        assert.equal(ready.body.checks.deadLetters.open, 0);
        const text = await metrics(server.url);
        assert.match(
          text,
          /tms_dead_letters\{kind="projection",status="resolved"\} 1/,
        );
        // The halt, and the same halt again during the failed retry.
        assert.match(
          text,
          /tms_dead_letters_recorded_total\{kind="projection"\} 2/,
        );
        assert.match(
          text,
          /tms_dead_letter_retries_total\{kind="projection",outcome="failed"\} 1/,
        );
        assert.match(
          text,
          /tms_dead_letter_retries_total\{kind="projection",outcome="resolved"\} 1/,
        );
        const again = await task(where, "retry", letter.id);
        assert.equal(again.code, 1);
        assert.match(again.stderr, /is resolved/);
      } finally {
        const status = await server.stop();
        assert.equal(status.code, 0);
        await sql.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await sql.close();
        await nats?.dispose();
        await Deno.remove(dataDir, { recursive: true });
      }
    },
  });
}
