import { mod11CheckDigit } from "./mod11.ts";

const WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2] as const;

/** True for a 9-digit organisasjonsnummer with a valid MOD11 check digit. */
export function isOrganisasjonsnummer(value: string): boolean {
  if (!/^\d{9}$/.test(value)) return false;
  return mod11CheckDigit(value, WEIGHTS) === Number(value[8]);
}
