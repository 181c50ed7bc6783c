/** The events of the `kontroll` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";
import type { MalReference, Sjekkpunkt } from "../kontroll_mal/mod.ts";
import type { AttachedPhoto, Avvik, PointResult } from "./types.ts";

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

/** Current schema version of each kontroll event. */
export const KontrollEventVersions = {
  "kontroll.created": 1,
  "kontroll.point_recorded": 1,
  "kontroll.photo_attached": 1,
  "kontroll.completed": 1,
  "kontroll.failed": 1,
} as const satisfies EventVersions<KontrollEvent>;

/** Every kontroll event type. */
export const KONTROLL_EVENT_TYPES = eventTypesOf(KontrollEventVersions);

/** Builds a kontroll event at its current schema version. */
export const kontrollEvent = eventFactory<KontrollEvent>(KontrollEventVersions);
