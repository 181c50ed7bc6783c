/**
 * Integration events of the economy around invoices: an expense approved
 * and a budget exceeded (once per crossing). Suppliers are businesses and
 * the free text stays inside: ids, the category, amounts and dates only.
 */
import type { ExpenseEvent } from "../expense/mod.ts";
import type { BudgetEvent } from "../budget/mod.ts";
import type { EventMapping } from "./support.ts";
import { integrationEvent, plain } from "./support.ts";

type Approved = Extract<ExpenseEvent, { type: "expense.approved" }>;
type Exceeded = Extract<BudgetEvent, { type: "budget.exceeded" }>;

/** The mappings of expense events, by domain event type. */
export const expenseMappings: Partial<
  Record<ExpenseEvent["type"], EventMapping>
> = {
  "expense.approved": plain<Approved>((d, { commit }) =>
    integrationEvent("expenseApproved", {
      expenseId: commit.id,
      bedriftId: d.bedriftId,
      kategori: d.kategori,
      belop: d.belop,
      mva: d.mva,
      dato: d.dato,
    }, d.at)
  ),
};

/** The mappings of budget events, by domain event type. */
export const budgetMappings: Partial<
  Record<BudgetEvent["type"], EventMapping>
> = {
  "budget.exceeded": plain<Exceeded>((d, { commit }) =>
    integrationEvent("budgetExceeded", {
      budgetId: commit.id,
      bedriftId: d.bedriftId,
      kategori: d.kategori,
      periode: d.periode,
      budsjett: d.belop,
      forbrukt: d.spent,
    }, d.at)
  ),
};
