import { EMPLOYEE } from "./types.ts";
import { NotFoundError } from "../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import { DomainError } from "../../runtime/core/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";
import { employeeEvent } from "./events.ts";
import type { EmployeeEvent, EmployeeUpdated } from "./events.ts";
import { EmployeeErrorCode as E } from "./types.ts";
import type { Employee, EmployeeCommand, EmployeeState } from "./types.ts";
import {
  assertDateRange,
  date,
  validAnsattnummer,
  validProfileFields,
  validRole,
} from "./profile.ts";
import { instantMs } from "./time.ts";
import {
  clockIn,
  clockOut,
  closeOpenShift,
  registerAbsence,
} from "./time_recording.ts";
import { type EmployeeProfile, EmployeeStatus } from "./types.ts";

type Cmd<T extends EmployeeCommand["type"]> = Extract<
  EmployeeCommand,
  { type: T }
>;

const PROFILE_KEYS = [
  "fornavn",
  "etternavn",
  "epost",
  "telefon",
  "licenceClasses",
  "stillingsprosent",
  "startDate",
  "endDate",
  "fodselsnummer",
] as const satisfies readonly (keyof EmployeeProfile)[];

/** The fields that hold personal data: refused once the person is erased. */
const PERSONAL_KEYS = [
  "fornavn",
  "etternavn",
  "epost",
  "telefon",
  "fodselsnummer",
] as const satisfies readonly (keyof EmployeeProfile)[];

function decide(command: EmployeeCommand, state: EmployeeState) {
  if (command.type === "hire") return hire(command, state);
  if (state === null) {
    throw new NotFoundError("The employee does not exist", {
      code: E.NOT_FOUND,
    });
  }
  if (command.type === "erase_personal_data") {
    instantMs(command.at);
    if (state.erasedAt !== null) return [];
    return [
      employeeEvent("employee.personal_data_erased", { erasedAt: command.at }),
    ];
  }
  if (state.erasedAt !== null && recordsPersonalData(command)) {
    throw new DomainError(
      E.ERASED,
      `The personal data of employee ${state.id} was erased; none is recorded again`,
    );
  }
  if (state.status === EmployeeStatus.TERMINATED) {
    throw new DomainError(
      E.TERMINATED,
      `Employee ${state.id} is terminated and accepts no commands`,
    );
  }
  switch (command.type) {
    case "update":
      return update(command, state);
    case "change_role":
      return changeRole(command, state);
    case "terminate":
      return terminate(command, state);
    case "clock_in":
      return clockIn(command, state);
    case "clock_out":
      return clockOut(command, state);
    case "close_open_shift":
      return closeOpenShift(command, state);
    case "register_absence":
      return registerAbsence(command, state);
    default:
      throw new TypeError(
        `Unknown employee command ${(command as { type: string }).type}`,
      );
  }
}

/** True when the command would write personal data (a profile field, a note). */
function recordsPersonalData(command: EmployeeCommand): boolean {
  switch (command.type) {
    case "update":
      return PERSONAL_KEYS.some((key) => command[key] !== undefined);
    case "terminate":
      return !!command.reason?.trim();
    case "register_absence":
      return !!command.note?.trim();
    default:
      return false;
  }
}

function hire(command: Cmd<"hire">, state: EmployeeState): EmployeeEvent[] {
  if (state !== null) {
    throw new DomainError(E.ALREADY_HIRED, `Employee ${state.id} exists`);
  }
  instantMs(command.at);
  const ansattnummer = validAnsattnummer(command.ansattnummer);
  const role = validRole(command.role);
  const p = validProfileFields({
    fornavn: command.fornavn,
    etternavn: command.etternavn,
    epost: command.epost,
    telefon: command.telefon ?? null,
    licenceClasses: command.licenceClasses ?? [],
    stillingsprosent: command.stillingsprosent,
    startDate: command.startDate,
    endDate: command.endDate ?? null,
    fodselsnummer: command.fodselsnummer ?? null,
  }) as EmployeeProfile;
  assertDateRange(p.startDate, p.endDate);
  return [employeeEvent("employee.hired", {
    id: command.id,
    bedriftId: command.bedriftId,
    ansattnummer,
    fornavn: p.fornavn,
    etternavn: p.etternavn,
    epost: p.epost,
    telefon: p.telefon,
    role,
    licenceClasses: p.licenceClasses,
    stillingsprosent: p.stillingsprosent,
    startDate: p.startDate,
    endDate: p.endDate,
    fodselsnummer: p.fodselsnummer,
    hiredAt: command.at,
  })];
}

function update(command: Cmd<"update">, state: Employee): EmployeeEvent[] {
  instantMs(command.at);
  const input: Partial<EmployeeProfile> = {};
  for (const key of PROFILE_KEYS) {
    if (command[key] !== undefined) {
      (input as Record<string, unknown>)[key] = command[key];
    }
  }
  const fields = validProfileFields(input);
  assertDateRange(
    fields.startDate ?? state.startDate,
    fields.endDate !== undefined ? fields.endDate : state.endDate,
  );
  const data: EmployeeUpdated["data"] = { updatedAt: command.at };
  let changed = false;
  for (const key of PROFILE_KEYS) {
    if (!(key in fields)) continue;
    if (JSON.stringify(fields[key]) === JSON.stringify(state[key])) continue;
    (data as Record<string, unknown>)[key] = fields[key];
    changed = true;
  }
  return changed ? [employeeEvent("employee.updated", data)] : [];
}

function changeRole(
  command: Cmd<"change_role">,
  state: Employee,
): EmployeeEvent[] {
  instantMs(command.at);
  const role = validRole(command.role);
  if (role === state.role) return [];
  return [
    employeeEvent("employee.role_changed", {
      from: state.role,
      to: role,
      changedAt: command.at,
    }),
  ];
}

function terminate(
  command: Cmd<"terminate">,
  state: Employee,
): EmployeeEvent[] {
  instantMs(command.at);
  const endDate = date(command.endDate);
  assertDateRange(state.startDate, endDate);
  if (state.openShift !== null) {
    throw new DomainError(
      E.SHIFT_OPEN,
      `Clock out the shift started ${state.openShift.clockedInAt} first`,
    );
  }
  return [employeeEvent("employee.terminated", {
    endDate,
    reason: command.reason?.trim() || null,
    terminatedAt: command.at,
  })];
}

function evolve(state: EmployeeState, event: EmployeeEvent): EmployeeState {
  switch (event.type) {
    case "employee.hired": {
      const { hiredAt, ...data } = event.data;
      return {
        ...data,
        status: EmployeeStatus.ACTIVE,
        openShift: null,
        lastClockedOutAt: null,
        absences: [],
        hiredAt,
        terminatedAt: null,
        terminationReason: null,
        erasedAt: null,
      };
    }
    case "employee.updated": {
      const { updatedAt: _, ...changes } = event.data;
      return { ...state!, ...changes };
    }
    case "employee.role_changed":
      return { ...state!, role: event.data.to };
    case "employee.clocked_in":
      return { ...state!, openShift: event.data };
    case "employee.clocked_out":
      return {
        ...state!,
        openShift: null,
        lastClockedOutAt: event.data.clockedOutAt,
      };
    case "employee.absence_registered":
      return { ...state!, absences: [...state!.absences, event.data] };
    case "employee.terminated":
      return {
        ...state!,
        status: EmployeeStatus.TERMINATED,
        endDate: event.data.endDate,
        terminatedAt: event.data.terminatedAt,
        terminationReason: event.data.reason,
      };
    case "employee.personal_data_erased":
      // Once per employee, so the pass over the absences stays off the
      // hot path.
      return {
        ...state!,
        fornavn: null,
        etternavn: null,
        epost: null,
        telefon: null,
        fodselsnummer: null,
        absences: state!.absences.map((a) =>
          a.note === null ? a : { ...a, note: null }
        ),
        terminationReason: null,
        erasedAt: event.data.erasedAt,
      };
    default:
      return state;
  }
}

/**
 * The employee (ansatt) aggregate: profile, role, time recording and absence.
 *
 * @example
 * ```ts
 * const [hired] = employeeDecider.decide({
 *   type: "hire", id: "e1", bedriftId: "b1", ansattnummer: "1001",
 *   fornavn: "Kari", etternavn: "Nordmann", epost: "kari@example.no",
 *   role: "TRAFIKKLARER", stillingsprosent: 100, startDate: "2025-01-06",
 *   at: "2025-01-02T09:00:00Z",
 * }, null);
 * const state = employeeDecider.evolve(null, hired);
 * employeeDecider.decide(
 *   { type: "clock_in", shiftId: "s1", at: "2025-01-06T07:00:00Z" },
 *   state,
 * ); // [{ type: "employee.clocked_in", ... }]
 * ```
 */
export const employeeDecider: Decider<
  EmployeeCommand,
  EmployeeEvent,
  EmployeeState
> = { initialState: null, decide, evolve };

/** Actor type `employee`: one employee of one bedrift. */
export const employeeActor: ActorDefinition<
  EmployeeCommand,
  EmployeeEvent,
  EmployeeState
> = {
  type: EMPLOYEE,
  decider: employeeDecider,
  // 2: erasedAt; personal fields may be null.
  stateVersion: 2,
  tenantOf: (state, command) =>
    state?.bedriftId ??
      (command?.type === "hire" ? command.bedriftId : undefined),
};
