export {
  isCompleted,
  kontrollActor,
  kontrollDecider,
} from "./kontroll_decider.ts";
export { KontrollErrorCode } from "./kontroll_events.ts";
export type {
  Kontroll,
  KontrollCommand,
  KontrollCompleted,
  KontrollCreated,
  KontrollEvent,
  KontrollFailed,
  KontrollPhotoAttached,
  KontrollPointRecorded,
  KontrollState,
} from "./kontroll_events.ts";
export {
  kontrollMalActor,
  kontrollMalDecider,
  KontrollMalErrorCode,
  kontrollMalSnapshot,
} from "./kontroll_mal_decider.ts";
export type {
  KontrollMal,
  KontrollMalArchived,
  KontrollMalCommand,
  KontrollMalCreated,
  KontrollMalEvent,
  KontrollMalState,
  KontrollMalUpdated,
} from "./kontroll_mal_decider.ts";
export {
  AnswerType,
  AvvikReason,
  KontrollMalStatus,
  KontrollStatus,
  ParticipantRole,
  PhotoLimits,
  SignOff,
  SjekkpunktKind,
} from "./types.ts";
export type {
  AttachedPhoto,
  Avvik,
  KontrollPoint,
  MalReference,
  Participant,
  PhotoMetadata,
  PointResult,
  PointValue,
  Sjekkpunkt,
} from "./types.ts";
export {
  KONTROLL_COLUMNS,
  KONTROLLER_PROJECTION,
  kontrollerProjection,
} from "./projection.ts";
export type { KontrollPointProgress, KontrollRow } from "./projection.ts";
export { KONTROLL_CURSOR, listKontroller } from "./list_kontroller.ts";
export type { KontrollFilter, KontrollListItem } from "./list_kontroller.ts";
export {
  KONTROLL_MALER_PROJECTION,
  kontrollMalerProjection,
} from "./mal_projection.ts";
export type { KontrollMalRow } from "./mal_projection.ts";
