/** The events of the `system` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";

/**
 * An operator's test event: appended on request so it can be followed
 * through the projections, integrations and realtime feeds.
 */
export type SystemTest = DomainEvent<"system.test", {
  /** The user who asked for it. */
  requestedBy: string;
  note: string | null;
  at: string;
}>;

export type SystemEvent = SystemTest;

/** Current schema version of each system event. */
export const SystemEventVersions = {
  "system.test": 1,
} as const satisfies EventVersions<SystemEvent>;

/** Every system event type. */
export const SYSTEM_EVENT_TYPES = eventTypesOf(SystemEventVersions);

/** Builds a system event at its current schema version. */
export const systemEvent = eventFactory<SystemEvent>(SystemEventVersions);
