/** The events of the `budget` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";
import type { BudgetKey } from "./types.ts";

export type BudgetEvent =
  /** The stream's first event: which bedrift, category and period it tracks. */
  | DomainEvent<"budget.opened", BudgetKey & { at: string }>
  | DomainEvent<"budget.created", { belop: string; at: string }>
  | DomainEvent<"budget.changed", {
    belop: string;
    previous: string;
    at: string;
  }>
  | DomainEvent<"budget.expense_recorded", {
    expenseId: string;
    amount: string;
    /** Spent after it. */
    spent: string;
    position: number;
    at: string;
  }>
  | DomainEvent<"budget.expense_removed", {
    expenseId: string;
    amount: string;
    spent: string;
    position: number;
    at: string;
  }>
  /**
   * Approved expenses went above the budget: raised once per crossing, by
   * the expense that crossed it (`expenseId`) or by a lower budget (null).
   */
  | DomainEvent<
    "budget.exceeded",
    BudgetKey & {
      belop: string;
      spent: string;
      /** spent − belop. */
      over: string;
      expenseId: string | null;
      at: string;
    }
  >
  /** Back at or under the budget (a raise, or an approval withdrawn). */
  | DomainEvent<"budget.back_within", {
    belop: string;
    spent: string;
    at: string;
  }>;

/** Current schema version of each budget event. */
export const BudgetEventVersions = {
  "budget.opened": 1,
  "budget.created": 1,
  "budget.changed": 1,
  "budget.expense_recorded": 1,
  "budget.expense_removed": 1,
  "budget.exceeded": 1,
  "budget.back_within": 1,
} as const satisfies EventVersions<BudgetEvent>;

/** Every budget event type. */
export const BUDGET_EVENT_TYPES = eventTypesOf(BudgetEventVersions);

/** Builds a budget event at its current schema version. */
export const budgetEvent = eventFactory<BudgetEvent>(BudgetEventVersions);
