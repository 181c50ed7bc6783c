import { generateKid } from "../validators/mod.ts";
import type { KidAlgorithm } from "../validators/mod.ts";

/** Largest invoice number a KID can carry unambiguously (8 digits). */
export const MAX_INVOICE_NUMBER = 99_999_999;

/**
 * The KID of an invoice: the customer's kundenummer (if any), then the invoice
 * number padded to 8 digits, then the check digit. The last 8 digits before
 * the check digit are the invoice number, unique in the bedrift's series, so two
 * invoices of one bedrift never share a KID. When MOD11 gives check value 10
 * (a KID ending in `-`, which TMS never issues), a filler digit 1–9 goes
 * between the kundenummer and the number: at most one filler fails, since each
 * shifts the weighted sum by a distinct amount modulo 11.
 *
 * @example
 * ```ts
 * invoiceKid(null, 1, "MOD10"); // "000000018"
 * invoiceKid("4711", 1002, "MOD11"); // "4711000010020"
 * ```
 */
export function invoiceKid(
  kundenummer: string | null | undefined,
  number: number,
  algorithm: KidAlgorithm,
): string {
  if (
    !Number.isSafeInteger(number) || number < 1 || number > MAX_INVOICE_NUMBER
  ) {
    throw new RangeError(
      `An invoice number in a KID must be 1–${MAX_INVOICE_NUMBER}`,
    );
  }
  const customer = kundenummer ?? "";
  if (!/^\d{0,10}$/.test(customer)) {
    throw new TypeError("A kundenummer must be at most 10 digits");
  }
  const digits = String(number).padStart(8, "0");
  const plain = generateKid(customer + digits, algorithm);
  if (plain !== null) return plain;
  for (let filler = 1; filler <= 9; filler++) {
    const kid = generateKid(`${customer}${filler}${digits}`, algorithm);
    if (kid !== null) return kid;
  }
  throw new Error("No filler digit gives a MOD11 KID"); // unreachable
}
