import assert from "node:assert/strict";
import {
  readModelProjections,
  registerActors,
  withDomainUpcasters,
} from "../../../actors/mod.ts";
import {
  BEDRIFTER_PROJECTION,
  registerBedrift,
} from "../../../actors/bedrift/mod.ts";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { ProjectionEngine } from "../../../runtime/projection/mod.ts";
import { addBedrift } from "../../support/read_side.ts";
import { SQL_FIXTURES } from "../../support/sql_stores.ts";

const LINGER_MS = 300;

Deno.test("projection linger: commits arriving while a live projection lingers share one batch; a waiter cuts the linger short", async () => {
  const fixture = SQL_FIXTURES[0]();
  const log = withDomainUpcasters(new MemoryEventLog());
  const system = registerActors(new ActorSystem({ log }));
  const store = await fixture.open();
  const engine = new ProjectionEngine({
    store,
    log,
    projections: readModelProjections,
    lingerMs: LINGER_MS,
  });
  try {
    await engine.start();
    const first = await addBedrift(system, "b0", "Null", 0);
    await engine.waitFor(first, { signal: AbortSignal.timeout(5_000) });
    const batches = () =>
      engine.status().find((s) => s.name === BEDRIFTER_PROJECTION)!
        .batchesApplied;
    const before = batches();

    // Ten registrations 10 ms apart (each its own batch without a linger),
    // all within one linger.
    for (let i = 1; i <= 10; i++) {
      await addBedrift(system, `b${i}`, `S${i}`, i);
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, LINGER_MS * 3));
    assert.ok(
      batches() - before <= 3,
      `ten commits took ${batches() - before} batches`,
    );
    const rows = await store.query("SELECT count(*)::int AS n FROM bedrifter");
    assert.equal(rows[0].n, 11);

    // A reader waiting for its write does not wait out the linger.
    const { position } = await registerBedrift(system, {
      id: "b11",
      organisasjonsnummer: "974760673",
      details: { navn: "Elleve" },
      at: "2026-11-22T10:00:00.000Z",
    });
    const started = performance.now();
    await engine.waitFor(position, {
      projections: [BEDRIFTER_PROJECTION],
      signal: AbortSignal.timeout(5_000),
    });
    assert.ok(
      performance.now() - started < LINGER_MS,
      `the wait took ${Math.round(performance.now() - started)} ms`,
    );
  } finally {
    await engine.stop();
    await system.shutdown();
    await log.close();
    await fixture.cleanup();
  }
});
