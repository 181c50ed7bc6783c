/**
 * The budget flows: a budget's id derives from its bedrift, category and
 * period, so one exists per key and the process manager finds it without a
 * lookup; setting one checks its bedrift first.
 */
import { derivedId, DomainError } from "../../runtime/core/mod.ts";
import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import { BEDRIFT } from "../bedrift/mod.ts";
import type { BedriftState } from "../bedrift/mod.ts";
import type { BudgetEvent } from "./events.ts";
import { BUDGET, BudgetErrorCode } from "./types.ts";
import type { BudgetKey, BudgetState } from "./types.ts";

/**
 * The id of the budget of a bedrift, category and period.
 *
 * @example
 * ```ts
 * await budgetId({ bedriftId, kategori: "DRIVSTOFF", periode: "2025-03" });
 * ```
 */
export function budgetId(key: BudgetKey): Promise<string> {
  return derivedId(BUDGET, key.bedriftId, key.kategori, key.periode);
}

/** The budget periods an expense dated `dato` counts in: its month and its year. */
export function periodsOf(dato: string): [month: string, year: string] {
  return [dato.slice(0, 7), dato.slice(0, 4)];
}

/**
 * Sets the budget of a bedrift's category in a period (409 when one is set;
 * change it instead). Its bedrift must exist (422).
 */
export async function createBudget(
  system: ActorClient,
  input: BudgetKey & { belop: string; at: string },
  options: AskOptions = {},
): Promise<AskResult<BudgetEvent, BudgetState> & { id: string }> {
  const bedrift = await system.read<BedriftState>(BEDRIFT, input.bedriftId, {
    signal: options.signal,
    principal: options.principal,
  });
  if (bedrift.version === 0) {
    throw new DomainError(
      BudgetErrorCode.UNKNOWN_BEDRIFT,
      "No bedrift with that id",
      { status: 422 },
    );
  }
  const id = await budgetId(input);
  const result = await system.ask<BudgetEvent, BudgetState>(BUDGET, id, {
    type: "create",
    ...input,
  }, options);
  return { ...result, id };
}
