import { Decimal } from "../../deps.ts";
import { DomainError, NotFoundError } from "../../runtime/core/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import { isMoney } from "../invoice/mod.ts";
import { ExpenseKategori } from "../expense/mod.ts";
import { budgetEvent } from "./events.ts";
import type { BudgetEvent } from "./events.ts";
import { BUDGET, BudgetErrorCode, PERIODE_PATTERN } from "./types.ts";
import type { BudgetCommand, BudgetKey, BudgetState } from "./types.ts";

type Cmd<T extends BudgetCommand["type"]> = Extract<
  BudgetCommand,
  { type: T }
>;

function invalid(code: string, message: string): DomainError {
  return new DomainError(code, message, { status: 422 });
}

function amount(value: string, what: string): string {
  if (!isMoney(value) || value.startsWith("-")) {
    throw invalid(
      BudgetErrorCode.INVALID_AMOUNT,
      `${what} must be a non-negative amount with at most two decimals`,
    );
  }
  return new Decimal(value).toFixed(2);
}

/** The stream's key checked, and `budget.opened` when the stream is new. */
function open(key: BudgetKey, state: BudgetState, at: string): BudgetEvent[] {
  if (!Object.hasOwn(ExpenseKategori, key.kategori)) {
    throw invalid(
      BudgetErrorCode.INVALID_KATEGORI,
      `Kategori must be one of ${Object.keys(ExpenseKategori).join(", ")}`,
    );
  }
  if (!PERIODE_PATTERN.test(key.periode)) {
    throw invalid(
      BudgetErrorCode.INVALID_PERIODE,
      "Periode must be a month YYYY-MM or a year YYYY",
    );
  }
  if (state.opened) {
    if (
      state.bedriftId !== key.bedriftId || state.kategori !== key.kategori ||
      state.periode !== key.periode
    ) {
      throw invalid(
        BudgetErrorCode.KEY_MISMATCH,
        "This budget belongs to another bedrift, category or period",
      );
    }
    return [];
  }
  return [budgetEvent("budget.opened", {
    bedriftId: key.bedriftId,
    kategori: key.kategori,
    periode: key.periode,
    at,
  })];
}

/**
 * `budget.exceeded` when `spent` goes above `belop` from at or under it,
 * `budget.back_within` when it comes back: once per crossing, whatever
 * moved it (an expense, a new budget amount).
 */
function crossing(
  state: BudgetState,
  belop: string | null,
  spent: string,
  expenseId: string | null,
  at: string,
): BudgetEvent[] {
  const over = belop !== null && new Decimal(spent).greaterThan(belop);
  if (over && !state.over) {
    return [budgetEvent("budget.exceeded", {
      bedriftId: state.bedriftId,
      kategori: state.kategori,
      periode: state.periode,
      belop: belop!,
      spent,
      over: new Decimal(spent).minus(belop!).toFixed(2),
      expenseId,
      at,
    })];
  }
  if (!over && state.over && belop !== null) {
    return [budgetEvent("budget.back_within", { belop, spent, at })];
  }
  return [];
}

/** The state after `events`, to decide on what they lead to. */
function after(state: BudgetState, events: BudgetEvent[]): BudgetState {
  return events.reduce(budgetDecider.evolve, state);
}

function create(command: Cmd<"create">, state: BudgetState): BudgetEvent[] {
  const belop = amount(command.belop, "Beløp");
  if (state.belop !== null) {
    throw new DomainError(
      BudgetErrorCode.ALREADY_EXISTS,
      "A budget for this bedrift, category and period exists; change it with PATCH",
    );
  }
  const events = [
    ...open(command, state, command.at),
    budgetEvent("budget.created", { belop, at: command.at }),
  ];
  return [
    ...events,
    ...crossing(after(state, events), belop, state.spent, null, command.at),
  ];
}

function change(command: Cmd<"change">, state: BudgetState): BudgetEvent[] {
  if (state.belop === null) throw new NotFoundError("Budget does not exist");
  const belop = amount(command.belop, "Beløp");
  if (belop === state.belop) return [];
  return [
    budgetEvent("budget.changed", {
      belop,
      previous: state.belop,
      at: command.at,
    }),
    ...crossing(state, belop, state.spent, null, command.at),
  ];
}

function expense(
  command: Cmd<"record_expense" | "remove_expense">,
  state: BudgetState,
): BudgetEvent[] {
  // Commands come in feed order: one from a position already seen is a
  // re-delivery of the process manager (after a restart) and changes nothing.
  if (command.position <= state.lastPosition) return [];
  const value = amount(command.amount, "Amount");
  const opened = open(command, state, command.at);
  const base = after(state, opened);
  const spent = command.type === "record_expense"
    ? new Decimal(base.spent).plus(value)
    : new Decimal(base.spent).minus(value);
  const data = {
    expenseId: command.expenseId,
    amount: value,
    spent: spent.toFixed(2),
    position: command.position,
    at: command.at,
  };
  return [
    ...opened,
    command.type === "record_expense"
      ? budgetEvent("budget.expense_recorded", data)
      : budgetEvent("budget.expense_removed", data),
    ...crossing(
      base,
      base.belop,
      data.spent,
      command.type === "record_expense" ? command.expenseId : null,
      command.at,
    ),
  ];
}

/**
 * Budget per bedrift, category and period: its amount, and the approved
 * expenses the budget process manager records into it, each once (the
 * feed-position fence). Crossing the budget raises `budget.exceeded` once;
 * falling back under it re-arms it.
 */
export const budgetDecider: Decider<BudgetCommand, BudgetEvent, BudgetState> = {
  initialState: {
    opened: false,
    bedriftId: "",
    kategori: ExpenseKategori.ANNET,
    periode: "",
    belop: null,
    spent: "0.00",
    expenses: 0,
    over: false,
    exceededCount: 0,
    lastPosition: 0,
    createdAt: null,
    updatedAt: null,
  },

  decide(command, state) {
    switch (command.type) {
      case "create":
        return create(command, state);
      case "change":
        return change(command, state);
      case "record_expense":
      case "remove_expense":
        return expense(command, state);
      default:
        throw new TypeError(
          `Unknown budget command ${(command as { type: string }).type}`,
        );
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case "budget.opened":
        return {
          ...state,
          opened: true,
          bedriftId: event.data.bedriftId,
          kategori: event.data.kategori,
          periode: event.data.periode,
          updatedAt: event.data.at,
        };
      case "budget.created":
        return {
          ...state,
          belop: event.data.belop,
          createdAt: event.data.at,
          updatedAt: event.data.at,
        };
      case "budget.changed":
        return { ...state, belop: event.data.belop, updatedAt: event.data.at };
      case "budget.expense_recorded":
      case "budget.expense_removed":
        return {
          ...state,
          spent: event.data.spent,
          expenses: state.expenses +
            (event.type === "budget.expense_recorded" ? 1 : -1),
          lastPosition: event.data.position,
          updatedAt: event.data.at,
        };
      case "budget.exceeded":
        return {
          ...state,
          over: true,
          exceededCount: state.exceededCount + 1,
          updatedAt: event.data.at,
        };
      case "budget.back_within":
        return { ...state, over: false, updatedAt: event.data.at };
      default:
        return state;
    }
  },
};

/** The budget actor: tenant-scoped by its bedrift. */
export const budgetActor: ActorDefinition<
  BudgetCommand,
  BudgetEvent,
  BudgetState
> = {
  type: BUDGET,
  decider: budgetDecider,
  tenantOf: (state, command) =>
    state.opened
      ? state.bedriftId
      : command && "bedriftId" in command
      ? command.bedriftId
      : undefined,
};
