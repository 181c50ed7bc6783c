/** Norwegian driving licence classes (førerkortklasser). */
export const LicenceClass = {
  AM146: "AM146",
  AM147: "AM147",
  A1: "A1",
  A2: "A2",
  A: "A",
  B: "B",
  B96: "B96",
  BE: "BE",
  C1: "C1",
  C1E: "C1E",
  C: "C",
  CE: "CE",
  D1: "D1",
  D1E: "D1E",
  D: "D",
  DE: "DE",
  S: "S",
  T: "T",
} as const;
export type LicenceClass = (typeof LicenceClass)[keyof typeof LicenceClass];

/**
 * True for a licence class code of {@linkcode LicenceClass}.
 *
 * @example
 * ```ts
 * isLicenceClass("BE"); // true
 * isLicenceClass("be"); // false
 * ```
 */
export function isLicenceClass(value: unknown): value is LicenceClass {
  return typeof value === "string" && Object.hasOwn(LicenceClass, value);
}
