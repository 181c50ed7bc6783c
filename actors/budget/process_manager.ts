/**
 * The budget process manager: follows the feed (a `Processor` of its own,
 * with its own checkpoint) and records each approved expense — and each
 * approval withdrawn — into the budget of its category for the expense's
 * month and for its year. The budget aggregate decides `budget.exceeded`.
 *
 * Exactly once, across re-delivery and restarts: the command id derives
 * from the feed position, the event and the period (a retry within the
 * actor's memory answers the first result), and the budget ignores a
 * command from a position it has passed (commands reach one budget in feed
 * order), so a batch handled again — after a crash before the checkpoint
 * moved — changes nothing.
 */
import type { ActorClient } from "../../runtime/actor/mod.ts";
import type { Commit, SignalOptions } from "../../runtime/core/mod.ts";
import type { Processor } from "../../runtime/projection/mod.ts";
import type { Approval, ExpenseEvent } from "../expense/mod.ts";
import { budgetId, periodsOf } from "./flows.ts";
import { BUDGET } from "./types.ts";
import type { BudgetCommand } from "./types.ts";

/** Name of the process manager (and of its checkpoint). */
export const BUDGET_PROCESS = "budget_exceeded";

/** The command ids of the process manager start with this. */
export const BUDGET_PROCESS_COMMAND = "pm.budget";

/** The process manager over `system` (a cluster router in distributed mode). */
export function budgetProcess(system: ActorClient): Processor {
  return {
    name: BUDGET_PROCESS,
    eventTypes: ["expense.approved", "expense.rejected"],
    async handle(commits, options) {
      for (const commit of commits) {
        await handleCommit(system, commit, options);
      }
    },
  };
}

async function handleCommit(
  system: ActorClient,
  commit: Commit,
  { signal }: SignalOptions,
): Promise<void> {
  for (const [index, event] of (commit.events as ExpenseEvent[]).entries()) {
    let approval: Approval | null = null;
    let type: "record_expense" | "remove_expense";
    if (event.type === "expense.approved") {
      approval = event.data;
      type = "record_expense";
    } else if (event.type === "expense.rejected") {
      approval = event.data.withdrawn;
      type = "remove_expense";
    } else {
      continue;
    }
    if (approval === null) continue;
    const at = new Date(commit.timestamp).toISOString();
    for (const periode of periodsOf(approval.dato)) {
      const key = {
        bedriftId: approval.bedriftId,
        kategori: approval.kategori,
        periode,
      };
      const command: BudgetCommand = {
        type,
        ...key,
        expenseId: commit.id,
        amount: approval.kostnad,
        position: commit.position,
        at,
      };
      await system.ask(BUDGET, await budgetId(key), command, {
        commandId:
          `${BUDGET_PROCESS_COMMAND}:${commit.position}:${index}:${periode}`,
        signal,
        meta: { causationId: `${commit.type}/${commit.id}@${commit.version}` },
      });
    }
  }
}
