import type { Projection } from "../runtime/mod.ts";
import { bedrifterProjection } from "./bedrift/mod.ts";
import { invoicesProjection } from "./invoice/mod.ts";

/** Every read-model projection of TMS, in the order they are started. */
export const readModelProjections: readonly Projection[] = [
  bedrifterProjection,
  invoicesProjection,
];
