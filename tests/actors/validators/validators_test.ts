import assert from "node:assert/strict";
import {
  FodselsnummerKind,
  generateKid,
  isFodselsnummer,
  isKid,
  isKontonummer,
  isLicenceClass,
  isOrganisasjonsnummer,
  isPostnummer,
  isRegistreringsnummer,
  isTelefon,
  KidAlgorithm,
  kidMod10CheckDigit,
  kidMod11CheckDigit,
  maskFodselsnummer,
  mod11CheckDigit,
  normalizeKontonummer,
  normalizeRegistreringsnummer,
  normalizeTelefon,
  parseFodselsnummer,
} from "../../../actors/validators/mod.ts";

/** mulberry32: a small seeded PRNG so property tests are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function randomDigits(random: () => number, length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += randomInt(random, 0, 9);
  return s;
}

/** `value` with the digit at a random index replaced by a different digit. */
function mutateOneDigit(random: () => number, value: string): string {
  const digitIndexes = [...value].flatMap((c, i) => /\d/.test(c) ? [i] : []);
  const i = digitIndexes[randomInt(random, 0, digitIndexes.length - 1)];
  const old = Number(value[i]);
  const next = (old + randomInt(random, 1, 9)) % 10;
  return value.slice(0, i) + next + value.slice(i + 1);
}

/** Independent MOD11 (not the module's helper): null when the check would be 10. */
function mod11(digits: string, weights: number[]): number | null {
  const sum = weights.reduce((acc, w, i) => acc + w * Number(digits[i]), 0);
  const check = (11 - (sum % 11)) % 11;
  return check === 10 ? null : check;
}

const SEED = 20_240_601;
const RUNS = 3000;

Deno.test("mod11CheckDigit: remainder 0 gives 0, remainder 1 gives null", () => {
  const w = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
  assert.equal(mod11CheckDigit("1234567897", w), 0);
  assert.equal(mod11CheckDigit("1234567892", w), null);
  assert.equal(mod11CheckDigit("1234567890", w), 3);
});

Deno.test("organisasjonsnummer: known valid and invalid", () => {
  for (const v of ["923609016", "974760673"]) {
    assert.ok(isOrganisasjonsnummer(v), v);
  }
  for (
    const v of ["923609017", "974760672", "92360901", "9236090160", "92360901a"]
  ) {
    assert.equal(isOrganisasjonsnummer(v), false, v);
  }
});

Deno.test("organisasjonsnummer: property — generated numbers validate, one changed digit breaks them", () => {
  const random = prng(SEED);
  const weights = [3, 2, 7, 6, 5, 4, 3, 2];
  let checked = 0;
  while (checked < RUNS) {
    const base = randomDigits(random, 8);
    const check = mod11(base, weights);
    if (check === null) {
      for (let d = 0; d <= 9; d++) {
        assert.equal(isOrganisasjonsnummer(base + d), false);
      }
      continue;
    }
    const orgnr = base + check;
    assert.ok(isOrganisasjonsnummer(orgnr), orgnr);
    assert.equal(isOrganisasjonsnummer(mutateOneDigit(random, orgnr)), false);
    checked++;
  }
});

Deno.test("fødselsnummer: known valid numbers and what they parse to", () => {
  const cases: [string, string, string][] = [
    ["01010012356", "F", "1900-01-01"],
    ["31129939918", "F", "1999-12-31"],
    ["29020099966", "F", "2000-02-29"], // individnummer 999 + year 00 → 2000
    ["29020449916", "F", "1904-02-29"], // leap year in the 1900s
    ["01015550089", "F", "1855-01-01"], // 500–749 with year ≥ 54 → 1800s
    ["01014090017", "F", "1940-01-01"], // 900–999 with year ≥ 40 → 1900s
    ["01010010507", "F", "1900-01-01"], // first check digit from remainder 0
    ["41010012420", "D", "1900-01-01"],
    ["71019012306", "D", "1990-01-31"],
    ["01410012339", "H", "1900-01-01"],
  ];
  for (const [value, kind, birthDate] of cases) {
    assert.deepEqual(parseFodselsnummer(value), { kind, birthDate }, value);
    assert.ok(isFodselsnummer(value), value);
  }
});

Deno.test("fødselsnummer: known invalid numbers", () => {
  const invalid = [
    "01010012357", // second check digit wrong
    "01010012346", // first check digit wrong
    "29020049942", // 1900-02-29 does not exist
    "30020099905", // 30 February
    "32010012308", // day 32
    "01130012384", // month 13
    "41530012350", // D-number and H-number at once
    "01014050066", // individnummer 500 with year 40: no century
    "01017575038", // individnummer 750 with year 75: no century
    "0101001235", // 10 digits
    "010100123567", // 12 digits
    "0101001235a",
    "010100 12356",
  ];
  for (const value of invalid) {
    assert.equal(isFodselsnummer(value), false, value);
    assert.equal(parseFodselsnummer(value), null, value);
  }
});

Deno.test("fødselsnummer: a first check value of 10 means no valid number", () => {
  for (let d = 0; d <= 99; d++) {
    assert.equal(
      isFodselsnummer(`010100100${String(d).padStart(2, "0")}`),
      false,
    );
  }
  // 010100108: k1 = 5 but k2 would be 10
  for (let d = 0; d <= 9; d++) {
    assert.equal(isFodselsnummer(`0101001085${d}`), false);
  }
});

Deno.test("fødselsnummer: D- and H-numbers can be refused", () => {
  assert.equal(isFodselsnummer("41010012420", { allowDNumber: false }), false);
  assert.equal(isFodselsnummer("01410012339", { allowHNumber: false }), false);
  assert.ok(isFodselsnummer("01010012356", { allowDNumber: false }));
  assert.equal(parseFodselsnummer("41010012420")?.kind, FodselsnummerKind.D);
});

Deno.test("fødselsnummer: property — generated numbers validate, one changed digit breaks them", () => {
  const random = prng(SEED + 1);
  const pad = (n: number) => String(n).padStart(2, "0");
  let checked = 0;
  while (checked < RUNS) {
    const year = randomInt(random, 1854, 2039);
    const month = randomInt(random, 1, 12);
    const day = randomInt(
      random,
      1,
      new Date(Date.UTC(year, month, 0)).getUTCDate(),
    );
    const individ = year < 1900
      ? randomInt(random, 500, 749)
      : year < 2000
      ? (year >= 1940 && random() < 0.2
        ? randomInt(random, 900, 999)
        : randomInt(random, 0, 499))
      : randomInt(random, 500, 999);
    const kind = random() < 0.2 ? "D" : random() < 0.1 ? "H" : "F";
    const dd = kind === "D" ? day + 40 : day;
    const mm = kind === "H" ? month + 40 : month;
    const nine = `${pad(dd)}${pad(mm)}${pad(year % 100)}${
      String(individ).padStart(3, "0")
    }`;
    const k1 = mod11(nine, [3, 7, 6, 1, 8, 9, 4, 5, 2]);
    if (k1 === null) continue;
    const k2 = mod11(nine + k1, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    if (k2 === null) continue;
    const fnr = `${nine}${k1}${k2}`;
    assert.deepEqual(parseFodselsnummer(fnr), {
      kind,
      birthDate: `${year}-${pad(month)}-${pad(day)}`,
    }, fnr);
    assert.equal(isFodselsnummer(mutateOneDigit(random, fnr)), false);
    checked++;
  }
});

Deno.test("maskFodselsnummer shows only the date part", () => {
  assert.equal(maskFodselsnummer("01010012356"), "010100*****");
  assert.equal(maskFodselsnummer("41010012420"), "410100*****");
  for (const bad of ["0101001235", "0101001235x", ""]) {
    assert.throws(() => maskFodselsnummer(bad), (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.ok(!e.message.includes(bad) || bad === "");
      return true;
    });
  }
});

Deno.test("kontonummer: known valid, invalid and normalised", () => {
  assert.ok(isKontonummer("86011117947"));
  assert.ok(isKontonummer("12345678970")); // remainder 0 → check digit 0
  assert.equal(isKontonummer("86011117948"), false);
  for (let d = 0; d <= 9; d++) {
    assert.equal(isKontonummer(`1234567892${d}`), false); // remainder 1
  }
  assert.equal(isKontonummer("8601111794"), false);
  assert.equal(isKontonummer("8601.11.17947"), false);
  assert.equal(normalizeKontonummer("8601.11.17947"), "86011117947");
  assert.equal(normalizeKontonummer(" 8601 11 17947 "), "86011117947");
  assert.equal(normalizeKontonummer("8601-11-17947"), null);
  assert.equal(normalizeKontonummer("8601.11.17948"), null);
});

Deno.test("kontonummer: property — generated numbers validate, one changed digit breaks them", () => {
  const random = prng(SEED + 2);
  let checked = 0;
  while (checked < RUNS) {
    const base = randomDigits(random, 10);
    const check = mod11(base, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    if (check === null) continue;
    const konto = base + check;
    assert.ok(isKontonummer(konto), konto);
    assert.equal(isKontonummer(mutateOneDigit(random, konto)), false);
    checked++;
  }
});

Deno.test("KID MOD10 (Luhn): known values", () => {
  assert.equal(kidMod10CheckDigit("7992739871"), "3");
  assert.equal(generateKid("7992739871", KidAlgorithm.MOD10), "79927398713");
  assert.equal(generateKid("0", KidAlgorithm.MOD10), "00");
  assert.ok(isKid("79927398713", "MOD10"));
  assert.equal(isKid("79927398712", "MOD10"), false);
  assert.equal(isKid("79927398718", "MOD10"), false);
  assert.equal(isKid("6-", "MOD10"), false);
});

Deno.test("KID MOD11: known values, remainder 0 → 0, remainder 1 → '-'", () => {
  assert.equal(kidMod11CheckDigit("12345678"), "5");
  assert.equal(generateKid("12345678", KidAlgorithm.MOD11), "123456785");
  assert.equal(kidMod11CheckDigit("14"), "0");
  assert.equal(generateKid("14", KidAlgorithm.MOD11), "140");
  assert.equal(kidMod11CheckDigit("6"), "-");
  assert.equal(generateKid("6", KidAlgorithm.MOD11), null);
  assert.ok(isKid("123456785", "MOD11"));
  assert.ok(isKid("140", "MOD11"));
  assert.ok(isKid("6-", "MOD11"));
  assert.equal(isKid("60", "MOD11"), false);
  assert.equal(isKid("14-", "MOD11"), false);
  assert.equal(isKid("123456784", "MOD11"), false);
});

Deno.test("KID: length 2–25 and digits only", () => {
  assert.equal(isKid("0", "MOD10"), false);
  assert.equal(isKid("", "MOD10"), false);
  const base24 = "1".repeat(24);
  const kid25 = generateKid(base24, "MOD10");
  assert.equal(kid25.length, 25);
  assert.ok(isKid(kid25, "MOD10"));
  assert.equal(isKid("1" + kid25, "MOD10"), false);
  assert.throws(() => generateKid("1".repeat(25), "MOD10"), RangeError);
  assert.throws(() => generateKid("", "MOD10"), TypeError);
  assert.throws(() => generateKid("12a", "MOD11"), TypeError);
  assert.equal(isKid("12-3", "MOD11"), false);
  assert.equal(isKid("1 23", "MOD10"), false);
  assert.equal(isKid("-", "MOD11"), false);
});

Deno.test("KID: property — every generated KID validates, one changed digit breaks it", () => {
  const random = prng(SEED + 3);
  let dashes = 0;
  for (let run = 0; run < RUNS; run++) {
    const base = randomDigits(random, randomInt(random, 1, 24));
    const luhn = generateKid(base, "MOD10");
    assert.ok(isKid(luhn, "MOD10"), luhn);
    assert.equal(isKid(mutateOneDigit(random, luhn), "MOD10"), false, luhn);

    const kid = generateKid(base, "MOD11");
    if (kid === null) {
      dashes++;
      assert.ok(isKid(`${base}-`, "MOD11"));
      for (let d = 0; d <= 9; d++) {
        assert.equal(isKid(base + d, "MOD11"), false);
      }
      continue;
    }
    assert.ok(isKid(kid, "MOD11"), kid);
    assert.equal(isKid(kid, "MOD10") && kid === luhn, kid === luhn);
    assert.equal(isKid(mutateOneDigit(random, kid), "MOD11"), false, kid);
  }
  assert.ok(dashes > 0, "the run should meet bases whose MOD11 check is '-'");
});

Deno.test("registreringsnummer: canonical form and normalisation", () => {
  for (const v of ["EL12345", "AB1234", "ZZ99999"]) {
    assert.ok(isRegistreringsnummer(v), v);
  }
  for (
    const v of ["el12345", "EL 12345", "E12345", "EL123", "EL123456", "ÆØ12345"]
  ) {
    assert.equal(isRegistreringsnummer(v), false, v);
  }
  assert.equal(normalizeRegistreringsnummer(" el 12345 "), "EL12345");
  assert.equal(normalizeRegistreringsnummer("Ab\t1234"), "AB1234");
  assert.equal(normalizeRegistreringsnummer("EL-12345"), null);
  assert.equal(normalizeRegistreringsnummer("E112345"), null);
});

Deno.test("postnummer: four digits", () => {
  assert.ok(isPostnummer("0150"));
  assert.ok(isPostnummer("9990"));
  for (const v of ["150", "01500", "015a", " 0150", ""]) {
    assert.equal(isPostnummer(v), false, v);
  }
});

Deno.test("telefon: Norwegian numbers normalise to E.164", () => {
  const cases: [string, string][] = [
    ["91234567", "+4791234567"],
    ["912 34 567", "+4791234567"],
    ["+47 912 34 567", "+4791234567"],
    ["+4791234567", "+4791234567"],
    ["0047 22 33 44 55", "+4722334455"],
    ["004722334455", "+4722334455"],
  ];
  for (const [input, expected] of cases) {
    assert.equal(normalizeTelefon(input), expected, input);
    assert.ok(isTelefon(input), input);
  }
  for (
    const v of [
      "9123456", // 7 digits
      "912345678", // 9 digits
      "12345678", // starts with 1
      "01234567", // starts with 0
      "+46701234567",
      "47 91234567", // country code without + or 00
      "912-34-567",
      "",
    ]
  ) {
    assert.equal(normalizeTelefon(v), null, v);
    assert.equal(isTelefon(v), false, v);
  }
});

Deno.test("licence class codes", () => {
  assert.ok(isLicenceClass("B"));
  assert.ok(isLicenceClass("BE"));
  assert.ok(isLicenceClass("AM146"));
  for (const v of ["b", "X", "", "toString", "__proto__", 1]) {
    assert.equal(isLicenceClass(v), false, String(v));
  }
});
