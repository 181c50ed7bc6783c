export {
  OPEN_ITEMS,
  OPEN_ITEMS_INDEX,
  OPEN_ITEMS_INDEX_ID,
  OpenItemKind,
  openItemsActors,
  openItemsDecider,
} from "./decider.ts";
export type {
  OpenItemsCommand,
  OpenItemsEvent,
  OpenItemsState,
} from "./decider.ts";
export {
  trackedBedrifter,
  trackedItems,
  trackOpenItem,
  untrackOpenItem,
} from "./track.ts";
