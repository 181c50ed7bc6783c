/**
 * @module kontroll_mal
 *
 * KontrollMal — a checklist template of check points (sjekkpunkter): kind,
 * answer type, required or not, who signs off, licence class. Created, revised
 * (each revision numbered) and archived; a kontroll copies the revision it is
 * built from (`kontrollMalSnapshot`). The `kontroll_maler` read model.
 */
export {
  AnswerType,
  KONTROLL_MAL,
  KontrollMalErrorCode,
  KontrollMalStatus,
  SignOff,
  SjekkpunktKind,
} from "./types.ts";
export type {
  KontrollMal,
  KontrollMalCommand,
  KontrollMalState,
  MalReference,
  Sjekkpunkt,
} from "./types.ts";
export {
  KONTROLL_MAL_EVENT_TYPES,
  kontrollMalEvent,
  KontrollMalEventVersions,
} from "./events.ts";
export type {
  KontrollMalArchived,
  KontrollMalCreated,
  KontrollMalEvent,
  KontrollMalUpdated,
} from "./events.ts";
export {
  kontrollMalActor,
  kontrollMalDecider,
  kontrollMalSnapshot,
} from "./decider.ts";
export { normalizeSjekkpunkter } from "./sjekkpunkt.ts";
export type { SjekkpunktErrorCodes } from "./sjekkpunkt.ts";
export {
  KONTROLL_MALER_PROJECTION,
  kontrollMalerProjection,
} from "./projection.ts";
export type { KontrollMalRow } from "./projection.ts";
export { createKontrollMal } from "./create_mal.ts";
export type { CreateKontrollMalInput } from "./create_mal.ts";
