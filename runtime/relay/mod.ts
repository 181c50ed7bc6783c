/**
 * @module relay
 *
 * Follows the feed and relays integration events (WIP).
 */
export type {
  IntegrationEvent,
  IntegrationMapper,
  PositionedIntegrationEvent,
  RelaySink,
} from "./types.ts";
