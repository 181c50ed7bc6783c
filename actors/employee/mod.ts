/**
 * @module employee
 *
 * Employee (ansatt) of one bedrift: hiring with an ansattnummer unique per
 * bedrift (`hire.ts`, through the unique-value actor), profile and role,
 * termination, time recording (clock in/out, no overlaps, > 13 h flagged,
 * absences). The fødselsnummer is encrypted per person before it reaches the
 * actor and only ever shown masked; names, e-mail, phone, the mask and free
 * texts are sealed in the log with the same key (`employee.hired` v2…), and
 * `employee.personal_data_erased` (GDPR) empties them. The `employees` and
 * `shifts` read models and their queries.
 */
export {
  AbsenceKind,
  EMPLOYEE,
  EmployeeErrorCode,
  EmployeeRole,
  EmployeeStatus,
  MAX_SHIFT_MS,
  ShiftFlag,
} from "./types.ts";
export type {
  Absence,
  Employee,
  EmployeeCommand,
  EmployeeProfile,
  EmployeeState,
  EncryptedFodselsnummer,
  EncryptedValue,
  OpenShift,
  StoredFodselsnummer,
  StoredProfile,
} from "./types.ts";
export {
  EMPLOYEE_EVENT_TYPES,
  employeeEvent,
  EmployeeEventVersions,
  employeeUpcasters,
} from "./events.ts";
export type {
  EmployeeAbsenceRegistered,
  EmployeeClockedIn,
  EmployeeClockedOut,
  EmployeeEvent,
  EmployeeHired,
  EmployeePersonalDataErased,
  EmployeeRoleChanged,
  EmployeeTerminated,
  EmployeeUpdated,
} from "./events.ts";
export { employeeActor, employeeDecider } from "./decider.ts";
export {
  ansattnummerKey,
  encryptFodselsnummer,
  hireEmployee,
  updateEmployee,
} from "./hire.ts";
export type { HireEmployeeInput, UpdateEmployeeInput } from "./hire.ts";
export {
  EMPLOYEE_COLUMNS,
  EMPLOYEES_PROJECTION,
  employeesProjection,
  SHIFTS_TABLE,
} from "./projection.ts";
export type { EmployeeRow, ShiftRow } from "./projection.ts";
export { EMPLOYEE_CURSOR, listEmployees } from "./queries.ts";
export type { EmployeeFilter, EmployeeListItem } from "./queries.ts";
export { clockInEmployee } from "./clock_in.ts";
export type { ClockInInput } from "./clock_in.ts";
