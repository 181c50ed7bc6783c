/** The events of the `kontroll_mal` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";
import type { Sjekkpunkt } from "./types.ts";

export type KontrollMalCreated = DomainEvent<"kontroll_mal.created", {
  id: string;
  bedriftId: string;
  navn: string;
  beskrivelse: string;
  sjekkpunkter: Sjekkpunkt[];
  createdAt: string;
}>;

/** Carries only the fields that changed, and the new revision. */
export type KontrollMalUpdated = DomainEvent<"kontroll_mal.updated", {
  revision: number;
  navn?: string;
  beskrivelse?: string;
  sjekkpunkter?: Sjekkpunkt[];
  updatedAt: string;
}>;

export type KontrollMalArchived = DomainEvent<"kontroll_mal.archived", {
  archivedAt: string;
}>;

export type KontrollMalEvent =
  | KontrollMalCreated
  | KontrollMalUpdated
  | KontrollMalArchived;

/** Current schema version of each kontroll_mal event. */
export const KontrollMalEventVersions = {
  "kontroll_mal.created": 1,
  "kontroll_mal.updated": 1,
  "kontroll_mal.archived": 1,
} as const satisfies EventVersions<KontrollMalEvent>;

/** Every kontroll_mal event type. */
export const KONTROLL_MAL_EVENT_TYPES = eventTypesOf(KontrollMalEventVersions);

/** Builds a kontroll_mal event at its current schema version. */
export const kontrollMalEvent = eventFactory<KontrollMalEvent>(
  KontrollMalEventVersions,
);
