import { DomainError } from "../../runtime/core/mod.ts";
import type { ActorClient } from "../../runtime/actor/mod.ts";
import { employeeActor, EmployeeStatus } from "../employee/mod.ts";
import type { EmployeeState } from "../employee/mod.ts";
import {
  trackedBedrifter,
  trackedItems,
  untrackOpenItem,
} from "../open_items/mod.ts";
import { osloDay, osloMidnight } from "../validators/mod.ts";
import type { JobReport } from "./invoice_reminders.ts";

/**
 * The nightly shift job: closes every shift clocked in before the last
 * midnight in Norway at that midnight, flagged `AUTO_CLOSED` (the employee
 * decider's `close_open_shift`). Visits the employees tracked when they
 * clocked in; a terminated employee is untracked. Commands carry
 * `job.close_shift:<date>:<employeeId>`, and a shift already closed gives no
 * event, so a repeated run does nothing.
 */
export async function runShiftClosingJob(
  system: ActorClient,
  options: { now?: number; signal?: AbortSignal } = {},
): Promise<JobReport & { cutoff: string }> {
  const now = options.now ?? Date.now();
  const at = new Date(now).toISOString();
  const date = osloDay(now);
  const cutoff = osloMidnight(date);
  const { signal } = options;
  const report = {
    date,
    cutoff,
    visited: 0,
    acted: 0,
    untracked: 0,
    skipped: 0,
    failed: 0,
  };
  for (const bedriftId of await trackedBedrifter(system, { signal })) {
    for (
      const employeeId of await trackedItems(system, bedriftId, "employee", {
        signal,
      })
    ) {
      signal?.throwIfAborted();
      report.visited++;
      try {
        const { state } = await system.read<EmployeeState>(
          employeeActor.type,
          employeeId,
          { signal },
        );
        if (state === null || state.status === EmployeeStatus.TERMINATED) {
          await untrackOpenItem(system, bedriftId, "employee", employeeId, at, {
            signal,
          });
          report.untracked++;
          continue;
        }
        const shift = state.openShift;
        if (
          shift === null ||
          Date.parse(shift.clockedInAt) >= Date.parse(cutoff)
        ) {
          continue;
        }
        const result = await system.ask(employeeActor.type, employeeId, {
          type: "close_open_shift",
          cutoff,
          at,
        }, { commandId: `job.close_shift:${date}:${employeeId}`, signal });
        if (!result.duplicate && result.events.length > 0) report.acted++;
      } catch (error) {
        if (error instanceof DomainError) {
          report.skipped++;
        } else {
          report.failed++;
          console.error(`Shift job: ${employeeId} failed`, error);
        }
      }
    }
  }
  return report;
}
