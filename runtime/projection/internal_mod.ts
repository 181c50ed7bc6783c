/**
 * What tests of projections need beyond `mod.ts`: the engine's own filter of
 * a batch to a projection's event types, so a projection spec feeds commits
 * exactly as the engine does.
 */
export * from "./mod.ts";
export { filterCommits } from "./support.ts";
