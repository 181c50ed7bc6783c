export {
  uniqueActors,
  uniqueDecider,
  UniqueErrorCode,
  UniqueKinds,
} from "./decider.ts";
export type { UniqueCommand, UniqueState } from "./decider.ts";
export {
  UNIQUE_EVENT_TYPES,
  uniqueEvent,
  UniqueEventVersions,
} from "./events.ts";
export type { UniqueEvent } from "./events.ts";
export { releaseUnique, reserveUnique } from "./reserve.ts";
export type { ReserveUniqueInput } from "./reserve.ts";
