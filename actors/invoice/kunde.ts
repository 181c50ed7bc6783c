import { KundeKind } from "./types.ts";
import type { Kunde, KundeInput } from "./types.ts";

/**
 * The explicit customer of a draft: every field present (`null` when not
 * given, an empty text counts as not given), and the kind stated or else
 * inferred — a customer with an organisasjonsnummer is a business
 * (`BEDRIFT`), one without is a consumer (`PRIVAT`). The same rule lifts a v1
 * `invoice.drafted`, so an old draft reads as a new one would be written.
 *
 * @example
 * ```ts
 * kundeOf({ navn: "Kari" });
 * // { kind: "PRIVAT", navn: "Kari", epost: null, organisasjonsnummer: null, kundenummer: null }
 * ```
 */
export function kundeOf(input: KundeInput): Kunde {
  const organisasjonsnummer = input.organisasjonsnummer || null;
  return {
    kind: input.kind ??
      (organisasjonsnummer ? KundeKind.BEDRIFT : KundeKind.PRIVAT),
    navn: input.navn,
    epost: input.epost || null,
    organisasjonsnummer,
    kundenummer: input.kundenummer || null,
  };
}
