/** The events of the `employee` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type {
  DomainEvent,
  EventVersions,
  Upcaster,
} from "../../runtime/core/mod.ts";
import type {
  Absence,
  EmployeeRole,
  OpenShift,
  ShiftFlag,
  StoredProfile,
} from "./types.ts";

/**
 * v2: the personal fields (names, e-mail, phone, the fødselsnummer's mask)
 * are sealed in the log with the employee's key and read `null` once it is
 * shredded; v1 held them in clear (upcast as they are: stored events are
 * never rewritten).
 */
export type EmployeeHired = DomainEvent<
  "employee.hired",
  StoredProfile & {
    id: string;
    bedriftId: string;
    ansattnummer: string;
    role: EmployeeRole;
    hiredAt: string;
  }
>;
/** Carries only the fields that changed. v2: sealed as `employee.hired`. */
export type EmployeeUpdated = DomainEvent<
  "employee.updated",
  Partial<StoredProfile> & { updatedAt: string }
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
/** v2: the note (it may say why: health data) is sealed. */
export type EmployeeAbsenceRegistered = DomainEvent<
  "employee.absence_registered",
  Absence
>;
/** v2: the reason is sealed. */
export type EmployeeTerminated = DomainEvent<"employee.terminated", {
  endDate: string;
  reason: string | null;
  terminatedAt: string;
}>;
/**
 * GDPR erasure: from here the personal fields read `null` (the key is
 * shredded right after, so earlier events read `null` as well).
 */
export type EmployeePersonalDataErased = DomainEvent<
  "employee.personal_data_erased",
  { erasedAt: string }
>;
export type EmployeeEvent =
  | EmployeeHired
  | EmployeeUpdated
  | EmployeeRoleChanged
  | EmployeeClockedIn
  | EmployeeClockedOut
  | EmployeeAbsenceRegistered
  | EmployeeTerminated
  | EmployeePersonalDataErased;

/** Current schema version of each employee event. */
export const EmployeeEventVersions = {
  // 2: personal fields sealed in the log (see `EmployeeHired`).
  "employee.hired": 2,
  "employee.updated": 2,
  "employee.role_changed": 1,
  "employee.clocked_in": 1,
  "employee.clocked_out": 1,
  "employee.absence_registered": 2,
  "employee.terminated": 2,
  "employee.personal_data_erased": 1,
} as const satisfies EventVersions<EmployeeEvent>;

/** Every employee event type. */
export const EMPLOYEE_EVENT_TYPES = eventTypesOf(EmployeeEventVersions);

/** Builds an employee event at its current schema version. */
export const employeeEvent = eventFactory<EmployeeEvent>(EmployeeEventVersions);

/**
 * v1 → v2 of the sealed event types: the data keeps its shape (a v1 field
 * is a string in clear, which v2's `string | null` holds), so each step only
 * states that the old clear-text event reads as a current one. Such an event
 * stays in clear in the log: see the README on erasure.
 */
export const employeeUpcasters: readonly Upcaster[] = [
  "employee.hired",
  "employee.updated",
  "employee.absence_registered",
  "employee.terminated",
].map((type) => ({ type, from: 1, upcast: (data: unknown) => data }));
