/**
 * The two order statistics the benchmarks and the load driver report, in one
 * place (no imports: `deno task load` stays light).
 */

/** The value at quantile `p` (0–1) of ascending `sorted`; 0 when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** The median of `values` (the upper one of an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("No values");
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}
