/** Value types, commands, state and error codes of the `kontroll` aggregate. */
import type { MalReference, Sjekkpunkt } from "../kontroll_mal/mod.ts";

/** Actor type of a kontroll. */
export const KONTROLL = "kontroll";

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

/** Stable error codes of the `kontroll` aggregate. */
export const KontrollErrorCode = {
  ALREADY_CREATED: "kontroll.already_created",
  NOT_FOUND: "kontroll.not_found",
  COMPLETED_IMMUTABLE: "kontroll.completed_immutable",
  NOT_STARTED: "kontroll.not_started",
  INVALID_REGISTRERINGSNUMMER: "kontroll.invalid_registreringsnummer",
  NO_SJEKKPUNKTER: "kontroll.no_sjekkpunkter",
  INVALID_SJEKKPUNKT: "kontroll.invalid_sjekkpunkt",
  DUPLICATE_SJEKKPUNKT_ID: "kontroll.duplicate_sjekkpunkt_id",
  LEARNER_REQUIRED: "kontroll.learner_required",
  NOT_PARTICIPANT: "kontroll.not_participant",
  NOT_INSTRUCTOR: "kontroll.not_instructor",
  UNKNOWN_SJEKKPUNKT: "kontroll.unknown_sjekkpunkt",
  UNKNOWN_MAL: "kontroll.unknown_mal",
  INSTRUCTOR_REQUIRED: "kontroll.instructor_required",
  INVALID_UPLOAD: "kontroll.invalid_upload",
  SIGNOFF_NOT_ALLOWED: "kontroll.signoff_not_allowed",
  INVALID_VALUE: "kontroll.invalid_value",
  PHOTO_MISSING: "kontroll.photo_missing",
  INVALID_PHOTO: "kontroll.invalid_photo",
  PHOTO_ALREADY_ATTACHED: "kontroll.photo_already_attached",
  TOO_MANY_PHOTOS: "kontroll.too_many_photos",
} as const;

/** Commands of a kontroll. `at` is an ISO instant, ids come from the caller. */
export type KontrollCommand =
  | {
    type: "create";
    id: string;
    bedriftId: string;
    /** From `kontrollMalSnapshot`: the decider never reads the template. */
    mal: MalReference;
    sjekkpunkter: Sjekkpunkt[];
    registreringsnummer: string;
    instructorId: string;
    learnerId?: string | null;
    at: string;
  }
  | {
    type: "record_point";
    pointId: string;
    value: PointValue;
    /** Verdict for TEXT, NUMBER and PHOTO (default `true`); CHECKBOX uses its value. */
    passed?: boolean;
    comment?: string | null;
    by: Participant;
    at: string;
  }
  | {
    type: "attach_photo";
    pointId: string;
    photo: PhotoMetadata;
    by: Participant;
    at: string;
  }
  | { type: "complete"; by: Participant; at: string };

/** A kontroll; `null` until created. Plain JSON. */
export interface Kontroll {
  id: string;
  bedriftId: string;
  mal: MalReference;
  registreringsnummer: string;
  instructorId: string;
  learnerId: string | null;
  status: KontrollStatus;
  points: KontrollPoint[];
  avvik: Avvik[];
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  completedBy: string | null;
}

export type KontrollState = Kontroll | null;
