/**
 * @module kontroll
 *
 * Kontroll — a vehicle safety check (sikkerhetskontroll) run for one vehicle
 * by one instructor, optionally with one learner, from a copy of a template's
 * check points: OPPRETTET → UNDER_ARBEID (results point by point, photos in
 * the file store) → BESTATT, or IKKE_BESTATT with the avvik listed; a
 * completed kontroll is immutable. The `kontroller` read model (points in
 * `kontroll_points`, counts kept as they change) and its queries.
 */
export {
  AvvikReason,
  KONTROLL,
  KontrollErrorCode,
  KontrollStatus,
  ParticipantRole,
  PhotoLimits,
} from "./types.ts";
export type {
  AttachedPhoto,
  Avvik,
  Kontroll,
  KontrollCommand,
  KontrollPoint,
  KontrollState,
  Participant,
  PhotoMetadata,
  PointResult,
  PointValue,
} from "./types.ts";
export {
  KONTROLL_EVENT_TYPES,
  kontrollEvent,
  KontrollEventVersions,
} from "./events.ts";
export type {
  KontrollCompleted,
  KontrollCreated,
  KontrollEvent,
  KontrollFailed,
  KontrollPhotoAttached,
  KontrollPointRecorded,
} from "./events.ts";
export { isCompleted, kontrollActor, kontrollDecider } from "./decider.ts";
export {
  KONTROLL_COLUMNS,
  KONTROLL_POINTS_TABLE,
  KONTROLLER_PROJECTION,
  kontrollerProjection,
} from "./projection.ts";
export type { KontrollPointProgress, KontrollRow } from "./projection.ts";
export { listKontroller } from "./queries.ts";
export type { KontrollFilter, KontrollListItem } from "./queries.ts";
export { createKontroll } from "./create_kontroll.ts";
export type { CreateKontrollInput } from "./create_kontroll.ts";
export { attachPhoto } from "./attach_photo.ts";
export type { AttachPhotoInput } from "./attach_photo.ts";
