import type { DomainEvent } from "../../runtime/core/mod.ts";
import type {
  Absence,
  AbsenceKind,
  EmployeeProfile,
  EmployeeRole,
  EmployeeStatus,
  EncryptedFodselsnummer,
  OpenShift,
  ShiftFlag,
} from "./types.ts";
import type { LicenceClass } from "../validators/mod.ts";

/** Stable error codes of the `employee` aggregate. */
export const EmployeeErrorCode = {
  ALREADY_HIRED: "employee.already_hired",
  NOT_FOUND: "employee.not_found",
  TERMINATED: "employee.terminated",
  INVALID_ANSATTNUMMER: "employee.invalid_ansattnummer",
  INVALID_NAME: "employee.invalid_name",
  INVALID_EPOST: "employee.invalid_epost",
  INVALID_TELEFON: "employee.invalid_telefon",
  INVALID_ROLE: "employee.invalid_role",
  INVALID_LICENCE_CLASS: "employee.invalid_licence_class",
  INVALID_STILLINGSPROSENT: "employee.invalid_stillingsprosent",
  INVALID_DATE: "employee.invalid_date",
  INVALID_DATE_RANGE: "employee.invalid_date_range",
  INVALID_FODSELSNUMMER: "employee.invalid_fodselsnummer",
  ALREADY_CLOCKED_IN: "employee.already_clocked_in",
  NOT_CLOCKED_IN: "employee.not_clocked_in",
  SHIFT_OVERLAP: "employee.shift_overlap",
  CLOCK_OUT_BEFORE_CLOCK_IN: "employee.clock_out_before_clock_in",
  SHIFT_OPEN: "employee.shift_open",
  INVALID_ABSENCE_KIND: "employee.invalid_absence_kind",
  ABSENCE_EXISTS: "employee.absence_exists",
  ABSENCE_OVERLAP: "employee.absence_overlap",
} as const;

/**
 * Commands of an employee. `at` is an ISO instant with an offset (the server's
 * clock at the edge); ids come from the caller.
 */
export type EmployeeCommand =
  | {
    type: "hire";
    id: string;
    /** The bedrift the employee belongs to; fixed for life. */
    bedriftId: string;
    /** Unique per bedrift: reserve it first (a reservation actor per value). */
    ansattnummer: string;
    fornavn: string;
    etternavn: string;
    epost: string;
    telefon?: string | null;
    role: EmployeeRole;
    licenceClasses?: LicenceClass[];
    stillingsprosent: number;
    startDate: string;
    endDate?: string | null;
    /** Already encrypted by the caller; see `EncryptedFodselsnummer`. */
    fodselsnummer?: EncryptedFodselsnummer | null;
    at: string;
  }
  | ({ type: "update"; at: string } & Partial<EmployeeProfile>)
  | { type: "change_role"; role: EmployeeRole; at: string }
  | { type: "terminate"; endDate: string; reason?: string | null; at: string }
  | { type: "clock_in"; shiftId: string; at: string }
  | { type: "clock_out"; at: string }
  | {
    /**
     * For the nightly job: closes a shift clocked in before `cutoff` (e.g. the
     * last midnight in Europe/Oslo) at `cutoff`, flagged `AUTO_CLOSED`. No
     * open shift, or one opened after `cutoff`, gives no event.
     */
    type: "close_open_shift";
    cutoff: string;
    at: string;
  }
  | {
    type: "register_absence";
    absenceId: string;
    kind: AbsenceKind;
    fromDate: string;
    toDate: string;
    note?: string | null;
    at: string;
  };

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

/** An employee; `null` until hired. Plain JSON. */
export interface Employee extends EmployeeProfile {
  id: string;
  bedriftId: string;
  ansattnummer: string;
  role: EmployeeRole;
  status: EmployeeStatus;
  openShift: OpenShift | null;
  /** End of the latest shift: a new shift may not start before it. */
  lastClockedOutAt: string | null;
  absences: Absence[];
  hiredAt: string;
  terminatedAt: string | null;
  terminationReason: string | null;
}
export type EmployeeState = Employee | null;
