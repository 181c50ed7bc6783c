import type { LicenceClass } from "../validators/mod.ts";

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
