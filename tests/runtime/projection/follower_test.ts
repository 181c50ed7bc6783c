import assert from "node:assert/strict";
import {
  readModelProjections,
  registerActors,
  withDomainUpcasters,
} from "../../../actors/mod.ts";
import { BEDRIFTER_PROJECTION } from "../../../actors/bedrift/mod.ts";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import type { EventLog } from "../../../runtime/core/mod.ts";
import {
  ProjectionEngine,
  ProjectionFollower,
} from "../../../runtime/projection/mod.ts";
import type { SqlStore } from "../../../runtime/sql/mod.ts";
import { addBedrift, addInvoice } from "../../support/read_side.ts";
import { SQL_FIXTURES } from "../../support/sql_stores.ts";

interface World {
  store: SqlStore;
  log: EventLog;
  system: ActorSystem;
  follower: ProjectionFollower;
  /** Starts the engine that projects into the store (another node, in production). */
  project(): Promise<ProjectionEngine>;
}

/** One test per backend a follower reads: a store that an engine (started on demand) fills. */
function followerTest(name: string, fn: (world: World) => Promise<void>) {
  for (const make of SQL_FIXTURES) {
    const fixture = make();
    if (fixture.backend === "pglite-worker") continue;
    Deno.test(`projection follower [${fixture.backend}]: ${name}`, async () => {
      const log = withDomainUpcasters(new MemoryEventLog());
      const system = registerActors(new ActorSystem({ log }));
      let engine: ProjectionEngine | undefined;
      try {
        const store = await fixture.open();
        // The engine's migrations create the checkpoint table a follower reads.
        const setup = new ProjectionEngine({
          store,
          log,
          projections: readModelProjections,
        });
        await setup.start();
        await setup.stop();
        await fn({
          store,
          log,
          system,
          follower: new ProjectionFollower({
            store,
            log,
            projections: readModelProjections,
            pollIntervalMs: 10,
          }),
          async project() {
            engine = new ProjectionEngine({
              store,
              log,
              projections: readModelProjections,
              pollIntervalMs: 20,
            });
            await engine.start();
            return engine;
          },
        });
      } finally {
        await engine?.stop();
        await system.shutdown();
        await log.close();
        await fixture.cleanup();
      }
    });
  }
}

followerTest(
  "waitFor resolves once the projecting engine has applied the position",
  async (w) => {
    const position = await addBedrift(w.system, "b1", "Alfa Trafikkskole", 1);
    let reached = false;
    const waiting = w.follower.waitFor(position, {
      projections: [BEDRIFTER_PROJECTION],
      signal: AbortSignal.timeout(10_000),
    }).then(() => reached = true);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(reached, false, "nothing projects yet");
    assert.equal(await w.follower.position(BEDRIFTER_PROJECTION), 0);
    await w.project();
    await waiting;
    assert.ok(await w.follower.position(BEDRIFTER_PROJECTION) >= position);
    const rows = await w.store.query("SELECT navn FROM bedrifter");
    assert.deepEqual(rows.map((r) => r.navn), ["Alfa Trafikkskole"]);
  },
);

followerTest(
  "commits of other aggregates do not hold a projection's wait",
  async (w) => {
    await w.project();
    const registered = await addBedrift(w.system, "b1", "Alfa", 1);
    await w.follower.waitFor(registered, {
      projections: [BEDRIFTER_PROJECTION],
      signal: AbortSignal.timeout(10_000),
    });
    // An invoice moves the feed but not the bedrifter checkpoint.
    const later = await addInvoice(w.system, "i1", "b1", "Kari");
    await w.follower.waitFor(later, {
      projections: [BEDRIFTER_PROJECTION],
      signal: AbortSignal.timeout(10_000),
    });
    assert.ok(await w.follower.position(BEDRIFTER_PROJECTION) < later);
    // All projections: the invoices projection must apply it first.
    await w.follower.waitFor(later, { signal: AbortSignal.timeout(10_000) });
    const invoices = await w.store.query("SELECT id FROM invoices");
    assert.equal(invoices.length, 1);
  },
);

followerTest(
  "a wait nobody can satisfy ends with its signal; unknown names are refused",
  async (w) => {
    const position = await addBedrift(w.system, "b1", "Alfa", 1);
    await assert.rejects(
      w.follower.waitFor(position, { signal: AbortSignal.timeout(100) }),
      (e: unknown) => e instanceof DOMException && e.name === "TimeoutError",
    );
    await assert.rejects(
      w.follower.waitFor(1, { projections: ["nope"] }),
      TypeError,
    );
    await assert.rejects(w.follower.position("nope"), TypeError);
  },
);
