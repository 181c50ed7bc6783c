/**
 * @module ledger
 *
 * The general ledger (hovedbok) on NS 4102: a projection of the feed that
 * posts every sent invoice and credit note, payment, reminder fee and
 * interest, credited invoice, and approved, withdrawn and paid expense as a
 * balanced journal entry referencing its source commit (`ledger_entries`,
 * `ledger_lines`; the rules in `postings.ts`, the account map and its
 * reasons in docs/ledger.md). Its queries (the journal, balances at a
 * date) and the reports computed from it: income statement, balance, MVA
 * per term, receivables with ageing, cash flow.
 */
export { LedgerErrorCode } from "./types.ts";
export {
  ACCOUNT_NAMES,
  AccountKind,
  accountKind,
  accountName,
  isResultAccount,
  Konto,
  REVENUE_KONTO,
} from "./accounts.ts";
export {
  approvalPosting,
  assertBalanced,
  creditedPosting,
  expensePaidPosting,
  paymentPosting,
  PostingKind,
  reminderPosting,
  sentPosting,
} from "./postings.ts";
export type { LedgerInvoice, Posting, PostingLine } from "./postings.ts";
export {
  LEDGER_EVENT_TYPES,
  LEDGER_PROJECTION,
  ledgerProjection,
} from "./projection.ts";
export {
  accountBalances,
  isoDate,
  LEDGER_CURSOR,
  listEntries,
} from "./queries.ts";
export type {
  AccountBalance,
  LedgerEntryFilter,
  LedgerEntryItem,
  LedgerLineItem,
} from "./queries.ts";
export {
  AgeingBucket,
  balanceSheet,
  cashflowReport,
  incomeStatement,
  mvaReport,
  mvaTerm,
  receivablesReport,
} from "./reports.ts";
export type {
  BalanceSheet,
  CashflowReport,
  IncomeStatement,
  MvaReport,
  ReceivablesReport,
  ReportLine,
  ReportSection,
} from "./reports.ts";
