import type { LicenceClass } from "../validators/mod.ts";

/** Actor type of an employee. */
export const EMPLOYEE = "employee";

/** What an employee may do in their bedrift. */
export const EmployeeRole = {
  HOVEDBRUKER: "HOVEDBRUKER",
  TRAFIKKLARER: "TRAFIKKLARER",
  ADMIN: "ADMIN",
  OKONOMI: "OKONOMI",
} as const;
export type EmployeeRole = (typeof EmployeeRole)[keyof typeof EmployeeRole];

/** Kinds of registered absence (fravær). */
export const AbsenceKind = {
  EGENMELDING: "EGENMELDING",
  SYKMELDING: "SYKMELDING",
  FERIE: "FERIE",
  PERMISJON: "PERMISJON",
} as const;
export type AbsenceKind = (typeof AbsenceKind)[keyof typeof AbsenceKind];

/** Lifecycle of an employee. `TERMINATED` is terminal. */
export const EmployeeStatus = {
  ACTIVE: "ACTIVE",
  TERMINATED: "TERMINATED",
} as const;
export type EmployeeStatus =
  (typeof EmployeeStatus)[keyof typeof EmployeeStatus];

/** Marks on a finished shift that someone should look at. */
export const ShiftFlag = {
  /** Longer than {@linkcode MAX_SHIFT_MS} (13 hours, Working Environment Act). */
  OVER_13_HOURS: "OVER_13_HOURS",
  /** Closed by the nightly job, not by the employee: the end time is the cutoff. */
  AUTO_CLOSED: "AUTO_CLOSED",
} as const;
export type ShiftFlag = (typeof ShiftFlag)[keyof typeof ShiftFlag];

/** A shift longer than this is flagged (13 hours). */
export const MAX_SHIFT_MS = 13 * 60 * 60 * 1000;

/**
 * An AES-256-GCM ciphertext as the caller's key store produced it. Opaque to
 * the decider: `keyId` names the data subject's key (deleting it shreds the
 * value), `ciphertext` and `iv` are base64.
 */
export interface EncryptedValue {
  keyId: string;
  ciphertext: string;
  iv: string;
}

/**
 * A fødselsnummer as the employee aggregate holds it: encrypted by the caller
 * with the person's key before the command is built (the decider never sees
 * the plain number), plus the display mask from `maskFodselsnummer`
 * (`ddmmyy*****`).
 */
export interface EncryptedFodselsnummer {
  encrypted: EncryptedValue;
  masked: string;
}

/** A shift that is clocked in and not yet out. */
export interface OpenShift {
  shiftId: string;
  clockedInAt: string;
}

/** A registered absence; dates are inclusive `YYYY-MM-DD`. */
export interface Absence {
  absenceId: string;
  kind: AbsenceKind;
  fromDate: string;
  toDate: string;
  note: string | null;
  registeredAt: string;
}

/** The profile fields `hire` sets and `update` may change. */
export interface EmployeeProfile {
  fornavn: string;
  etternavn: string;
  epost: string;
  /** E.164 (`+47…`), or `null`. */
  telefon: string | null;
  licenceClasses: LicenceClass[];
  /** 0–100, at most two decimals. */
  stillingsprosent: number;
  /** `YYYY-MM-DD`. */
  startDate: string;
  /** `YYYY-MM-DD`, inclusive, or `null` while open-ended. */
  endDate: string | null;
  fodselsnummer: EncryptedFodselsnummer | null;
}

/**
 * A fødselsnummer as events and state hold it: the mask is sealed in the
 * log with the person's key too (it is a birth date), so it reads `null`
 * once that key is shredded.
 */
export interface StoredFodselsnummer {
  encrypted: EncryptedValue;
  masked: string | null;
}

/**
 * The profile as events and state hold it. The personal fields (names,
 * e-mail, phone, fødselsnummer) are sealed in the log with the employee's
 * key and read `null` once the person's data is erased (the key shredded,
 * or after `employee.personal_data_erased`).
 */
export interface StoredProfile extends
  Omit<
    EmployeeProfile,
    "fornavn" | "etternavn" | "epost" | "fodselsnummer"
  > {
  fornavn: string | null;
  etternavn: string | null;
  epost: string | null;
  fodselsnummer: StoredFodselsnummer | null;
}

/** Stable error codes of the `employee` aggregate. */
export const EmployeeErrorCode = {
  ALREADY_HIRED: "employee.already_hired",
  BEDRIFT_NOT_ACTIVE: "employee.bedrift_not_active",
  UNKNOWN_BEDRIFT: "employee.unknown_bedrift",
  ANSATTNUMMER_TAKEN: "employee.ansattnummer_taken",
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
  CLOCK_TIME_IN_FUTURE: "employee.clock_time_in_future",
  CLOCK_OUT_BEFORE_CLOCK_IN: "employee.clock_out_before_clock_in",
  SHIFT_OPEN: "employee.shift_open",
  INVALID_ABSENCE_KIND: "employee.invalid_absence_kind",
  ABSENCE_EXISTS: "employee.absence_exists",
  ABSENCE_OVERLAP: "employee.absence_overlap",
  /** The person's data was erased: no new personal data is recorded. */
  ERASED: "employee.erased",
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
    /**
     * GDPR erasure: the personal fields read `null` from here on (the flow
     * shreds the key after this). Idempotent; accepted when terminated.
     */
    type: "erase_personal_data";
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

/** An employee; `null` until hired. Plain JSON. */
export interface Employee extends StoredProfile {
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
  /** When the person's data was erased (GDPR), else `null`. */
  erasedAt: string | null;
}
export type EmployeeState = Employee | null;
