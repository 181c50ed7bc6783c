/** Value types, commands, state and error codes of the `budget` aggregate. */
import type { ExpenseKategori } from "../expense/mod.ts";

/** Actor type of a budget: one per bedrift, category and period. */
export const BUDGET = "budget";

/** A budget period: a month `YYYY-MM` or a year `YYYY`. */
export const PERIODE_PATTERN = /^\d{4}(-(0[1-9]|1[0-2]))?$/;

/**
 * A budget's stream tracks the approved expenses of its category and period
 * from the first one the process manager records — also before a budget
 * amount is set (`belop` null), so a budget set later starts from what is
 * already spent. It exists as a budget once `belop` is set.
 */
export interface BudgetState {
  /** False until the stream's first event (`budget.opened`). */
  opened: boolean;
  bedriftId: string;
  kategori: ExpenseKategori;
  periode: string;
  /** The budget; null while only expenses are tracked. */
  belop: string | null;
  /** Approved expenses of the category and period (their booked cost). */
  spent: string;
  /** Approved expenses counted. */
  expenses: number;
  /** True while `spent` is above `belop`: a crossing raised `budget.exceeded`. */
  over: boolean;
  /** Times `budget.exceeded` was raised. */
  exceededCount: number;
  /**
   * The feed position of the last expense event the process manager
   * recorded: a command from this position or earlier is a re-delivery and
   * changes nothing (commands arrive in feed order).
   */
  lastPosition: number;
  createdAt: string | null;
  updatedAt: string | null;
}

/** Which budget an expense event concerns, as the process manager tells it. */
export interface BudgetKey {
  bedriftId: string;
  kategori: ExpenseKategori;
  periode: string;
}

export type BudgetCommand =
  | (BudgetKey & { type: "create"; belop: string; at: string })
  | { type: "change"; belop: string; at: string }
  | (BudgetKey & {
    type: "record_expense" | "remove_expense";
    expenseId: string;
    /** The cost the approval booked. */
    amount: string;
    /** Feed position of the expense event (the re-delivery fence). */
    position: number;
    at: string;
  });

/** Stable error codes of the `budget` aggregate and its flows. */
export const BudgetErrorCode = {
  ALREADY_EXISTS: "budget.already_exists",
  INVALID_AMOUNT: "budget.invalid_amount",
  INVALID_KATEGORI: "budget.invalid_kategori",
  INVALID_PERIODE: "budget.invalid_periode",
  KEY_MISMATCH: "budget.key_mismatch",
  UNKNOWN_BEDRIFT: "budget.unknown_bedrift",
} as const;
