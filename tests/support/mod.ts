export { deciderSpec } from "./decider_spec.ts";
