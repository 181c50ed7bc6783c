import { DomainError } from "../../runtime/core/mod.ts";
import { employeeEvent } from "./events.ts";
import type { EmployeeEvent } from "./events.ts";
import { EmployeeErrorCode as E } from "./types.ts";
import type { Employee, EmployeeCommand } from "./types.ts";
import { date } from "./profile.ts";
import { instantMs } from "./time.ts";
import {
  AbsenceKind,
  MAX_SHIFT_MS,
  type OpenShift,
  ShiftFlag,
} from "./types.ts";

type Cmd<T extends EmployeeCommand["type"]> = Extract<
  EmployeeCommand,
  { type: T }
>;

export function clockIn(
  command: Cmd<"clock_in">,
  state: Employee,
): EmployeeEvent[] {
  if (typeof command.shiftId !== "string" || command.shiftId === "") {
    throw new TypeError("clock_in needs a shiftId");
  }
  const at = instantMs(command.at);
  if (state.openShift !== null) {
    throw new DomainError(
      E.ALREADY_CLOCKED_IN,
      `Already clocked in since ${state.openShift.clockedInAt}`,
    );
  }
  if (
    state.lastClockedOutAt !== null && at < instantMs(state.lastClockedOutAt)
  ) {
    throw new DomainError(
      E.SHIFT_OVERLAP,
      `A shift cannot start before the previous one ended (${state.lastClockedOutAt})`,
    );
  }
  return [
    employeeEvent("employee.clocked_in", {
      shiftId: command.shiftId,
      clockedInAt: command.at,
    }),
  ];
}

export function clockOut(
  command: Cmd<"clock_out">,
  state: Employee,
): EmployeeEvent[] {
  const at = instantMs(command.at);
  if (state.openShift === null) {
    throw new DomainError(E.NOT_CLOCKED_IN, "Not clocked in");
  }
  if (at <= instantMs(state.openShift.clockedInAt)) {
    throw new DomainError(
      E.CLOCK_OUT_BEFORE_CLOCK_IN,
      `Clock-out must be after the clock-in at ${state.openShift.clockedInAt}`,
      { status: 422 },
    );
  }
  return [clockedOut(state.openShift, command.at, [])];
}

export function closeOpenShift(
  command: Cmd<"close_open_shift">,
  state: Employee,
): EmployeeEvent[] {
  instantMs(command.at);
  const cutoff = instantMs(command.cutoff, "cutoff");
  const shift = state.openShift;
  if (shift === null || instantMs(shift.clockedInAt) >= cutoff) return [];
  return [clockedOut(shift, command.cutoff, [ShiftFlag.AUTO_CLOSED])];
}

function clockedOut(
  shift: OpenShift,
  clockedOutAt: string,
  flags: ShiftFlag[],
): EmployeeEvent {
  const ms = instantMs(clockedOutAt) - instantMs(shift.clockedInAt);
  return employeeEvent("employee.clocked_out", {
    shiftId: shift.shiftId,
    clockedInAt: shift.clockedInAt,
    clockedOutAt,
    durationMinutes: Math.floor(ms / 60_000),
    flags: ms > MAX_SHIFT_MS ? [...flags, ShiftFlag.OVER_13_HOURS] : flags,
  });
}

export function registerAbsence(
  command: Cmd<"register_absence">,
  state: Employee,
): EmployeeEvent[] {
  if (typeof command.absenceId !== "string" || command.absenceId === "") {
    throw new TypeError("register_absence needs an absenceId");
  }
  if (
    typeof command.kind !== "string" ||
    !Object.hasOwn(AbsenceKind, command.kind)
  ) {
    throw new DomainError(
      E.INVALID_ABSENCE_KIND,
      `Absence kind must be one of ${Object.values(AbsenceKind).join(", ")}`,
      { status: 422 },
    );
  }
  const fromDate = date(command.fromDate);
  const toDate = date(command.toDate);
  if (toDate < fromDate) {
    throw new DomainError(
      E.INVALID_DATE_RANGE,
      `Absence ends (${toDate}) before it starts (${fromDate})`,
      { status: 422 },
    );
  }
  if (state.absences.some((a) => a.absenceId === command.absenceId)) {
    throw new DomainError(
      E.ABSENCE_EXISTS,
      `Absence ${command.absenceId} is already registered`,
    );
  }
  const clash = state.absences.find((a) =>
    a.fromDate <= toDate && fromDate <= a.toDate
  );
  if (clash) {
    throw new DomainError(
      E.ABSENCE_OVERLAP,
      `Overlaps ${clash.kind} ${clash.fromDate}–${clash.toDate}`,
    );
  }
  return [employeeEvent("employee.absence_registered", {
    absenceId: command.absenceId,
    kind: command.kind,
    fromDate,
    toDate,
    note: command.note?.trim() || null,
    registeredAt: command.at,
  })];
}
