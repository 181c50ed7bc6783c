/**
 * The budget process manager raises `budget.exceeded` exactly once per
 * crossing: when the same commits are handled twice (re-delivery, also
 * beyond the actors' memory of command ids), and when the processor is
 * stopped in the middle of a batch — its commands sent, its checkpoint not
 * moved — and a new one (over a new actor system) resumes from the
 * checkpoint.
 */
import assert from "node:assert/strict";
import { registerActors, withDomainUpcasters } from "../../../actors/mod.ts";
import {
  BUDGET,
  budgetId,
  budgetProcess,
  createBudget,
} from "../../../actors/budget/mod.ts";
import type { BudgetState } from "../../../actors/budget/mod.ts";
import { EXPENSE } from "../../../actors/expense/mod.ts";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import type { Commit, EventLog } from "../../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { FeedProcessor } from "../../../runtime/projection/mod.ts";
import type { Processor } from "../../../runtime/projection/mod.ts";
import { filterCommits } from "../../../runtime/projection/internal_mod.ts";
import { addBedrift } from "../../support/read_side.ts";
import { pgliteFixture } from "../../support/sql_stores.ts";

const AT = "2025-03-10T09:00:00.000Z";
const B = "b-pm";
const month = {
  bedriftId: B,
  kategori: "DRIVSTOFF" as const,
  periode: "2025-03",
};
const year = { ...month, periode: "2025" };

function world(log: EventLog = withDomainUpcasters(new MemoryEventLog())) {
  const system = registerActors(new ActorSystem({ log }));
  return { log, system };
}

let expenses = 0;
/** Registers and approves an expense of `belop` excl. 25 % MVA on `dato`. */
async function approved(
  system: ActorSystem,
  belop: string,
  dato = "2025-03-05",
): Promise<string> {
  const id = `e${++expenses}`;
  await system.ask(EXPENSE, id, {
    type: "register",
    bedriftId: B,
    leverandor: { navn: "Circle K" },
    dato,
    belop,
    mvaSats: 25,
    kategori: "DRIVSTOFF",
    at: AT,
  });
  await system.ask(EXPENSE, id, {
    type: "approve",
    mvaRegistrert: true,
    at: AT,
  });
  return id;
}

/** The budget.exceeded and budget.back_within events of a budget's stream. */
async function crossings(log: EventLog, id: string): Promise<string[]> {
  const commits = await log.readStream(BUDGET, id, 0);
  return commits.flatMap((c) => c.events.map((e) => e.type))
    .filter((t) => t === "budget.exceeded" || t === "budget.back_within");
}

async function budgetState(system: ActorSystem, key: typeof month) {
  return (await system.read<BudgetState>(BUDGET, await budgetId(key))).state;
}

/** The commits the process manager reads, as the processor hands them over. */
async function relevant(
  log: EventLog,
  processor: Processor,
): Promise<Commit[]> {
  const all = await log.readFeed(0, 100_000);
  return filterCommits(all, new Set(processor.eventTypes));
}

Deno.test("budget PM: re-delivering the same commits raises budget.exceeded once per crossing", async () => {
  const { log, system } = world();
  try {
    await addBedrift(system, B, "PM Trafikkskole", 1);
    await createBudget(system, { ...month, belop: "1000.00", at: AT });
    await createBudget(system, { ...year, belop: "1500.00", at: AT });
    await approved(system, "600.00");
    await approved(system, "600.00"); // month crosses: 1200 > 1000
    await approved(system, "600.00"); // year crosses: 1800 > 1500
    const pm = budgetProcess(system);
    const commits = await relevant(log, pm);
    assert.equal(commits.length, 3);
    await pm.handle(commits, {});
    await pm.handle(commits, {});
    await pm.handle(commits.slice(1), {});
    const monthId = await budgetId(month);
    const yearId = await budgetId(year);
    assert.deepEqual(await crossings(log, monthId), ["budget.exceeded"]);
    assert.deepEqual(await crossings(log, yearId), ["budget.exceeded"]);
    assert.equal((await budgetState(system, month)).spent, "1800.00");
    assert.equal((await budgetState(system, year)).expenses, 3);
  } finally {
    await system.shutdown();
  }
});

Deno.test("budget PM: re-delivery beyond the actors' memory of command ids changes nothing (the position fence)", async () => {
  const { log, system } = world();
  try {
    await addBedrift(system, B, "PM Trafikkskole", 2);
    await createBudget(system, { ...month, belop: "10000.00", at: AT });
    // 150 approvals: more commands to one budget than the 128 command ids
    // an actor remembers, so the oldest are decided again on re-delivery.
    for (let i = 0; i < 150; i++) await approved(system, "100.00");
    const pm = budgetProcess(system);
    const commits = await relevant(log, pm);
    await pm.handle(commits, {});
    const before = await log.readStream(BUDGET, await budgetId(month), 0);
    await pm.handle(commits, {});
    // A fresh actor system over the same log (the budget reloaded from it).
    const again = world(log);
    try {
      await budgetProcess(again.system).handle(commits, {});
      const after = await log.readStream(BUDGET, await budgetId(month), 0);
      assert.equal(after.length, before.length);
      const state = await budgetState(again.system, month);
      assert.equal(state.spent, "15000.00");
      assert.equal(state.expenses, 150);
      assert.equal(state.exceededCount, 1);
    } finally {
      await again.system.shutdown();
    }
  } finally {
    await system.shutdown();
  }
});

Deno.test("budget PM: stopped mid-batch (commands sent, checkpoint not moved) and restarted, it raises each crossing once; falling under and crossing again raises again", async () => {
  const base = world();
  const fixture = pgliteFixture();
  const store = await fixture.open();
  const { log } = base;
  let system = base.system;
  try {
    await addBedrift(system, B, "PM Trafikkskole", 3);
    await createBudget(system, { ...month, belop: "1000.00", at: AT });
    await createBudget(system, { ...year, belop: "100000.00", at: AT });
    await approved(system, "400.00");
    await approved(system, "400.00");
    const crossing = await approved(system, "400.00"); // 1200 > 1000
    await approved(system, "50.00");
    // A first processor that "crashes" after handling the batch that holds
    // the crossing approval: its commands are sent, its checkpoint never
    // moves.
    let crashed = false;
    const crashing = (inner: Processor): Processor => ({
      ...inner,
      async handle(commits, options) {
        await inner.handle(commits, options);
        if (commits.some((c) => c.id === crossing)) {
          crashed = true;
          await new Promise((_, reject) =>
            options.signal?.addEventListener(
              "abort",
              () => reject(options.signal!.reason),
            )
          );
        }
      },
    });
    const first = new FeedProcessor({
      store,
      log,
      processor: crashing(budgetProcess(system)),
      batchSize: 4,
    });
    await first.start();
    const deadline = Date.now() + 20_000;
    while (!crashed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(crashed);
    const stoppedAt = first.status().position;
    await first.stop();
    const head = await log.headPosition();
    assert.ok(stoppedAt < head, `${stoppedAt} < ${head}`);
    // The crossing expense's approval was in the unfinished batch: the
    // budget has raised it, and the checkpoint is before it.
    const monthId = await budgetId(month);
    assert.deepEqual(await crossings(log, monthId), ["budget.exceeded"]);
    // A restart: a new actor system over the same log, a new processor.
    await system.shutdown();
    system = world(log).system;
    const second = new FeedProcessor({
      store,
      log,
      processor: budgetProcess(system),
      batchSize: 4,
    });
    await second.start();
    try {
      await second.waitFor(await log.headPosition(), {
        signal: AbortSignal.timeout(20_000),
      });
      assert.deepEqual(await crossings(log, monthId), ["budget.exceeded"]);
      let state = await budgetState(system, month);
      assert.equal(state.spent, "1250.00");
      assert.equal(state.expenses, 4);
      const raised = (await log.readStream(BUDGET, monthId, 0)).flatMap((c) =>
        c.events
      ).find((e) => e.type === "budget.exceeded")!;
      assert.equal((raised.data as { expenseId: string }).expenseId, crossing);
      // Falling back under: the budget raised by PATCH; then a withdrawn
      // approval; then crossing again, twice over.
      await system.ask(BUDGET, monthId, {
        type: "change",
        belop: "1300.00",
        at: AT,
      });
      await approved(system, "100.00"); // 1350 > 1300: crosses again
      await system.ask(EXPENSE, crossing, { type: "reject", at: AT }); // 950
      await approved(system, "400.00"); // 1350 > 1300: and again
      await second.waitFor(await log.headPosition(), {
        signal: AbortSignal.timeout(20_000),
      });
      assert.deepEqual(await crossings(log, monthId), [
        "budget.exceeded",
        "budget.back_within",
        "budget.exceeded",
        "budget.back_within",
        "budget.exceeded",
      ]);
      state = await budgetState(system, month);
      assert.equal(state.spent, "1350.00");
      assert.equal(state.exceededCount, 3);
      // The year's budget counted every approval once, the withdrawn one out.
      const yearly = await budgetState(system, year);
      assert.equal(yearly.spent, "1350.00");
      assert.equal(yearly.expenses, 5);
      // Its own budget commands append commits it reads in turn: it is done
      // when the head no longer moves past what it has seen.
      for (let head = -1; head !== await log.headPosition();) {
        head = await log.headPosition();
        await second.waitFor(head, { signal: AbortSignal.timeout(20_000) });
      }
      assert.equal(second.status().position, await log.headPosition());
    } finally {
      await second.stop();
    }
  } finally {
    await system.shutdown();
    await fixture.cleanup();
  }
});
