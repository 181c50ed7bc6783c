/**
 * The MOD11 check digit of `digits` with `weights` (aligned from the left):
 * `null` when the remainder makes the number invalid (check digit would be 10).
 */
export function mod11CheckDigit(
  digits: string,
  weights: readonly number[],
): number | null {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += Number(digits[i]) * weights[i];
  }
  const remainder = sum % 11;
  if (remainder === 0) return 0;
  const check = 11 - remainder;
  return check === 10 ? null : check;
}
