import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import { trackOpenItem } from "../open_items/mod.ts";
import type { EmployeeEvent } from "./events.ts";
import { EMPLOYEE } from "./types.ts";
import type { EmployeeState } from "./types.ts";

export interface ClockInInput {
  id: string;
  shiftId: string;
  /** When the shift started (the body's time, or now). */
  at: string;
  /** Now: when the open shift is tracked for the nightly job. */
  trackedAt: string;
}

/**
 * Clocks an employee in. The employee is tracked in its bedrift's open-item
 * registry *before* the shift opens, so the nightly job that closes forgotten
 * shifts never misses one.
 */
export async function clockInEmployee(
  system: ActorClient,
  input: ClockInInput,
  options: AskOptions = {},
): Promise<AskResult<EmployeeEvent, EmployeeState>> {
  const { state } = await system.read<EmployeeState>(EMPLOYEE, input.id, {
    signal: options.signal,
    principal: options.principal,
  });
  if (state !== null) {
    await trackOpenItem(
      system,
      state.bedriftId,
      "employee",
      input.id,
      input.trackedAt,
      { signal: options.signal },
    );
  }
  return await system.ask<EmployeeEvent, EmployeeState>(EMPLOYEE, input.id, {
    type: "clock_in",
    shiftId: input.shiftId,
    at: input.at,
  }, options);
}
