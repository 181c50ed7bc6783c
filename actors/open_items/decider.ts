import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";
import { openItemsEvent } from "./events.ts";
import type { OpenItemsEvent } from "./events.ts";

/**
 * Durable registries of what the daily jobs must visit, so no job scans every
 * actor: `open_items/<bedriftId>` holds the bedrift's invoices that may need a
 * reminder and its employees who may have a shift open; `open_items_index/all`
 * holds the bedrifter that have a registry. Items are tracked before the
 * command that opens them (so none is missed) and untracked by the job once
 * their aggregate shows them closed.
 */
export const OpenItemKind = {
  invoice: "invoice",
  employee: "employee",
  bedrift: "bedrift",
} as const;
export type OpenItemKind = typeof OpenItemKind[keyof typeof OpenItemKind];

export type OpenItemsCommand = {
  type: "track" | "untrack";
  kind: OpenItemKind;
  itemId: string;
  at: string;
};

/** Tracked item ids by kind, each with the time it was tracked. */
export type OpenItemsState = Record<OpenItemKind, Record<string, string>>;

export const openItemsDecider: Decider<
  OpenItemsCommand,
  OpenItemsEvent,
  OpenItemsState
> = {
  initialState: { invoice: {}, employee: {}, bedrift: {} },
  decide(command, state) {
    if (!Object.hasOwn(OpenItemKind, command.kind)) {
      throw new TypeError(`Unknown open item kind ${command.kind}`);
    }
    if (typeof command.itemId !== "string" || command.itemId === "") {
      throw new TypeError("An open item needs an itemId");
    }
    const tracked = Object.hasOwn(state[command.kind], command.itemId);
    if (command.type === "track" ? tracked : !tracked) return [];
    return [
      openItemsEvent(
        command.type === "track"
          ? "open_items.tracked"
          : "open_items.untracked",
        { kind: command.kind, itemId: command.itemId, at: command.at },
      ),
    ];
  },
  evolve(state, event) {
    const { kind, itemId, at } = event.data;
    const { [itemId]: _, ...rest } = state[kind];
    return {
      ...state,
      [kind]: event.type === "open_items.tracked"
        ? { ...state[kind], [itemId]: at }
        : rest,
    };
  },
};

export const OPEN_ITEMS = "open_items";
export const OPEN_ITEMS_INDEX = "open_items_index";
/** The id of the one index actor. */
export const OPEN_ITEMS_INDEX_ID = "all";

export const openItemsActors: ActorDefinition<
  OpenItemsCommand,
  OpenItemsEvent,
  OpenItemsState
>[] = [OPEN_ITEMS, OPEN_ITEMS_INDEX].map((type) => ({
  type,
  decider: openItemsDecider,
  stateVersion: 1,
}));
