/**
 * A deep copy as `structuredClone` makes it, fast for the JSON-like data
 * commits hold: Deno's `structuredClone` serializes through V8 and costs
 * microseconds even for a one-event commit, which made the memory log the
 * bulk of an in-memory command's time.
 */

/** Nesting beyond which a value is handed to `structuredClone` (it may be cyclic). */
const MAX_DEPTH = 64;

class TooDeep extends Error {}

/**
 * A deep copy of `value`: plain objects, arrays and primitives are copied
 * here; anything else (a Date, a Map, a class instance, a function — which
 * throws) and a value nested deeper than 64 levels (perhaps a cycle) is
 * copied by `structuredClone`, so the result is what it would have made.
 */
export function copy<T>(value: T): T {
  try {
    return copyValue(value, 0) as T;
  } catch (error) {
    if (error instanceof TooDeep) return structuredClone(value);
    throw error;
  }
}

function copyValue(value: unknown, depth: number): unknown {
  if (typeof value !== "object" || value === null) {
    return typeof value === "function" || typeof value === "symbol"
      ? structuredClone(value)
      : value;
  }
  if (depth > MAX_DEPTH) throw new TooDeep();
  const proto = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    const array = value as unknown[];
    const out = new Array(array.length);
    for (let i = 0; i < array.length; i++) {
      if (i in array) out[i] = copyValue(array[i], depth + 1);
    }
    return out;
  }
  if (proto !== Object.prototype && proto !== null) {
    return structuredClone(value);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copyValue((value as Record<string, unknown>)[key], depth + 1);
    if (key === "__proto__") {
      Object.defineProperty(out, key, {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else out[key] = item;
  }
  return out;
}
