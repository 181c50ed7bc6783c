/** Value types, commands, state and error codes of the `kontroll_mal` aggregate (checklist templates). */
import type { LicenceClass } from "../validators/mod.ts";

/** Actor type of a checklist template. */
export const KONTROLL_MAL = "kontroll_mal";

/** How a check point is checked: by hand on the vehicle, or by looking. */
export const SjekkpunktKind = { FYSISK: "FYSISK", VISUELL: "VISUELL" } as const;
export type SjekkpunktKind =
  (typeof SjekkpunktKind)[keyof typeof SjekkpunktKind];

/** What a result of a check point holds. */
export const AnswerType = {
  /** `true` (passed) or `false`. */
  CHECKBOX: "CHECKBOX",
  /** A non-blank text. */
  TEXT: "TEXT",
  /** A finite number. */
  NUMBER: "NUMBER",
  /** The `fileId` of a photo already attached to the point. */
  PHOTO: "PHOTO",
} as const;
export type AnswerType = (typeof AnswerType)[keyof typeof AnswerType];

/** Who may sign a check point off: the instructor, the learner, or either. */
export const SignOff = {
  LAERER: "LAERER",
  ELEV: "ELEV",
  BEGGE: "BEGGE",
} as const;
export type SignOff = (typeof SignOff)[keyof typeof SignOff];

/** Lifecycle of a checklist template. An archived template is read-only. */
export const KontrollMalStatus = {
  AKTIV: "AKTIV",
  ARKIVERT: "ARKIVERT",
} as const;
export type KontrollMalStatus =
  (typeof KontrollMalStatus)[keyof typeof KontrollMalStatus];

/** One check point of a template, copied as-is into each kontroll. */
export interface Sjekkpunkt {
  /** Unique within its template; results refer to it. */
  id: string;
  tittel: string;
  beskrivelse: string;
  kind: SjekkpunktKind;
  answerType: AnswerType;
  required: boolean;
  signedOffBy: SignOff;
  licenceClass: LicenceClass;
}

/** Which template (and which revision of it) a kontroll was built from. */
export interface MalReference {
  id: string;
  revision: number;
  navn: string;
}

/** Stable error codes of the `kontroll_mal` aggregate. */
export const KontrollMalErrorCode = {
  ALREADY_CREATED: "kontroll_mal.already_created",
  NOT_FOUND: "kontroll_mal.not_found",
  UNKNOWN_BEDRIFT: "kontroll_mal.unknown_bedrift",
  ARCHIVED: "kontroll_mal.archived",
  INVALID_NAVN: "kontroll_mal.invalid_navn",
  NO_SJEKKPUNKTER: "kontroll_mal.no_sjekkpunkter",
  INVALID_SJEKKPUNKT: "kontroll_mal.invalid_sjekkpunkt",
  DUPLICATE_SJEKKPUNKT_ID: "kontroll_mal.duplicate_sjekkpunkt_id",
} as const;

/** Commands of a checklist template. `at` is an ISO instant from the caller. */
export type KontrollMalCommand =
  | {
    type: "create";
    id: string;
    bedriftId: string;
    navn: string;
    beskrivelse?: string;
    sjekkpunkter: Sjekkpunkt[];
    at: string;
  }
  | {
    /** Replaces the given fields; unchanged values produce no event. */
    type: "update";
    navn?: string;
    beskrivelse?: string;
    sjekkpunkter?: Sjekkpunkt[];
    at: string;
  }
  | { type: "archive"; at: string };

/** A checklist template; `null` until created. */
export interface KontrollMal {
  id: string;
  bedriftId: string;
  navn: string;
  beskrivelse: string;
  status: KontrollMalStatus;
  /** 1 at creation, +1 per update; a kontroll records the revision it used. */
  revision: number;
  sjekkpunkter: Sjekkpunkt[];
  createdAt: string;
  updatedAt: string;
}

export type KontrollMalState = KontrollMal | null;
