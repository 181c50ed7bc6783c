/**
 * @module budget
 *
 * Budget per bedrift, expense category and period (a month `YYYY-MM` or a
 * year `YYYY`), its id derived from the three (`budgetId`). The budget
 * process manager (`budgetProcess`, a feed `Processor` with its own
 * checkpoint) records every approved expense — and every approval withdrawn
 * — into the month's and the year's budget of its category; the budget
 * raises `budget.exceeded` once per crossing and `budget.back_within` when
 * it falls back under (a raised budget, a withdrawn approval), which re-arms
 * it. The `budgets` read model and its queries.
 */
export { BUDGET, BudgetErrorCode, PERIODE_PATTERN } from "./types.ts";
export type { BudgetCommand, BudgetKey, BudgetState } from "./types.ts";
export {
  BUDGET_EVENT_TYPES,
  budgetEvent,
  BudgetEventVersions,
} from "./events.ts";
export type { BudgetEvent } from "./events.ts";
export { budgetActor, budgetDecider } from "./decider.ts";
export { budgetId, createBudget, periodsOf } from "./flows.ts";
export {
  BUDGET_PROCESS,
  BUDGET_PROCESS_COMMAND,
  budgetProcess,
} from "./process_manager.ts";
export {
  BUDGET_SELECT,
  budgetFromDb,
  BUDGETS_PROJECTION,
  budgetsProjection,
} from "./projection.ts";
export type { BudgetRow } from "./projection.ts";
export { BUDGET_CURSOR, budgetItem, listBudgets } from "./queries.ts";
export type { BudgetFilter, BudgetListItem } from "./queries.ts";
