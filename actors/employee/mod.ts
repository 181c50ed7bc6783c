export { employeeActor, employeeDecider } from "./employee_decider.ts";
export { EmployeeErrorCode } from "./employee_events.ts";
export type {
  Employee,
  EmployeeAbsenceRegistered,
  EmployeeClockedIn,
  EmployeeClockedOut,
  EmployeeCommand,
  EmployeeEvent,
  EmployeeHired,
  EmployeeRoleChanged,
  EmployeeState,
  EmployeeTerminated,
  EmployeeUpdated,
} from "./employee_events.ts";
export {
  AbsenceKind,
  EmployeeRole,
  EmployeeStatus,
  MAX_SHIFT_MS,
  ShiftFlag,
} from "./types.ts";
export type {
  Absence,
  EmployeeProfile,
  EncryptedFodselsnummer,
  EncryptedValue,
  OpenShift,
} from "./types.ts";
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
export { EMPLOYEE_CURSOR, listEmployees } from "./list_employees.ts";
export type { EmployeeFilter, EmployeeListItem } from "./list_employees.ts";
