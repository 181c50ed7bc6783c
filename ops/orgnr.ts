import { mod11CheckDigit } from "../actors/validators/mod.ts";

const WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2] as const;

/**
 * The organisasjonsnummer whose first eight digits are `seed` (zero-padded),
 * or null when no check digit exists for it. For test data and load.
 */
export function organisasjonsnummerFor(seed: number): string | null {
  const base = String(80_000_000 + (seed % 20_000_000)).padStart(8, "0");
  const check = mod11CheckDigit(base, WEIGHTS);
  return check === null ? null : base + check;
}
