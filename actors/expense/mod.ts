/**
 * @module expense
 *
 * Expense (utgift): a supplier's invoice or receipt of a bedrift — supplier,
 * voucher date, amount excl. MVA with its MVA rate, category (each booked to
 * an NS 4102 account, `KATEGORI_KONTO`) — with an optional receipt in the
 * file store (`attachReceipt`). Lifecycle REGISTRERT → GODKJENT → BETALT, or
 * AVVIST (also withdrawing an approval that is not paid). Approval deducts
 * input MVA only for an MVA-registered bedrift (`approveExpense` reads it);
 * the events carry what was booked, so the ledger and the budget process
 * manager need nothing else. The `expenses` read model and its queries.
 */
export {
  EXPENSE,
  ExpenseErrorCode,
  ExpenseKategori,
  ExpenseStatus,
  KATEGORI_KONTO,
  ReceiptLimits,
} from "./types.ts";
export type {
  Approval,
  ExpenseCommand,
  ExpenseState,
  Leverandor,
  Receipt,
} from "./types.ts";
export {
  EXPENSE_EVENT_TYPES,
  expenseEvent,
  ExpenseEventVersions,
} from "./events.ts";
export type { ExpenseEvent, ExpenseRegistered } from "./events.ts";
export { expenseActor, expenseDecider } from "./decider.ts";
export {
  approveExpense,
  attachReceipt,
  payExpense,
  registerExpense,
} from "./flows.ts";
export { EXPENSES_PROJECTION, expensesProjection } from "./projection.ts";
export type { ExpenseRow } from "./projection.ts";
export { listExpenses } from "./queries.ts";
export type { ExpenseFilter, ExpenseListItem } from "./queries.ts";
