import { parseInstant } from "../validators/mod.ts";

/** Epoch ms of an ISO instant with an offset; `TypeError` for anything else. */
export function instantMs(value: string, name = "at"): number {
  const ms = parseInstant(value);
  if (ms === null) {
    throw new TypeError(`${name} must be an ISO instant with an offset`);
  }
  return ms;
}
