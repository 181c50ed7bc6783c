/** The events of the `open_items` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";
import type { OpenItemKind } from "./decider.ts";

export type OpenItemsEvent =
  | DomainEvent<"open_items.tracked", {
    kind: OpenItemKind;
    itemId: string;
    at: string;
  }>
  | DomainEvent<"open_items.untracked", {
    kind: OpenItemKind;
    itemId: string;
    at: string;
  }>;

/** Current schema version of each open_items event. */
export const OpenItemsEventVersions = {
  "open_items.tracked": 1,
  "open_items.untracked": 1,
} as const satisfies EventVersions<OpenItemsEvent>;

/** Every open_items event type. */
export const OPEN_ITEMS_EVENT_TYPES = eventTypesOf(OpenItemsEventVersions);

/** Builds a open_items event at its current schema version. */
export const openItemsEvent = eventFactory<OpenItemsEvent>(
  OpenItemsEventVersions,
);
