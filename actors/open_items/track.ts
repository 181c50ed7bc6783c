import type { ActorClient } from "../../runtime/actor/mod.ts";
import type { SignalOptions } from "../../runtime/core/mod.ts";
import {
  OPEN_ITEMS,
  OPEN_ITEMS_INDEX,
  OPEN_ITEMS_INDEX_ID,
  OpenItemKind,
} from "./decider.ts";
import type { OpenItemsState } from "./decider.ts";

/**
 * Tracks an item of a bedrift for the daily jobs: the bedrift in the index
 * first, then the item in the bedrift's registry. Idempotent; a repeat writes
 * nothing.
 */
export async function trackOpenItem(
  system: ActorClient,
  bedriftId: string,
  kind: "invoice" | "employee",
  itemId: string,
  at: string,
  options: SignalOptions = {},
): Promise<void> {
  await system.ask(OPEN_ITEMS_INDEX, OPEN_ITEMS_INDEX_ID, {
    type: "track",
    kind: OpenItemKind.bedrift,
    itemId: bedriftId,
    at,
  }, { signal: options.signal });
  await system.ask(OPEN_ITEMS, bedriftId, {
    type: "track",
    kind,
    itemId,
    at,
  }, { signal: options.signal });
}

/** Untracks an item of a bedrift. Idempotent. */
export async function untrackOpenItem(
  system: ActorClient,
  bedriftId: string,
  kind: "invoice" | "employee",
  itemId: string,
  at: string,
  options: SignalOptions = {},
): Promise<void> {
  await system.ask(OPEN_ITEMS, bedriftId, {
    type: "untrack",
    kind,
    itemId,
    at,
  }, { signal: options.signal });
}

/** The bedrifter that have a registry. */
export async function trackedBedrifter(
  system: ActorClient,
  options: SignalOptions = {},
): Promise<string[]> {
  const { state } = await system.read<OpenItemsState>(
    OPEN_ITEMS_INDEX,
    OPEN_ITEMS_INDEX_ID,
    options,
  );
  return Object.keys(state.bedrift);
}

/** The tracked items of one kind in one bedrift's registry. */
export async function trackedItems(
  system: ActorClient,
  bedriftId: string,
  kind: "invoice" | "employee",
  options: SignalOptions = {},
): Promise<string[]> {
  const { state } = await system.read<OpenItemsState>(
    OPEN_ITEMS,
    bedriftId,
    options,
  );
  return Object.keys(state[kind]);
}
