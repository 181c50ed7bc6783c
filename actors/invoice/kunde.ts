import { KundeKind } from "./types.ts";
import type { InvoiceReference, Kunde, KundeInput } from "./types.ts";

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
export function kundeOf(
  input: Omit<KundeInput, "navn"> & { navn: string | null },
): Kunde {
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

/**
 * The data subject of an invoice's customer, whose key seals its name and
 * e-mail: `null` for a business (`BEDRIFT`) customer, which is no personal
 * data. A person with a kundenummer is one subject across the bedrift's
 * invoices, `kunde-<bedriftId>-<kundenummer>`; one without is a subject per
 * invoice, `faktura-<invoiceId>` — a credit note's is its original's. The
 * GDPR routes take this id (`GET /gdpr/subjects/:id/export`).
 *
 * @example
 * ```ts
 * kundeSubject("inv-1", { bedriftId: "b1", kunde: { kind: "PRIVAT", kundenummer: "42" } }); // "kunde-b1-42"
 * kundeSubject("inv-1", { bedriftId: "b1", kunde: { kind: "PRIVAT", kundenummer: null } }); // "faktura-inv-1"
 * ```
 */
export function kundeSubject(
  invoiceId: string,
  draft: {
    bedriftId: string;
    kunde: Pick<Kunde, "kind" | "kundenummer">;
    kreditnotaFor?: Pick<InvoiceReference, "invoiceId"> | null;
  },
): string | null {
  if (draft.kunde.kind !== KundeKind.PRIVAT) return null;
  if (draft.kunde.kundenummer) {
    return `kunde-${draft.bedriftId}-${draft.kunde.kundenummer}`;
  }
  return `faktura-${draft.kreditnotaFor?.invoiceId ?? invoiceId}`;
}
