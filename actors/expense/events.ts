/** The events of the `expense` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";
import type { MvaRate } from "../invoice/mod.ts";
import type {
  Approval,
  ExpenseKategori,
  Leverandor,
  Receipt,
} from "./types.ts";

/** `expense.registered`: a supplier's invoice or receipt entered, amounts computed. */
export interface ExpenseRegistered {
  bedriftId: string;
  leverandor: Leverandor;
  dato: string;
  belop: string;
  mvaSats: MvaRate;
  /** MVA of `belop` at `mvaSats`, rounded half up to øre. */
  mva: string;
  brutto: string;
  kategori: ExpenseKategori;
  konto: string;
  beskrivelse: string | null;
  registeredBy: string | null;
  at: string;
}

export type ExpenseEvent =
  | DomainEvent<"expense.registered", ExpenseRegistered>
  | DomainEvent<"expense.receipt_attached", Receipt>
  | DomainEvent<
    "expense.approved",
    Approval & { approvedBy: string | null; at: string }
  >
  | DomainEvent<"expense.rejected", {
    reason: string | null;
    rejectedBy: string | null;
    /** The approval this rejection withdraws (the ledger reverses it), or null. */
    withdrawn: Approval | null;
    at: string;
  }>
  | DomainEvent<"expense.paid", {
    paidOn: string;
    /** The gross amount paid to the supplier. */
    amount: string;
    paidBy: string | null;
    at: string;
  }>;

/** Current schema version of each expense event. */
export const ExpenseEventVersions = {
  "expense.registered": 1,
  "expense.receipt_attached": 1,
  "expense.approved": 1,
  "expense.rejected": 1,
  "expense.paid": 1,
} as const satisfies EventVersions<ExpenseEvent>;

/** Every expense event type. */
export const EXPENSE_EVENT_TYPES = eventTypesOf(ExpenseEventVersions);

/** Builds an expense event at its current schema version. */
export const expenseEvent = eventFactory<ExpenseEvent>(ExpenseEventVersions);
