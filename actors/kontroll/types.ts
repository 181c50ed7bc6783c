import type { LicenceClass } from "../validators/mod.ts";

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

/** The role a participant acts in on one kontroll. */
export const ParticipantRole = { LAERER: "LAERER", ELEV: "ELEV" } as const;
export type ParticipantRole =
  (typeof ParticipantRole)[keyof typeof ParticipantRole];

/** Lifecycle of a kontroll. `BESTATT` and `IKKE_BESTATT` are terminal. */
export const KontrollStatus = {
  OPPRETTET: "OPPRETTET",
  UNDER_ARBEID: "UNDER_ARBEID",
  BESTATT: "BESTATT",
  IKKE_BESTATT: "IKKE_BESTATT",
} as const;
export type KontrollStatus =
  (typeof KontrollStatus)[keyof typeof KontrollStatus];

/** Lifecycle of a checklist template. An archived template is read-only. */
export const KontrollMalStatus = {
  AKTIV: "AKTIV",
  ARKIVERT: "ARKIVERT",
} as const;
export type KontrollMalStatus =
  (typeof KontrollMalStatus)[keyof typeof KontrollMalStatus];

/** Why a required check point is a deviation (avvik). */
export const AvvikReason = {
  NOT_RECORDED: "NOT_RECORDED",
  NOT_PASSED: "NOT_PASSED",
} as const;
export type AvvikReason = (typeof AvvikReason)[keyof typeof AvvikReason];

/** Limits on photo attachments (the bytes live in the object store). */
export const PhotoLimits = {
  maxBytes: 20 * 1024 * 1024,
  maxPerPoint: 10,
  contentTypes: [
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/heif",
  ],
} as const;

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

/** Who acts on a kontroll: its instructor (`LAERER`) or its learner (`ELEV`). */
export interface Participant {
  role: ParticipantRole;
  userId: string;
}

/** Metadata of an uploaded photo; the bytes are in the file store under `fileId`. */
export interface PhotoMetadata {
  fileId: string;
  contentType: string;
  /** Size in bytes. */
  size: number;
  /** Lower-case hex SHA-256 of the bytes. */
  sha256: string;
}

/** A photo attached to a check point. */
export interface AttachedPhoto extends PhotoMetadata {
  attachedBy: Participant;
  attachedAt: string;
}

/** The answer value of a check point, by answer type. */
export type PointValue = boolean | number | string;

/** The latest result recorded for a check point. */
export interface PointResult {
  value: PointValue;
  passed: boolean;
  comment: string | null;
  recordedBy: Participant;
  recordedAt: string;
}

/** A check point of a kontroll with its result and photos. */
export interface KontrollPoint extends Sjekkpunkt {
  result: PointResult | null;
  photos: AttachedPhoto[];
}

/** A required check point that did not pass. */
export interface Avvik {
  pointId: string;
  tittel: string;
  reason: AvvikReason;
  comment: string | null;
}

/** Which template (and which revision of it) a kontroll was built from. */
export interface MalReference {
  id: string;
  revision: number;
  navn: string;
}
