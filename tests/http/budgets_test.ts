/**
 * `/api/v<n>/budgets` through the edge, with the budget process manager
 * running as on a node: set, change, read and list budgets; approved
 * expenses (by HTTP) count into the month's and the year's budget, and
 * `budget.exceeded` is raised once per crossing.
 */
import assert from "node:assert/strict";
import { budgetId } from "../../actors/budget/mod.ts";
import { economyEdge } from "../support/economy.ts";

const API = "/api/v1/budgets";

Deno.test("budgets: set once per bedrift, category and period; approved expenses count; crossing raises budget.exceeded once, a raise re-arms it", async () => {
  const e = await economyEdge();
  try {
    const month = { bedriftId: e.B, kategori: "DRIVSTOFF", periode: "2025-03" };
    const created = await e.call("POST", API, { ...month, belop: "1000.00" });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    assert.equal(id, await budgetId(month as Parameters<typeof budgetId>[0]));
    assert.equal(created.headers.get("location"), `${API}/${id}`);
    assert.deepEqual(
      [created.body.belop, created.body.spent, created.body.over],
      ["1000.00", "0.00", false],
    );
    const twice = await e.call("POST", API, { ...month, belop: "9.00" });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.code, "budget.already_exists");

    const expense = async (belop: string, dato = "2025-03-04") => {
      const x = await e.call("POST", "/api/v1/expenses", {
        bedriftId: e.B,
        leverandor: { navn: "Circle K" },
        dato,
        belop,
        mvaSats: 25,
        kategori: "DRIVSTOFF",
      });
      return await e.call("POST", `/api/v1/expenses/${x.body.id}/approve`);
    };
    await expense("600.00");
    await expense("600.00");
    await expense("100.00", "2025-04-02"); // another month, the same year
    await e.settle();
    let budget = await e.call("GET", `${API}/${id}`);
    assert.deepEqual(
      [
        budget.body.spent,
        budget.body.remaining,
        budget.body.over,
        budget.body.exceededCount,
        budget.body.expenses,
      ],
      ["1200.00", "-200.00", true, 1, 2],
    );
    const types = async () =>
      (await e.call("GET", `${API}/${id}/history?limit=200`)).body.items
        .flatMap((c: { events: { type: string }[] }) =>
          c.events.map((x) => x.type)
        ).filter((t: string) =>
          t === "budget.exceeded" || t === "budget.back_within"
        );
    assert.deepEqual(await types(), ["budget.exceeded"]);

    // A raise brings it back within; the next crossing raises it again.
    const raised = await e.call("PATCH", `${API}/${id}`, { belop: "1500.00" });
    assert.equal(raised.status, 200);
    assert.equal(raised.body.over, false);
    await expense("400.00");
    await e.settle();
    budget = await e.call("GET", `${API}/${id}`);
    assert.equal(budget.body.exceededCount, 2);
    assert.deepEqual(await types(), [
      "budget.exceeded",
      "budget.back_within",
      "budget.exceeded",
    ]);

    // A budget set after the fact starts from what is spent: the year's.
    const year = await e.call("POST", API, {
      bedriftId: e.B,
      kategori: "DRIVSTOFF",
      periode: "2025",
      belop: "5000.00",
    });
    assert.deepEqual([year.body.spent, year.body.over], ["1700.00", false]);
    // The month's budget of another category exists only as a tracker: 404.
    const untracked = await budgetId({
      bedriftId: e.B,
      kategori: "DRIVSTOFF",
      periode: "2025-04",
    });
    assert.equal((await e.call("GET", `${API}/${untracked}`)).status, 404);

    await e.settle();
    const over = await e.call("GET", `${API}?year=2025&over=true`);
    assert.deepEqual(over.body.items.map((b: { id: string }) => b.id), [id]);
    const all = await e.call("GET", `/api/v2/budgets?kategori=DRIVSTOFF`);
    assert.equal(all.body.total, 2);
    assert.deepEqual(
      all.body.items.map((b: { periode: string }) => b.periode),
      ["2025", "2025-03"],
    );
    assert.deepEqual(all.body.items[1].spent, {
      amount: "1600.00",
      currency: "NOK",
    });
    assert.ok(all.body.items[1].lastExceededAt);
    // As it was when it was set.
    const then = await e.call("GET", `${API}/${id}?asOf=1`);
    assert.deepEqual(
      [then.body.belop, then.body.spent, then.body.asOf.version],
      ["1000.00", "0.00", 1],
    );
    const stale = await e.call("PATCH", `${API}/${id}`, { belop: "1.00" }, {
      "if-match": '"1"',
    });
    assert.equal(stale.status, 412);
    const bad = await e.call("POST", API, { ...month, periode: "2025-13" });
    assert.equal(bad.status, 422);
  } finally {
    await e.close();
  }
});
