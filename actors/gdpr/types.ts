/** Value types, commands, state and error codes of the `gdpr` aggregate. */

/** Actor type of a data subject's GDPR record: consents and erasure. */
export const GDPR = "gdpr";

/**
 * The lawful bases of processing of GDPR article 6(1): (a) consent, (b)
 * contract, (c) legal obligation, (d) vital interests, (e) public task,
 * (f) legitimate interests.
 */
export const LegalBasis = {
  CONSENT: "CONSENT",
  CONTRACT: "CONTRACT",
  LEGAL_OBLIGATION: "LEGAL_OBLIGATION",
  VITAL_INTERESTS: "VITAL_INTERESTS",
  PUBLIC_TASK: "PUBLIC_TASK",
  LEGITIMATE_INTERESTS: "LEGITIMATE_INTERESTS",
} as const;
export type LegalBasis = (typeof LegalBasis)[keyof typeof LegalBasis];

/** Whether a consent stands or was withdrawn. */
export const ConsentStatus = {
  GRANTED: "GRANTED",
  WITHDRAWN: "WITHDRAWN",
} as const;
export type ConsentStatus = (typeof ConsentStatus)[keyof typeof ConsentStatus];

/** What kind of person a subject id names. */
export const SubjectKind = {
  EMPLOYEE: "employee",
  USER: "user",
  KUNDE: "kunde",
} as const;
export type SubjectKind = (typeof SubjectKind)[keyof typeof SubjectKind];

/** An aggregate of a person, as an erasure lists what it erased. */
export interface SubjectRecord {
  type: string;
  id: string;
}

/** One consent record: the purpose's latest is its current standing. */
export interface Consent {
  consentId: string;
  purpose: string;
  legalBasis: LegalBasis;
  status: ConsentStatus;
  /** When the person gave or withdrew it (ISO). */
  at: string;
  /** When TMS recorded it, and who did (a user id). */
  recordedAt: string;
  recordedBy: string;
}

/** What an erasure did, as `gdpr.subject_erased` records it. */
export interface Erasure {
  at: string;
  /** The user id of who erased. */
  by: string;
  /** The aggregates whose personal fields were erased. */
  records: SubjectRecord[];
  /** The key subjects shredded. */
  keySubjects: string[];
  /**
   * Events of those aggregates that hold personal data in clear in the
   * stored log (written before sealing): no reader gets it any more, but
   * the bytes stay in the log and its backups.
   */
  clearTextEvents: number;
}

/** Stable error codes of the `gdpr` aggregate and its flows. */
export const GdprErrorCode = {
  INVALID_PURPOSE: "gdpr.invalid_purpose",
  INVALID_LEGAL_BASIS: "gdpr.invalid_legal_basis",
  INVALID_STATUS: "gdpr.invalid_status",
  INVALID_TIME: "gdpr.invalid_time",
  CONSENT_IN_FUTURE: "gdpr.consent_in_future",
  NOT_GRANTED: "gdpr.consent_not_granted",
  UNKNOWN_SUBJECT: "gdpr.unknown_subject",
} as const;

export type GdprCommand =
  | ({
    type: "record_consent";
    /** The stream's id: the id the GDPR routes took. */
    subjectId: string;
    /** The subject's bedrift (its tenant), `null` for a platform user. */
    bedriftId: string | null;
    kind: SubjectKind;
  } & Consent)
  | ({
    type: "record_erasure";
    subjectId: string;
    bedriftId: string | null;
    kind: SubjectKind;
  } & Erasure);

/** A data subject's GDPR record; `null` until something was recorded. */
export interface GdprSubject {
  subjectId: string;
  kind: SubjectKind;
  bedriftId: string | null;
  /** The current standing per purpose (its latest record). */
  consents: Record<string, Consent>;
  /** Consent records so far. */
  recorded: number;
  erasure: Erasure | null;
}
export type GdprState = GdprSubject | null;
