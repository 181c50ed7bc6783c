/** The platform's own streams: `system/test` for operators' test events. */
export {
  SYSTEM,
  SYSTEM_TEST_STREAM,
  systemActor,
  systemDecider,
} from "./decider.ts";
export type { SystemCommand, SystemState } from "./decider.ts";
export {
  SYSTEM_EVENT_TYPES,
  systemEvent,
  SystemEventVersions,
} from "./events.ts";
export type { SystemEvent, SystemTest } from "./events.ts";
