/** The events of the `unique` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";

export type UniqueEvent =
  | DomainEvent<"unique.reserved", { owner: string; at: string }>
  | DomainEvent<"unique.released", { owner: string; at: string }>;

/** Current schema version of each unique event. */
export const UniqueEventVersions = {
  "unique.reserved": 1,
  "unique.released": 1,
} as const satisfies EventVersions<UniqueEvent>;

/** Every unique event type. */
export const UNIQUE_EVENT_TYPES = eventTypesOf(UniqueEventVersions);

/** Builds a unique event at its current schema version. */
export const uniqueEvent = eventFactory<UniqueEvent>(UniqueEventVersions);
