/**
 * Projection specs of the economy's read models — given commits made by the
 * deciders, then rows: `expenses` through an expense's lifecycle, `budgets`
 * with what is spent and its crossings, and the ledger (an approval and its
 * withdrawal, one batch or two, applied twice changes nothing). The economy
 * events also satisfy the event catalog's schemas, and each masked field is a
 * field of its event.
 */
import assert from "node:assert/strict";
import { z } from "../../../deps.ts";
import { expenseDecider } from "../../../actors/expense/decider.ts";
import { expensesProjection } from "../../../actors/expense/projection.ts";
import type { ExpenseCommand } from "../../../actors/expense/types.ts";
import { budgetDecider } from "../../../actors/budget/decider.ts";
import { budgetsProjection } from "../../../actors/budget/projection.ts";
import type { BudgetCommand } from "../../../actors/budget/types.ts";
import { ledgerProjection } from "../../../actors/ledger/mod.ts";
import { PERSONAL_FIELDS } from "../../../actors/mod.ts";
import type { EventType } from "../../../actors/mod.ts";
import { EVENT_DATA_SCHEMAS } from "../../../schemas/mod.ts";
import { Feed, projectionSpec } from "../../support/mod.ts";
import { history } from "../../support/history.ts";

const AT = "2025-03-10T09:00:00.000Z";
const register: ExpenseCommand = {
  type: "register",
  bedriftId: "b1",
  leverandor: { navn: "Circle K" },
  dato: "2025-03-08",
  belop: "800.00",
  mvaSats: 25,
  kategori: "DRIVSTOFF",
  beskrivelse: "Diesel",
  at: AT,
};
const lifecycle: ExpenseCommand[] = [
  register,
  {
    type: "attach_receipt",
    receipt: {
      fileId: "f1",
      contentType: "application/pdf",
      size: 10,
      sha256: "0".repeat(64),
    },
    at: AT,
  },
  { type: "approve", mvaRegistrert: false, at: AT },
  { type: "pay", paidOn: "2025-03-20", at: AT },
];
const budget: BudgetCommand[] = [
  {
    type: "record_expense",
    bedriftId: "b1",
    kategori: "DRIVSTOFF",
    periode: "2025-03",
    expenseId: "x1",
    amount: "1000.00",
    position: 4,
    at: AT,
  },
  {
    type: "create",
    bedriftId: "b1",
    kategori: "DRIVSTOFF",
    periode: "2025-03",
    belop: "900.00",
    at: AT,
  },
  { type: "change", belop: "1200.00", at: AT },
];

Deno.test("expenses projection: an expense through register, receipt, approval (not MVA-registered) and payment", async () => {
  const feed = new Feed();
  const commits = history(expenseDecider, lifecycle).map((events) =>
    feed.commit("expense", "x1", events)
  );
  const spec = projectionSpec(expensesProjection);
  const SELECT = `SELECT id, status, belop, mva, brutto, konto, has_receipt,
    inngaende_mva, kostnad, paid_on::text, version FROM expenses`;
  await spec.given(commits.slice(0, 1)).thenRows(SELECT, [{
    id: "x1",
    status: "REGISTRERT",
    belop: "800.00",
    mva: "200.00",
    brutto: "1000.00",
    konto: "7000",
    has_receipt: false,
    inngaende_mva: null,
    kostnad: null,
    paid_on: null,
    version: 1,
  }]);
  await spec.given(commits.slice(0, 2), commits.slice(2)).thenRows(SELECT, [{
    id: "x1",
    status: "BETALT",
    belop: "800.00",
    mva: "200.00",
    brutto: "1000.00",
    konto: "7000",
    has_receipt: true,
    inngaende_mva: "0.00",
    kostnad: "1000.00",
    paid_on: "2025-03-20",
    version: 4,
  }]);
  await spec.given(commits).thenIdempotent("SELECT * FROM expenses");
});

Deno.test("budgets projection: tracked before it is set, exceeded at once when set below what is spent, back within after a raise", async () => {
  const feed = new Feed();
  const commits = history(budgetDecider, budget).map((events) =>
    feed.commit("budget", "bu1", events)
  );
  const spec = projectionSpec(budgetsProjection);
  const SELECT =
    `SELECT kategori, periode, belop, spent, expenses, over, exceeded_count,
      last_exceeded_at IS NOT NULL AS exceeded_at, version FROM budgets`;
  await spec.given(commits.slice(0, 1)).thenRows(SELECT, [{
    kategori: "DRIVSTOFF",
    periode: "2025-03",
    belop: null,
    spent: "1000.00",
    expenses: 1,
    over: false,
    exceeded_count: 0,
    exceeded_at: false,
    version: 1,
  }]);
  await spec.given(commits.slice(0, 2)).thenRows(SELECT, [{
    kategori: "DRIVSTOFF",
    periode: "2025-03",
    belop: "900.00",
    spent: "1000.00",
    expenses: 1,
    over: true,
    exceeded_count: 1,
    exceeded_at: true,
    version: 2,
  }]);
  await spec.given(commits).thenRows(
    "SELECT belop, over, exceeded_count FROM budgets",
    [{ belop: "1200.00", over: false, exceeded_count: 1 }],
  );
  await spec.given(commits).thenIdempotent("SELECT * FROM budgets");
});

Deno.test("ledger projection: an approval and its withdrawal, in one batch or two, applied twice", async () => {
  const feed = new Feed();
  const commits = history(expenseDecider, [
    register,
    { type: "approve", mvaRegistrert: true, at: AT },
    { type: "reject", reason: "Feil", at: "2025-03-12T09:00:00.000Z" },
  ]).map((events) => feed.commit("expense", "x1", events));
  const spec = projectionSpec(ledgerProjection);
  const SELECT = `SELECT dato::text, konto, debet, kredit, mva_sats, expense_id
    FROM ledger_lines ORDER BY position, idx, line`;
  const lines = [
    {
      dato: "2025-03-08",
      konto: "7000",
      debet: "800.00",
      kredit: "0.00",
      mva_sats: null,
      expense_id: null,
    },
    {
      dato: "2025-03-08",
      konto: "2710",
      debet: "200.00",
      kredit: "0.00",
      mva_sats: 25,
      expense_id: null,
    },
    {
      dato: "2025-03-08",
      konto: "2400",
      debet: "0.00",
      kredit: "1000.00",
      mva_sats: null,
      expense_id: "x1",
    },
    {
      dato: "2025-03-12",
      konto: "7000",
      debet: "0.00",
      kredit: "800.00",
      mva_sats: null,
      expense_id: null,
    },
    {
      dato: "2025-03-12",
      konto: "2710",
      debet: "0.00",
      kredit: "200.00",
      mva_sats: 25,
      expense_id: null,
    },
    {
      dato: "2025-03-12",
      konto: "2400",
      debet: "1000.00",
      kredit: "0.00",
      mva_sats: null,
      expense_id: "x1",
    },
  ];
  await spec.given(commits).thenRows(SELECT, lines);
  await spec.given(commits.slice(0, 2), commits.slice(2)).thenRows(
    SELECT,
    lines,
  );
  await spec.given(commits).thenIdempotent(
    "SELECT * FROM ledger_days ORDER BY konto, dato, sats",
  );
});

Deno.test("economy events: every one the deciders make satisfies its catalog schema; masked fields exist", () => {
  const events = [
    ...history(expenseDecider, lifecycle).flat(),
    ...history(expenseDecider, [
      register,
      { type: "approve", mvaRegistrert: true, at: AT },
      { type: "reject", reason: "Feil", at: AT },
    ]).flat(),
    ...history(budgetDecider, [
      ...budget,
      { type: "change", belop: "100.00", at: AT },
      { ...budget[0], type: "remove_expense", position: 9 } as BudgetCommand,
    ]).flat(),
  ];
  const seen = new Set<string>();
  for (const event of events) {
    const schema = EVENT_DATA_SCHEMAS[event.type as EventType] as z.ZodObject;
    const parsed = z.object(schema.shape).strict().safeParse(event.data);
    assert.ok(parsed.success, `${event.type}: ${parsed.error?.message}`);
    seen.add(event.type);
    for (const path of Object.keys(PERSONAL_FIELDS[event.type as EventType])) {
      assert.ok(
        path.split(".")[0] in (event.data as object),
        `${event.type}: ${path}`,
      );
    }
  }
  assert.deepEqual([...seen].sort(), [
    "budget.back_within",
    "budget.changed",
    "budget.created",
    "budget.exceeded",
    "budget.expense_recorded",
    "budget.expense_removed",
    "budget.opened",
    "expense.approved",
    "expense.paid",
    "expense.receipt_attached",
    "expense.registered",
    "expense.rejected",
  ]);
});
