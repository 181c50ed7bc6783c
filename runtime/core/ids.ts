/** Ids derived from names, so a retried flow lands on the same aggregate. */

/**
 * A UUID-shaped id (version 5 layout, SHA-256 of the parts joined by NUL):
 * the same parts always give the same id, different parts a different one.
 *
 * @example
 * ```ts
 * await derivedId("invoice.credit_note", invoiceId); // "3f2a…-5…-8…"
 * ```
 */
export async function derivedId(...parts: readonly string[]): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(parts.join("\u0000")),
    ),
  );
  digest[6] = (digest[6] & 0x0f) | 0x50;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const hex = [...digest.slice(0, 16)].map((b) =>
    b.toString(16).padStart(2, "0")
  ).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${
    hex.slice(16, 20)
  }-${hex.slice(20, 32)}`;
}
