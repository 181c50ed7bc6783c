import type { DomainEvent } from "../../runtime/core/mod.ts";
import type {
  AttachedPhoto,
  Avvik,
  KontrollPoint,
  KontrollStatus,
  MalReference,
  Participant,
  PhotoMetadata,
  PointResult,
  PointValue,
  Sjekkpunkt,
} from "./types.ts";

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

export type KontrollCreated = DomainEvent<"kontroll.created", {
  id: string;
  bedriftId: string;
  mal: MalReference;
  registreringsnummer: string;
  instructorId: string;
  learnerId: string | null;
  sjekkpunkter: Sjekkpunkt[];
  createdAt: string;
}>;
export type KontrollPointRecorded = DomainEvent<
  "kontroll.point_recorded",
  PointResult & { pointId: string }
>;
export type KontrollPhotoAttached = DomainEvent<
  "kontroll.photo_attached",
  AttachedPhoto & { pointId: string }
>;
/** Every required point passed: the kontroll is `BESTATT`. */
export type KontrollCompleted = DomainEvent<"kontroll.completed", {
  completedBy: string;
  completedAt: string;
}>;
/** Some required point did not pass: the kontroll is `IKKE_BESTATT`. */
export type KontrollFailed = DomainEvent<"kontroll.failed", {
  avvik: Avvik[];
  completedBy: string;
  completedAt: string;
}>;
export type KontrollEvent =
  | KontrollCreated
  | KontrollPointRecorded
  | KontrollPhotoAttached
  | KontrollCompleted
  | KontrollFailed;

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
