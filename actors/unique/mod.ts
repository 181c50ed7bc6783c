export { uniqueActors, uniqueDecider, UniqueKinds } from "./decider.ts";
export type { UniqueCommand, UniqueEvent, UniqueState } from "./decider.ts";
