import assert from "node:assert/strict";
import { budgetDecider } from "../../../actors/budget/decider.ts";
import { budgetEvent } from "../../../actors/budget/events.ts";
import type { BudgetEvent } from "../../../actors/budget/events.ts";
import type { BudgetCommand } from "../../../actors/budget/types.ts";
import { DomainError, NotFoundError } from "../../../runtime/core/mod.ts";
import { deciderSpec } from "../../support/decider_spec.ts";

const spec = deciderSpec(budgetDecider);
const at = "2025-03-10T09:00:00.000Z";
const key = {
  bedriftId: "b1",
  kategori: "DRIVSTOFF" as const,
  periode: "2025-03",
};
const opened = budgetEvent("budget.opened", { ...key, at });
const created = (belop: string) => budgetEvent("budget.created", { belop, at });
const record = (
  position: number,
  amount: string,
  expenseId = `e${position}`,
): BudgetCommand => ({
  type: "record_expense",
  ...key,
  expenseId,
  amount,
  position,
  at,
});
const recorded = (
  position: number,
  amount: string,
  spent: string,
  expenseId = `e${position}`,
) =>
  budgetEvent("budget.expense_recorded", {
    expenseId,
    amount,
    spent,
    position,
    at,
  });
const exceeded = (
  belop: string,
  spent: string,
  over: string,
  expenseId: string | null,
) =>
  budgetEvent("budget.exceeded", {
    ...key,
    belop,
    spent,
    over,
    expenseId,
    at,
  });

Deno.test("budget create: given nothing, when create, then opened and created", () => {
  spec.given([]).when({ type: "create", ...key, belop: "5000", at })
    .then([opened, created("5000.00")]);
});

Deno.test("budget create: over what is already spent raises budget.exceeded at once", () => {
  spec.given([opened, recorded(10, "6000.00", "6000.00")]).when({
    type: "create",
    ...key,
    belop: "5000.00",
    at,
  }).then([
    created("5000.00"),
    exceeded("5000.00", "6000.00", "1000.00", null),
  ]);
});

Deno.test("budget create: twice is refused; a bad amount, category or period is 422", () => {
  spec.given([opened, created("5000.00")]).when({
    type: "create",
    ...key,
    belop: "6000.00",
    at,
  }).thenThrows(DomainError, "budget.already_exists");
  const bad: [Partial<BudgetCommand>, string][] = [
    [{ belop: "-1.00" }, "budget.invalid_amount"],
    [{ belop: "12,50" }, "budget.invalid_amount"],
    [{ kategori: "REISE" as never }, "budget.invalid_kategori"],
    [{ periode: "2025-13" }, "budget.invalid_periode"],
    [{ periode: "25" }, "budget.invalid_periode"],
  ];
  for (const [overrides, code] of bad) {
    spec.given([]).when(
      {
        type: "create",
        ...key,
        belop: "5000.00",
        at,
        ...overrides,
      } as BudgetCommand,
    ).thenThrows(DomainError, code);
  }
  spec.given([opened]).when({
    type: "create",
    ...key,
    periode: "2025-04",
    belop: "1.00",
    at,
  }).thenThrows(DomainError, "budget.key_mismatch");
});

Deno.test("budget record: the expense that crosses the budget raises budget.exceeded, once", () => {
  const given = [opened, created("1000.00"), recorded(3, "600.00", "600.00")];
  spec.given(given).when(record(7, "500.00")).then([
    recorded(7, "500.00", "1100.00"),
    exceeded("1000.00", "1100.00", "100.00", "e7"),
  ]);
  // Already over: the next expense is recorded, nothing is raised again.
  spec.given([
    ...given,
    recorded(7, "500.00", "1100.00"),
    exceeded("1000.00", "1100.00", "100.00", "e7"),
  ]).when(record(9, "10.00")).then([recorded(9, "10.00", "1110.00")]);
});

Deno.test("budget record: exactly at the budget is not over it", () => {
  spec.given([opened, created("1000.00")]).when(record(3, "1000.00")).then([
    recorded(3, "1000.00", "1000.00"),
  ]);
});

Deno.test("budget record: a re-delivered command (a position already passed) changes nothing", () => {
  const given = [opened, created("1000.00"), recorded(7, "1500.00", "1500.00")];
  spec.given(given).when(record(7, "1500.00")).then([]);
  spec.given(given).when(record(5, "20.00")).then([]);
});

Deno.test("budget record: expenses before any budget is set open the stream and are tracked", () => {
  spec.given([]).when(record(4, "250.00")).thenState((state, events) => {
    assert.deepEqual(events, [opened, recorded(4, "250.00", "250.00")]);
    assert.equal(state.belop, null);
    assert.equal(state.spent, "250.00");
    assert.equal(state.over, false);
  });
});

Deno.test("budget change: raising it above what is spent brings it back within; lowering again raises again", () => {
  const over = [
    opened,
    created("1000.00"),
    recorded(7, "1500.00", "1500.00"),
    exceeded("1000.00", "1500.00", "500.00", "e7"),
  ];
  const raised = budgetEvent("budget.changed", {
    belop: "2000.00",
    previous: "1000.00",
    at,
  });
  const within = budgetEvent("budget.back_within", {
    belop: "2000.00",
    spent: "1500.00",
    at,
  });
  spec.given(over).when({ type: "change", belop: "2000", at }).then([
    raised,
    within,
  ]);
  spec.given([...over, raised, within]).when({
    type: "change",
    belop: "1200.00",
    at,
  }).thenState((state, events) => {
    assert.deepEqual(events, [
      budgetEvent("budget.changed", {
        belop: "1200.00",
        previous: "2000.00",
        at,
      }),
      exceeded("1200.00", "1500.00", "300.00", null),
    ]);
    assert.equal(state.exceededCount, 2);
    assert.equal(state.over, true);
  });
  // A change that keeps it over raises nothing; the same amount is no change.
  spec.given(over).when({ type: "change", belop: "1100.00", at }).then([
    budgetEvent("budget.changed", {
      belop: "1100.00",
      previous: "1000.00",
      at,
    }),
  ]);
  spec.given(over).when({ type: "change", belop: "1000", at }).then([]);
});

Deno.test("budget change: of a budget never set is 404", () => {
  spec.given([]).when({ type: "change", belop: "1.00", at }).thenThrows(
    NotFoundError,
  );
  spec.given([opened, recorded(1, "5.00", "5.00")]).when({
    type: "change",
    belop: "1.00",
    at,
  }).thenThrows(NotFoundError);
});

Deno.test("budget remove: a withdrawn approval that brings it back within re-arms it", () => {
  const over: BudgetEvent[] = [
    opened,
    created("1000.00"),
    recorded(7, "1500.00", "1500.00"),
    exceeded("1000.00", "1500.00", "500.00", "e7"),
  ];
  spec.given(over).when({
    type: "remove_expense",
    ...key,
    expenseId: "e7",
    amount: "1500.00",
    position: 12,
    at,
  }).thenState((state, events) => {
    assert.deepEqual(events, [
      budgetEvent("budget.expense_removed", {
        expenseId: "e7",
        amount: "1500.00",
        spent: "0.00",
        position: 12,
        at,
      }),
      budgetEvent("budget.back_within", {
        belop: "1000.00",
        spent: "0.00",
        at,
      }),
    ]);
    assert.equal(state.over, false);
    assert.equal(state.lastPosition, 12);
  });
});
