/**
 * The expense flows: what a command needs from other actors is read here
 * (the bedrift: that it exists and is AKTIV, whether it is MVA-registered)
 * and handed to the pure decider; receipts go to the file store first.
 */
import { DomainError, NotFoundError } from "../../runtime/core/mod.ts";
import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import type { FileInfo, FileStore } from "../../runtime/storage/mod.ts";
import { BEDRIFT, BedriftStatus } from "../bedrift/mod.ts";
import type { BedriftState } from "../bedrift/mod.ts";
import { osloDay } from "../validators/mod.ts";
import type { ExpenseEvent } from "./events.ts";
import { EXPENSE, ExpenseErrorCode, ReceiptLimits } from "./types.ts";
import type { ExpenseCommand, ExpenseState } from "./types.ts";

type Result = AskResult<ExpenseEvent, ExpenseState>;

/** Reads the bedrift an expense belongs to: 422 when unknown, 409 unless AKTIV. */
async function activeBedrift(
  system: ActorClient,
  bedriftId: string,
  options: AskOptions,
): Promise<BedriftState> {
  const bedrift = await system.read<BedriftState>(BEDRIFT, bedriftId, {
    signal: options.signal,
    principal: options.principal,
  });
  if (bedrift.version === 0) {
    throw new DomainError(
      ExpenseErrorCode.UNKNOWN_BEDRIFT,
      "No bedrift with that id",
      { status: 422 },
    );
  }
  if (bedrift.state.status !== BedriftStatus.AKTIV) {
    throw new DomainError(
      ExpenseErrorCode.BEDRIFT_NOT_ACTIVE,
      `Bedrift is ${bedrift.state.status} and cannot book expenses`,
    );
  }
  return bedrift.state;
}

async function existing(
  system: ActorClient,
  id: string,
  options: AskOptions,
): Promise<ExpenseState> {
  const expense = await system.read<ExpenseState>(EXPENSE, id, {
    signal: options.signal,
    principal: options.principal,
  });
  if (expense.version === 0) throw new NotFoundError("Expense does not exist");
  return expense.state;
}

/** Registers an expense of an AKTIV bedrift. */
export async function registerExpense(
  system: ActorClient,
  input:
    & { id: string }
    & Omit<Extract<ExpenseCommand, { type: "register" }>, "type">,
  options: AskOptions = {},
): Promise<Result> {
  await activeBedrift(system, input.bedriftId, options);
  const { id, ...command } = input;
  return await system.ask<ExpenseEvent, ExpenseState>(
    EXPENSE,
    id,
    { type: "register", ...command },
    options,
  );
}

/**
 * Approves an expense (GODKJENT): its bedrift must be AKTIV, and whether it
 * is MVA-registered now decides whether the input MVA is deducted.
 */
export async function approveExpense(
  system: ActorClient,
  input: { id: string; by?: string | null; at: string },
  options: AskOptions = {},
): Promise<Result> {
  const expense = await existing(system, input.id, options);
  const bedrift = await activeBedrift(system, expense.bedriftId, options);
  return await system.ask<ExpenseEvent, ExpenseState>(EXPENSE, input.id, {
    type: "approve",
    mvaRegistrert: bedrift.invoiceSettings.mvaRegistrert,
    by: input.by ?? null,
    at: input.at,
  }, options);
}

/** Marks an approved expense paid, on `paidOn` (default: the day of `at` in Norway). */
export async function payExpense(
  system: ActorClient,
  input: { id: string; paidOn?: string; by?: string | null; at: string },
  options: AskOptions = {},
): Promise<Result> {
  return await system.ask<ExpenseEvent, ExpenseState>(EXPENSE, input.id, {
    type: "pay",
    paidOn: input.paidOn ?? osloDay(input.at),
    by: input.by ?? null,
    at: input.at,
  }, options);
}

/**
 * Stores a receipt (type, size and file signature checked by the file
 * store) and attaches it. When the expense refuses, the stored file is
 * deleted again unless the expense holds it after all (a retry whose first
 * attempt landed).
 */
export async function attachReceipt(
  system: ActorClient,
  files: FileStore,
  input: {
    id: string;
    fileId: string;
    contentType: string;
    data: Uint8Array | ReadableStream<Uint8Array>;
    at: string;
  },
  options: AskOptions = {},
): Promise<{ result: Result; info: FileInfo }> {
  await existing(system, input.id, options);
  const info = await files.put(input.fileId, input.data, {
    contentType: input.contentType,
    accept: ReceiptLimits.contentTypes,
    maxBytes: ReceiptLimits.maxBytes,
    signal: options.signal,
  });
  try {
    const result = await system.ask<ExpenseEvent, ExpenseState>(
      EXPENSE,
      input.id,
      {
        type: "attach_receipt",
        receipt: {
          fileId: input.fileId,
          contentType: info.contentType,
          size: info.size,
          sha256: info.sha256,
        },
        at: input.at,
      },
      options,
    );
    return { result, info };
  } catch (error) {
    const after = await system.read<ExpenseState>(EXPENSE, input.id);
    if (after.state.receipt?.fileId !== input.fileId) {
      await files.delete(input.fileId).catch(() => {});
    }
    throw error;
  }
}
