import assert from "node:assert/strict";
import { UnavailableError } from "../../../runtime/core/mod.ts";
import type { Commit } from "../../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import {
  ProjectionEngine,
  projectionRetrier,
  ProjectionStates,
} from "../../../runtime/projection/mod.ts";
import type { Projection } from "../../../runtime/projection/mod.ts";
import type { SqlExecutor } from "../../../runtime/sql/mod.ts";
import {
  DeadLetterOffice,
  MemoryDeadLetterStore,
} from "../../../runtime/storage/mod.ts";
import { pgliteFixture } from "../../support/sql_stores.ts";

/**
 * Sums `n` per stream; refuses negative numbers until `code.fixed` (a bug in
 * the projection, fixed by a deploy).
 */
function tally(code: { fixed: boolean }): Projection {
  return {
    name: "tally",
    eventTypes: ["added"],
    tables: ["tally"],
    migrations: [{
      version: 1,
      name: "create",
      sql: "CREATE TABLE tally (id text PRIMARY KEY, n int NOT NULL)",
    }],
    async apply(commits: readonly Commit[], tx: SqlExecutor) {
      for (const commit of commits) {
        for (const event of commit.events) {
          const n = (event.data as { n: number }).n;
          if (n < 0 && !code.fixed) {
            throw new Error(`tally cannot take a negative n (${n})`);
          }
          await tx.query(
            `INSERT INTO tally (id, n) VALUES ($1::text, $2::int)
             ON CONFLICT (id) DO UPDATE SET n = tally.n + excluded.n`,
            [commit.id, n],
          );
        }
      }
    },
  };
}

/** Appends one `added` commit to `counter/<id>`. */
async function add(
  log: MemoryEventLog,
  id: string,
  version: number,
  n: number,
) {
  return await log.append({
    type: "counter",
    id,
    expectedVersion: version - 1,
    commandId: `${id}-${version}`,
    events: [{ type: "added", v: 1, data: { n } }],
  });
}

/** A log with a poison commit at position 2, an engine and an office over one store. */
async function world() {
  const fixture = pgliteFixture();
  const sql = await fixture.open();
  const log = new MemoryEventLog();
  const code = { fixed: false };
  const store = new MemoryDeadLetterStore();
  const engine = new ProjectionEngine({
    store: sql,
    log,
    projections: [tally(code)],
    lingerMs: 0,
    onDeadLetter: (letter) => office.record(letter),
  });
  const office = new DeadLetterOffice({
    store,
    node: "projector",
    retriers: { projection: projectionRetrier(() => engine) },
  });
  await add(log, "a", 1, 1);
  const poison = await add(log, "a", 2, -5);
  const head = await add(log, "b", 1, 2);
  return {
    sql,
    log,
    code,
    store,
    engine,
    office,
    poison,
    head,
    async retry(id: string) {
      await store.requestRetry(id, { by: "test" });
      await office.tick();
      await office.idle();
      return (await store.get(id))!;
    },
    async rows() {
      return await sql.query("SELECT id, n FROM tally ORDER BY id");
    },
    async close() {
      await office.stop();
      await engine.stop();
      await fixture.cleanup();
    },
  };
}

Deno.test("dead letters: a poison commit halting a projection is recorded; a retry before the fix fails again and keeps it halted; after the fix it resumes from the checkpoint", async () => {
  const w = await world();
  try {
    // Given a projection that cannot apply the commit at position 2
    await w.engine.start();
    await assert.rejects(
      w.engine.waitFor(w.head.position),
      (e) =>
        e instanceof UnavailableError && /halted at position 2/.test(e.message),
    );
    // Then it is one dead letter with the projection, position and commit
    await w.office.flush();
    const letters = await w.store.all();
    assert.equal(letters.length, 1);
    const [letter] = letters;
    assert.equal(letter.kind, "projection");
    assert.equal(letter.status, "open");
    assert.deepEqual(letter.projection, {
      name: "tally",
      position: w.poison.position,
      streamType: "counter",
      streamId: "a",
      version: 2,
      eventTypes: ["added"],
    });
    assert.match(letter.reason, /tally cannot take a negative n \(-5\)/);
    assert.deepEqual(await w.rows(), [{ id: "a", n: 1 }]);

    // When it is retried before the code is fixed
    const again = await w.retry(letter.id);
    // Then it failed again, says so, and the projection stays halted there
    assert.equal(again.status, "open");
    assert.match(again.reason, /halted at position 2/);
    assert.equal(again.failures, 2, "the same halt is the same letter");
    assert.equal(again.retries, 1);
    const halted = w.engine.status()[0];
    assert.equal(halted.state, ProjectionStates.failed);
    assert.equal(halted.failure?.position, w.poison.position);

    // When the code is fixed and it is retried
    w.code.fixed = true;
    const done = await w.retry(letter.id);
    // Then the projection resumes from its checkpoint and applies the rest
    assert.equal(done.status, "resolved");
    assert.match(done.resolution ?? "", /applied position 2/);
    await w.engine.waitFor(w.head.position);
    assert.deepEqual(await w.rows(), [{ id: "a", n: -4 }, { id: "b", n: 2 }]);
    assert.equal(w.engine.status()[0].state, ProjectionStates.live);
    assert.equal((await w.store.all()).length, 1);
  } finally {
    await w.close();
  }
});

Deno.test("dead letters: a projection that got past its poison commit another way closes its letter", async () => {
  const w = await world();
  try {
    await w.engine.start();
    await assert.rejects(w.engine.waitFor(w.head.position), UnavailableError);
    await w.office.flush();
    const [letter] = await w.store.all();
    // Given the code was fixed and the projection resumed by hand
    w.code.fixed = true;
    w.engine.resume("tally");
    await w.engine.waitFor(w.head.position);
    // When the node's loop looks again
    await w.office.tick();
    // Then the letter is resolved without a retry
    const got = (await w.store.get(letter.id))!;
    assert.equal(got.status, "resolved");
    assert.equal(got.retries, 0);
    assert.match(got.resolution ?? "", /past position 2/);
  } finally {
    await w.close();
  }
});
