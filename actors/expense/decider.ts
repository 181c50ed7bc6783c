import { Decimal } from "../../deps.ts";
import { DomainError, NotFoundError } from "../../runtime/core/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import { isMoney, lineAmounts, MVA_RATES } from "../invoice/mod.ts";
import type { MvaRate } from "../invoice/mod.ts";
import {
  isOrganisasjonsnummer,
  isPlainDate,
  osloDay,
} from "../validators/mod.ts";
import { expenseEvent } from "./events.ts";
import type { ExpenseEvent } from "./events.ts";
import {
  EXPENSE,
  ExpenseErrorCode,
  ExpenseKategori,
  ExpenseStatus,
  KATEGORI_KONTO,
} from "./types.ts";
import type {
  Approval,
  ExpenseCommand,
  ExpenseState,
  ExpenseStatus as Status,
} from "./types.ts";

type Cmd<T extends ExpenseCommand["type"]> = Extract<
  ExpenseCommand,
  { type: T }
>;

function invalid(code: string, message: string): DomainError {
  return new DomainError(code, message, { status: 422 });
}

function requireExisting(state: ExpenseState): Status {
  if (state.status === null) throw new NotFoundError("Expense does not exist");
  return state.status;
}

function register(command: Cmd<"register">, state: ExpenseState) {
  if (state.status !== null) {
    throw new DomainError(
      ExpenseErrorCode.ALREADY_REGISTERED,
      "Expense already exists",
    );
  }
  const navn = command.leverandor.navn.trim();
  if (navn.length === 0) {
    throw invalid(
      ExpenseErrorCode.LEVERANDOR_NAVN_REQUIRED,
      "Leverandør navn must not be empty",
    );
  }
  const orgnr = command.leverandor.organisasjonsnummer?.trim() || null;
  if (orgnr !== null && !isOrganisasjonsnummer(orgnr)) {
    throw invalid(
      ExpenseErrorCode.INVALID_LEVERANDOR_ORGANISASJONSNUMMER,
      "Leverandør organisasjonsnummer must be 9 digits with a valid MOD11 check digit",
    );
  }
  if (!isPlainDate(command.dato)) {
    throw invalid(ExpenseErrorCode.INVALID_DATE, "Dato must be YYYY-MM-DD");
  }
  if (command.dato > osloDay(command.at)) {
    throw invalid(
      ExpenseErrorCode.DATO_IN_FUTURE,
      "Dato is the date of the voucher and cannot be after today",
    );
  }
  if (!isMoney(command.belop) || !new Decimal(command.belop).greaterThan(0)) {
    throw invalid(
      ExpenseErrorCode.INVALID_AMOUNT,
      "Beløp must be a positive amount excl. MVA with at most two decimals",
    );
  }
  const mvaSats = MVA_RATES.find((r) => r === command.mvaSats);
  if (mvaSats === undefined) {
    throw invalid(
      ExpenseErrorCode.INVALID_MVA_SATS,
      "MVA sats must be 25, 15, 12 or 0",
    );
  }
  if (!Object.hasOwn(ExpenseKategori, command.kategori)) {
    throw invalid(
      ExpenseErrorCode.INVALID_KATEGORI,
      `Kategori must be one of ${Object.keys(ExpenseKategori).join(", ")}`,
    );
  }
  const kategori = command.kategori as ExpenseKategori;
  const { netto, mva, brutto } = lineAmounts("1", command.belop, mvaSats);
  return [expenseEvent("expense.registered", {
    bedriftId: command.bedriftId,
    leverandor: { navn, organisasjonsnummer: orgnr },
    dato: command.dato,
    belop: netto,
    mvaSats,
    mva,
    brutto,
    kategori,
    konto: KATEGORI_KONTO[kategori],
    beskrivelse: command.beskrivelse?.trim() || null,
    registeredBy: command.by ?? null,
    at: command.at,
  })];
}

function attachReceipt(command: Cmd<"attach_receipt">, state: ExpenseState) {
  const status = requireExisting(state);
  if (state.receipt) {
    if (state.receipt.fileId === command.receipt.fileId) return [];
    throw new DomainError(
      ExpenseErrorCode.RECEIPT_EXISTS,
      "The expense already has its receipt",
    );
  }
  if (status === ExpenseStatus.AVVIST) {
    throw new DomainError(
      ExpenseErrorCode.REJECTED,
      "A rejected expense takes no receipt",
    );
  }
  return [
    expenseEvent("expense.receipt_attached", {
      ...command.receipt,
      at: command.at,
    }),
  ];
}

/**
 * What approving books. Input MVA is deductible only for an MVA-registered
 * bedrift (merverdiavgiftsloven § 8-1); otherwise the MVA is part of the cost.
 */
function approvalOf(state: ExpenseState, mvaRegistrert: boolean): Approval {
  return {
    bedriftId: state.bedriftId,
    kategori: state.kategori,
    konto: state.konto,
    dato: state.dato,
    belop: state.belop,
    mvaSats: state.mvaSats,
    mva: state.mva,
    brutto: state.brutto,
    mvaRegistrert,
    inngaendeMva: mvaRegistrert ? state.mva : "0.00",
    kostnad: mvaRegistrert ? state.belop : state.brutto,
  };
}

function approve(command: Cmd<"approve">, state: ExpenseState) {
  const status = requireExisting(state);
  if (status !== ExpenseStatus.REGISTRERT) refuse(status, "approved");
  return [expenseEvent("expense.approved", {
    ...approvalOf(state, command.mvaRegistrert),
    approvedBy: command.by ?? null,
    at: command.at,
  })];
}

function reject(command: Cmd<"reject">, state: ExpenseState) {
  const status = requireExisting(state);
  if (
    status !== ExpenseStatus.REGISTRERT && status !== ExpenseStatus.GODKJENT
  ) {
    refuse(status, "rejected");
  }
  const { by: _, at: __, ...withdrawn } = state.approval ?? {};
  return [expenseEvent("expense.rejected", {
    reason: command.reason?.trim() || null,
    rejectedBy: command.by ?? null,
    withdrawn: state.approval ? withdrawn as Approval : null,
    at: command.at,
  })];
}

function pay(command: Cmd<"pay">, state: ExpenseState) {
  const status = requireExisting(state);
  if (status !== ExpenseStatus.GODKJENT) {
    if (status === ExpenseStatus.REGISTRERT) {
      throw new DomainError(
        ExpenseErrorCode.NOT_APPROVED,
        "Approve the expense before it is paid",
      );
    }
    refuse(status, "paid");
  }
  if (!isPlainDate(command.paidOn)) {
    throw invalid(ExpenseErrorCode.INVALID_DATE, "paidOn must be YYYY-MM-DD");
  }
  return [expenseEvent("expense.paid", {
    paidOn: command.paidOn,
    amount: state.brutto,
    paidBy: command.by ?? null,
    at: command.at,
  })];
}

function refuse(status: Status, action: string): never {
  switch (status) {
    case ExpenseStatus.GODKJENT:
      throw new DomainError(
        ExpenseErrorCode.ALREADY_APPROVED,
        `The expense is approved and cannot be ${action}`,
      );
    case ExpenseStatus.BETALT:
      throw new DomainError(
        ExpenseErrorCode.ALREADY_PAID,
        `The expense is paid and cannot be ${action}`,
      );
    default:
      throw new DomainError(
        ExpenseErrorCode.REJECTED,
        `The expense is rejected and cannot be ${action}`,
      );
  }
}

/**
 * Expense (utgift): registered with its amounts, approved (booking the cost
 * and, for an MVA-registered bedrift, the deductible input MVA), paid, or
 * rejected — also after an approval that is withdrawn, as long as it is
 * not paid.
 */
export const expenseDecider: Decider<
  ExpenseCommand,
  ExpenseEvent,
  ExpenseState
> = {
  initialState: {
    status: null,
    bedriftId: "",
    leverandor: { navn: "", organisasjonsnummer: null },
    dato: "",
    belop: "0.00",
    mvaSats: 25 as MvaRate,
    mva: "0.00",
    brutto: "0.00",
    kategori: ExpenseKategori.ANNET,
    konto: KATEGORI_KONTO.ANNET,
    beskrivelse: null,
    receipt: null,
    approval: null,
    paid: null,
    rejected: null,
    createdAt: null,
    updatedAt: null,
  },

  decide(command, state) {
    switch (command.type) {
      case "register":
        return register(command, state);
      case "attach_receipt":
        return attachReceipt(command, state);
      case "approve":
        return approve(command, state);
      case "reject":
        return reject(command, state);
      case "pay":
        return pay(command, state);
      default:
        throw new TypeError(
          `Unknown expense command ${(command as { type: string }).type}`,
        );
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case "expense.registered": {
        const { registeredBy: _, at, ...d } = event.data;
        return {
          ...state,
          ...d,
          status: ExpenseStatus.REGISTRERT,
          createdAt: at,
          updatedAt: at,
        };
      }
      case "expense.receipt_attached":
        return { ...state, receipt: event.data, updatedAt: event.data.at };
      case "expense.approved": {
        const { approvedBy, ...approval } = event.data;
        return {
          ...state,
          status: ExpenseStatus.GODKJENT,
          approval: { ...approval, by: approvedBy },
          updatedAt: approval.at,
        };
      }
      case "expense.rejected":
        return {
          ...state,
          status: ExpenseStatus.AVVIST,
          rejected: {
            reason: event.data.reason,
            by: event.data.rejectedBy,
            at: event.data.at,
          },
          updatedAt: event.data.at,
        };
      case "expense.paid":
        return {
          ...state,
          status: ExpenseStatus.BETALT,
          paid: {
            paidOn: event.data.paidOn,
            by: event.data.paidBy,
            at: event.data.at,
          },
          updatedAt: event.data.at,
        };
      default:
        return state;
    }
  },
};

/** The expense actor: tenant-scoped by its bedrift. */
export const expenseActor: ActorDefinition<
  ExpenseCommand,
  ExpenseEvent,
  ExpenseState
> = {
  type: EXPENSE,
  decider: expenseDecider,
  tenantOf: (state, command) =>
    state.status !== null
      ? state.bedriftId
      : command?.type === "register"
      ? command.bedriftId
      : undefined,
};
