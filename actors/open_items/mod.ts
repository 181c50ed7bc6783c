export {
  OPEN_ITEMS,
  OPEN_ITEMS_INDEX,
  OPEN_ITEMS_INDEX_ID,
  OpenItemKind,
  openItemsActors,
  openItemsDecider,
} from "./decider.ts";
export type { OpenItemsCommand, OpenItemsState } from "./decider.ts";
export {
  trackedBedrifter,
  trackedItems,
  trackOpenItem,
  untrackOpenItem,
} from "./track.ts";
export {
  OPEN_ITEMS_EVENT_TYPES,
  openItemsEvent,
  OpenItemsEventVersions,
} from "./events.ts";
export type { OpenItemsEvent } from "./events.ts";
