/**
 * Seeded generators of hostile HTTP input for the edge's fuzz test: odd
 * strings (lone surrogates, RTL overrides, NUL, overlong encodings, huge),
 * JSON that is malformed, oversized, deep or merely wrong, path tricks,
 * bad query values and bad headers. The same seed gives the same requests.
 */

import { organisasjonsnummerFor } from "../../ops/orgnr.ts";

/** mulberry32: a small, fast, seedable PRNG (numbers in [0, 1)). */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** A UUID made of the generator's numbers (so a seed repeats it). */
export function uuid(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => rng.int(16).toString(16));
  hex[12] = "4";
  hex[16] = "8";
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${
    h.slice(16, 20)
  }-${h.slice(20)}`;
}

/** Strings that break naive code: encodings, directions, sizes, syntaxes. */
export const ODD_STRINGS: readonly string[] = [
  "",
  " ",
  "\t",
  "nul\u0000inside",
  "\u0000",
  "\u0001\u001f\u007f",
  "tab\there\r\nnewline",
  "\ud800",
  "x\udc00y",
  "\udbff\udfff",
  "\u202eevil\u202c",
  "\u200f\u200e",
  "עברית",
  "مرحبا بالعالم",
  "𝕏😀👩‍👩‍👧",
  "\ufeffbom",
  "\u0085\u2028\u2029",
  "%00",
  "%ff%fe",
  "%c0%af",
  "\u00c0\u00af",
  "%E0%A4%A",
  "%",
  "%zz",
  "../../etc/passwd",
  "..%2f..%2fetc",
  "%2e%2e",
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  "<script>alert(1)</script>",
  "{{7*7}}${7*7}",
  "${jndi:ldap://x}",
  "null",
  "undefined",
  "NaN",
  "-0",
  "1e309",
  "9".repeat(400),
  "0x1F",
  "true",
  "[]",
  "{}",
  "\\",
  '"',
  "__proto__",
  "constructor",
  "ＡＢＣ１２３",
  "İıß",
  "a".repeat(10_000),
  "ø".repeat(70_000),
  "2026-13-45",
  "2026-02-30T25:61:61Z",
  "-271821-04-19T00:00:00.000Z",
];

/** Control characters, NUL first: text that storage and logs choke on. */
export const CONTROL_STRINGS: readonly string[] = [
  "\u0000",
  "a\u0000b",
  "Skole\u0000",
  "\u0001\u0002",
  "x\u001by[31m",
  "\u007f",
  "\u0000\u0000\u0000",
];

/** An odd string: a control-character one a quarter of the time. */
export function oddString(rng: Rng): string {
  return rng.chance(0.25) ? rng.pick(CONTROL_STRINGS) : rng.pick(ODD_STRINGS);
}

/** Values schemas may accept, so some requests get past validation. */
export function plausible(rng: Rng, ids: readonly string[]): unknown {
  return rng.pick<unknown>([
    "Skole",
    "Kari Nordmann",
    "923609016",
    "86011117947",
    "650.00",
    "-1.00",
    "0.00",
    "99999999999999999.99",
    { amount: "650.00", currency: "NOK" },
    { amount: "1e3", currency: "EUR" },
    25,
    0,
    1,
    -1,
    100,
    1.5,
    1e308,
    -1e308,
    2 ** 53 + 1,
    5e-324,
    true,
    false,
    null,
    "AKTIV",
    "SUSPENDERT",
    "AVVIKLET",
    "ADMIN",
    "HOVEDBRUKER",
    "OKONOMI",
    "TRAFIKKLARER",
    "FERIE",
    "VISUELL",
    "CHECKBOX",
    "PHOTO",
    "B",
    "EL12345",
    "x@y.no",
    "kjøretime-på-tirsdag-42",
    "2025-01-01",
    "2026-07-01",
    new Date(0).toISOString(),
    "2030-01-01T00:00:00.000Z",
    rng.pick(ids),
    uuid(rng),
  ]);
}

/** Field names the routes' bodies and queries know (and some they must refuse). */
export const FIELDS: readonly string[] = [
  "navn",
  "organisasjonsnummer",
  "bedriftId",
  "kunde",
  "beskrivelse",
  "antall",
  "enhetspris",
  "mvaSats",
  "amount",
  "reference",
  "reason",
  "status",
  "kontonummer",
  "purregebyr",
  "forfallsdager",
  "fakturaPrefix",
  "fakturaStartNummer",
  "email",
  "password",
  "role",
  "currentPassword",
  "newPassword",
  "refreshToken",
  "malId",
  "registreringsnummer",
  "instructorId",
  "learnerId",
  "value",
  "passed",
  "comment",
  "ansattnummer",
  "fornavn",
  "etternavn",
  "epost",
  "stillingsprosent",
  "startDate",
  "endDate",
  "kind",
  "fromDate",
  "toDate",
  "at",
  "note",
  "sjekkpunkter",
  "tittel",
  "answerType",
  "licenceClass",
  "id",
  "poststed",
  "employeeId",
  "fodselsnummer",
  "__proto__",
  "constructor",
];

/** A JSON value, `depth` levels at most. */
export function jsonValue(
  rng: Rng,
  ids: readonly string[],
  depth = 3,
): unknown {
  const r = rng.int(10);
  if (depth <= 0 || r < 3) return plausible(rng, ids);
  if (r < 5) return rng.pick(ODD_STRINGS);
  if (r < 7) {
    return Array.from(
      { length: rng.int(4) },
      () => jsonValue(rng, ids, depth - 1),
    );
  }
  return jsonObject(rng, ids, depth - 1);
}

/** An object of known (and some unknown) fields with odd or plausible values. */
export function jsonObject(
  rng: Rng,
  ids: readonly string[],
  depth = 2,
): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  const count = rng.int(7);
  for (let i = 0; i < count; i++) {
    const key = rng.chance(0.9) ? rng.pick(FIELDS) : rng.pick(ODD_STRINGS);
    object[key] = rng.chance(0.6)
      ? plausible(rng, ids)
      : jsonValue(rng, ids, depth);
  }
  return object;
}

const encoder = new TextEncoder();

/** Percent-encodes `text` (a lone surrogate as U+FFFD, as a browser would). */
function encode(text: string): string {
  return encodeURIComponent(text.toWellFormed());
}

/** A request body: JSON of any quality, or bytes that are not JSON at all. */
export function body(
  rng: Rng,
  ids: readonly string[],
): string | Uint8Array<ArrayBuffer> | undefined {
  const r = rng.int(20);
  if (r === 0) return undefined;
  if (r === 1) return "";
  if (r === 2) return "{oops";
  if (r === 3) return '{"navn": "x",}';
  if (r === 4) return "[".repeat(50_000);
  if (r === 5) {
    const depth = 2_000 + rng.int(3_000);
    return `${'{"kunde":'.repeat(depth)}1${"}".repeat(depth)}`;
  }
  if (r === 6) return `{"navn":"${"\\ud800"}","beskrivelse":"\\u0000"}`;
  if (r === 7) {
    // Overlong and invalid UTF-8 inside a JSON string.
    const bytes = encoder.encode('{"navn":"__"}');
    bytes.set([0xc0, 0xaf], 9);
    return bytes;
  }
  if (r === 8) return `{"navn":"${"x".repeat(1_100_000)}"}`;
  if (r === 9) return "\ufeff{}";
  if (r === 10) return "null";
  if (r === 11) return JSON.stringify(rng.pick(ODD_STRINGS));
  if (r === 12) return JSON.stringify(jsonValue(rng, ids, 4));
  if (r === 13) {
    return `{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}`;
  }
  return JSON.stringify(jsonObject(rng, ids));
}

/** A path parameter: a real id, a random one, or an odd string. */
export function param(rng: Rng, ids: readonly string[]): string {
  const r = rng.int(10);
  if (r < 5) return rng.pick(ids);
  if (r < 6) return uuid(rng);
  const odd = rng.pick(ODD_STRINGS).slice(0, 2000);
  return rng.chance(0.5) ? encode(odd) : odd;
}

/** Path tricks applied to a routed path. */
export function mutatePath(rng: Rng, path: string): string {
  const r = rng.int(24);
  const segments = path.split("/");
  const at = 1 + rng.int(Math.max(1, segments.length - 1));
  const replace = (s: string) => {
    const copy = [...segments];
    copy[at] = s;
    return copy.join("/");
  };
  switch (r) {
    case 0:
      return path.replace(/^\/api\/v\d+/, "/api");
    case 1:
      return path.replace(/^\/api\/v\d+/, "/api/v99");
    case 2:
      return path.replace(/^\/api\/v\d+/, "/api/v0");
    case 3:
      return path.replace(/^\/api\/v(\d+)/, "/api/V$1");
    case 4:
      return replace("..");
    case 5:
      return replace("%2e%2e");
    case 6:
      return replace("%2E%2E%2F..%2F");
    case 7:
      return path.replace("/", "//");
    case 8:
      return `${path}//`;
    case 9:
      return `${path}/`;
    case 10:
      return replace(`${segments[at]}%2F..%2Fadmin`);
    case 11:
      return `${path}/${"x".repeat(10_000 + rng.int(90_000))}`;
    case 12:
      return `${path}${"/a".repeat(2_000)}`;
    case 13:
      return replace("%E0%A4%A");
    case 14:
      return replace("%00");
    case 15:
      return path.toUpperCase();
    case 16:
      return `${path}/..;/`;
    case 17:
      return `${path}%20`;
    case 18:
      return replace("%5c..%5c");
    default:
      return path;
  }
}

/** Query strings of bad (and some good) values, mostly of keys lists take. */
export function query(rng: Rng, ids: readonly string[]): string {
  if (rng.chance(0.4)) return "";
  const keys = [
    "limit",
    "cursor",
    "status",
    "bedriftId",
    "q",
    "kunde",
    "from",
    "to",
    "role",
    "kind",
    "userId",
    "asOf",
    "version",
    "afterVersion",
    "after",
    "types",
    "type",
    "pointId",
    "registreringsnummer",
    "instructorId",
  ];
  const values = [
    "-1",
    "0",
    "1",
    "201",
    "abc",
    "1e309",
    "99999999999999999999",
    "NaN",
    "",
    "AKTIV",
    "2026-13-45",
    "2026-01-01",
    "2026-01-01T00:00:00Z",
    "eyJ9",
    "AAAA",
    ...ids.slice(0, 3),
  ];
  const parts: string[] = [];
  // One parameter mostly: a list refuses a key it does not know before it
  // looks at the values.
  const count = rng.chance(0.7) ? 1 : 2 + rng.int(3);
  for (let i = 0; i < count; i++) {
    const key = rng.chance(0.9) ? rng.pick(keys) : rng.pick(ODD_STRINGS);
    const value = rng.chance(0.4) ? rng.pick(values) : oddString(rng);
    const raw = rng.chance(0.3);
    parts.push(
      raw
        ? `${key.slice(0, 200)}=${value.slice(0, 2000)}`
        : `${encode(key.slice(0, 200))}=${encode(value.slice(0, 2000))}`,
    );
  }
  return `?${parts.join("&")}`;
}

/** A header value made of bytes a header may carry (no CR, LF or NUL). */
export function headerValue(rng: Rng): string {
  const r = rng.int(8);
  if (r === 0) return "";
  if (r === 1) return "x".repeat(8_000 + rng.int(56_000));
  if (r === 2) return "\u00c0\u00af\u00ff\u00fe";
  if (r === 3) return '"1", W/"2", *';
  if (r === 4) return String(rng.pick([-1, 0, 1e21, 2 ** 53, 1.5]));
  if (r === 5) return "\t  padded  \t";
  const odd = rng.pick(ODD_STRINGS);
  return odd.replace(/[^\x20-\x7e\x80-\xff\t]/g, "?").slice(0, 4000);
}

/** Authorization headers, valid or not. */
export function authorization(
  rng: Rng,
  tokens: readonly string[],
): string | null {
  const token = rng.pick(tokens);
  if (rng.chance(0.5)) return `Bearer ${token}`;
  const [h, p, s] = token.split(".");
  return rng.pick<string | null>([
    null,
    `bearer ${token}`,
    "Bearer",
    "Bearer ",
    `Bearer  ${token}`,
    `Bearer ${h}.${p}.${s?.slice(0, -2)}AA`,
    `Bearer ${h}.${p}`,
    `Bearer ${btoa('{"alg":"none","typ":"at+jwt"}')}.${p}.`,
    `Basic ${btoa("admin:admin")}`,
    `Bearer ${"A".repeat(20_000)}`,
    `Bearer ${token},Bearer ${token}`,
    "Bearer \u00ff\u00fe",
    `Token ${token}`,
    headerValue(rng),
  ]);
}

/** Content types, right and wrong. */
export const CONTENT_TYPES: readonly (string | null)[] = [
  null,
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16",
  "APPLICATION/JSON",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/form-data; boundary=",
  "multipart/form-data; boundary=xyz",
  "image/jpeg",
  "image/png",
  "application/xml",
  "application/problem+json",
  "*/*",
  ";;;",
];

type Schema = Record<string, unknown>;

/** An example of each pattern the API's schemas use, so a body can pass them. */
const PATTERN_EXAMPLES: Record<string, (rng: Rng) => string> = {
  "^\\d{9}$": (rng) => {
    for (;;) {
      const orgnr = organisasjonsnummerFor(rng.int(10_000_000));
      if (orgnr) return orgnr;
    }
  },
  "^\\d{11}$": () => "86011117947",
  "^\\d{4}$": () => "0150",
  "^\\d{2}\\.\\d{3}$": () => "85.530",
  "^[A-Z]{2,5}$": () => "AS",
  "^(\\+47|0047)?\\s*\\d(\\s?\\d){7}$": () => "22334455",
  "^-?\\d+(\\.\\d{1,2})?$": (rng) => rng.pick(["650.00", "100", "0.50"]),
  "^\\d+(\\.\\d{1,3})?$": () => "1.5",
  "^\\d{1,10}$": () => "10001",
  "^\\d{4}-\\d{2}-\\d{2}$": (rng) => isoDay(rng),
  "^[A-Za-z]{0,2}[\\d ]*$": () => "EL12345",
  "^[a-z_]{1,64}$": () => "note",
  "^[a-z_]{1,64}\\.[a-z_]{1,64}$": () => "invoice.sent",
  "^[A-Za-z0-9-]*$": () => "F",
};

function isoDay(rng: Rng): string {
  return new Date(Date.UTC(2026, 0, 1) + rng.int(700) * 86_400_000)
    .toISOString().slice(0, 10);
}

/**
 * A value of a JSON schema of the API document — valid as far as names and
 * patterns allow — whose ids come from `known` (by field name) or `ids`.
 */
export function instance(
  rng: Rng,
  schema: Schema,
  doc: Schema,
  context: { ids: readonly string[]; known: Record<string, string> },
  name = "",
  depth = 0,
): unknown {
  if (typeof schema.$ref === "string") {
    const target = schema.$ref.split("/").slice(1).reduce<unknown>(
      (node, key) => (node as Schema)[key],
      doc,
    );
    return instance(rng, target as Schema, doc, context, name, depth);
  }
  const options = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (options) {
    const real = options.filter((o) => o.type !== "null");
    return rng.chance(0.9) && real.length > 0
      ? instance(rng, rng.pick(real), doc, context, name, depth)
      : null;
  }
  if (Array.isArray(schema.enum)) return rng.pick(schema.enum);
  if (name in context.known && schema.type === "string") {
    return context.known[name];
  }
  switch (schema.type) {
    case "object": {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries(properties)) {
        if (required.has(key) || (depth < 3 && rng.chance(0.5))) {
          out[key] = instance(rng, sub, doc, context, key, depth + 1);
        }
      }
      return out;
    }
    case "array": {
      const min = Number(schema.minItems ?? 0);
      return Array.from(
        { length: min + rng.int(2) },
        () =>
          instance(
            rng,
            (schema.items ?? {}) as Schema,
            doc,
            context,
            name,
            depth + 1,
          ),
      );
    }
    case "integer":
    case "number":
      return Number(schema.minimum ?? 1);
    case "boolean":
      return rng.chance(0.5);
    case "null":
      return null;
    case "string": {
      const pattern = PATTERN_EXAMPLES[String(schema.pattern)];
      if (pattern) return pattern(rng);
      if (schema.format === "email") return `f${rng.int(1e6)}@example.no`;
      if (schema.format === "date") return isoDay(rng);
      if (/password/i.test(name)) return "kjøretime-på-tirsdag-42";
      if (name === "email") return `f${rng.int(1e6)}@example.no`;
      if (/Id$/.test(name) || schema.pattern) return rng.pick(context.ids);
      return "Tekst";
    }
    default:
      return rng.pick(context.ids);
  }
}

/** Values that belong in no field: wrong types, odd strings, extremes. */
function oddValue(rng: Rng): unknown {
  if (rng.chance(0.5)) return oddString(rng);
  return rng.pick<unknown>([
    -1,
    1e308,
    -0,
    2 ** 53 + 1,
    0.1 + 0.2,
    [],
    {},
    [oddString(rng)],
    { amount: oddString(rng), currency: "NOK" },
    true,
    null,
  ]);
}

/**
 * `value` with one thing changed: a leaf (at any depth) made odd — a string
 * mostly stays a string with odd text in it, so it may pass the schema and
 * reach the actor — a field dropped, or a field added that no route takes.
 */
export function mutate(rng: Rng, value: unknown): unknown {
  if (typeof value === "string") {
    if (rng.chance(0.4)) return oddValue(rng);
    const odd = oddString(rng);
    return rng.pick([odd, `${value}${odd}`, `${odd}${value}`]);
  }
  if (value === null || typeof value !== "object") return oddValue(rng);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value)
    ? [...value]
    : { ...value as Record<string, unknown> };
  const keys = Object.keys(copy);
  const r = rng.int(10);
  const target = copy as Record<string, unknown>;
  if (keys.length === 0 || r === 0) {
    target[rng.pick(FIELDS)] = oddValue(rng);
    return copy;
  }
  const key = rng.pick(keys);
  if (r === 1) delete target[key];
  else target[key] = mutate(rng, target[key]);
  return copy;
}
