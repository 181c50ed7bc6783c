/** The events of the `employee` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";
import type {
  Absence,
  EmployeeProfile,
  EmployeeRole,
  OpenShift,
  ShiftFlag,
} from "./types.ts";

export type EmployeeHired = DomainEvent<
  "employee.hired",
  EmployeeProfile & {
    id: string;
    bedriftId: string;
    ansattnummer: string;
    role: EmployeeRole;
    hiredAt: string;
  }
>;
/** Carries only the fields that changed. */
export type EmployeeUpdated = DomainEvent<
  "employee.updated",
  Partial<EmployeeProfile> & { updatedAt: string }
>;
export type EmployeeRoleChanged = DomainEvent<"employee.role_changed", {
  from: EmployeeRole;
  to: EmployeeRole;
  changedAt: string;
}>;
export type EmployeeClockedIn = DomainEvent<"employee.clocked_in", OpenShift>;
export type EmployeeClockedOut = DomainEvent<"employee.clocked_out", {
  shiftId: string;
  clockedInAt: string;
  clockedOutAt: string;
  /** Whole minutes, rounded down. */
  durationMinutes: number;
  flags: ShiftFlag[];
}>;
export type EmployeeAbsenceRegistered = DomainEvent<
  "employee.absence_registered",
  Absence
>;
export type EmployeeTerminated = DomainEvent<"employee.terminated", {
  endDate: string;
  reason: string | null;
  terminatedAt: string;
}>;
export type EmployeeEvent =
  | EmployeeHired
  | EmployeeUpdated
  | EmployeeRoleChanged
  | EmployeeClockedIn
  | EmployeeClockedOut
  | EmployeeAbsenceRegistered
  | EmployeeTerminated;

/** Current schema version of each employee event. */
export const EmployeeEventVersions = {
  "employee.hired": 1,
  "employee.updated": 1,
  "employee.role_changed": 1,
  "employee.clocked_in": 1,
  "employee.clocked_out": 1,
  "employee.absence_registered": 1,
  "employee.terminated": 1,
} as const satisfies EventVersions<EmployeeEvent>;

/** Every employee event type. */
export const EMPLOYEE_EVENT_TYPES = eventTypesOf(EmployeeEventVersions);

/** Builds an employee event at its current schema version. */
export const employeeEvent = eventFactory<EmployeeEvent>(EmployeeEventVersions);
