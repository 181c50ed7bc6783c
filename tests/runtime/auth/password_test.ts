import assert from "node:assert/strict";
import { DomainError, UnavailableError } from "../../../runtime/core/mod.ts";
import {
  Argon2idHasher,
  checkPassword,
  isCommonPassword,
  OWASP_ARGON2ID,
  parsePhc,
  PasswordErrorCodes,
} from "../../../runtime/auth/mod.ts";
import {
  COMMON_PASSWORDS,
  MAX_PASSWORD_BYTES,
} from "../../../runtime/auth/internal_mod.ts";
import { CountingHasher } from "../../support/mod.ts";

const PASSWORD = "correct horse battery staple";

Deno.test("argon2id: a PHC string with OWASP's parameters that verifies the password only", async () => {
  const hasher = new Argon2idHasher();
  const phc = await hasher.hash(PASSWORD);
  assert.match(
    phc,
    /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/,
  );
  assert.equal(await hasher.verify(phc, PASSWORD), true);
  assert.equal(await hasher.verify(phc, `${PASSWORD}.`), false);
  assert.equal(await hasher.verify(phc, ""), false);
  const again = await hasher.hash(PASSWORD);
  assert.notEqual(again, phc, "a fresh salt per hash");
  assert.equal(await hasher.verify(again, PASSWORD), true);
});

Deno.test("argon2id: the password is NFC-normalised, so both spellings of å verify", async () => {
  const hasher = new Argon2idHasher();
  const decomposed = "bla\u030Abærsyltetøy!"; // a + combining ring
  const composed = "bl\u00E5bærsyltetøy!";
  assert.notEqual(decomposed, composed);
  const phc = await hasher.hash(decomposed);
  assert.equal(await hasher.verify(phc, composed), true);
  assert.equal(await hasher.verify(phc, "blabærsyltetøy!"), false);
});

Deno.test("argon2id: parameters are configurable with OWASP's as the floor", async () => {
  assert.deepEqual({ ...OWASP_ARGON2ID }, {
    memoryCost: 19_456,
    timeCost: 2,
    parallelism: 1,
  });
  assert.throws(() => new Argon2idHasher({ memoryCost: 19_455 }), RangeError);
  assert.throws(() => new Argon2idHasher({ timeCost: 1 }), RangeError);
  assert.throws(() => new Argon2idHasher({ parallelism: 0 }), RangeError);
  assert.throws(() => new Argon2idHasher({ timeCost: 2.5 }), RangeError);
  const strong = new Argon2idHasher({
    memoryCost: 24_576,
    timeCost: 3,
    parallelism: 2,
  });
  const phc = await strong.hash(PASSWORD);
  assert.deepEqual(parsePhc(phc), {
    algorithm: "argon2id",
    version: 19,
    memoryCost: 24_576,
    timeCost: 3,
    parallelism: 2,
    saltBytes: 16,
    hashBytes: 32,
  });
  assert.equal(await strong.verify(phc, PASSWORD), true);
  // Any hasher verifies what another made: the parameters are in the string.
  assert.equal(await new Argon2idHasher().verify(phc, PASSWORD), true);
});

Deno.test("argon2id: needsRehash when the stored parameters are below the current ones or another algorithm", async () => {
  const floor = new Argon2idHasher();
  const stronger = new Argon2idHasher({ memoryCost: 32_768, timeCost: 3 });
  const weakPhc = await floor.hash(PASSWORD);
  const strongPhc = await stronger.hash(PASSWORD);
  assert.equal(floor.needsRehash(weakPhc), false);
  assert.equal(stronger.needsRehash(weakPhc), true);
  assert.equal(stronger.needsRehash(strongPhc), false);
  assert.equal(floor.needsRehash(strongPhc), false, "stronger is not below");
  // One parameter below is enough, even when another is above.
  const mixed = weakPhc.replace("m=19456,t=2", "m=65536,t=2");
  assert.equal(stronger.needsRehash(mixed), true, "t=2 < 3");
  const salt = weakPhc.split("$")[4];
  const hash = weakPhc.split("$")[5];
  assert.equal(
    floor.needsRehash(`$argon2i$v=19$m=19456,t=2,p=1$${salt}$${hash}`),
    true,
  );
  assert.equal(
    floor.needsRehash(`$argon2id$v=16$m=19456,t=2,p=1$${salt}$${hash}`),
    true,
  );
  assert.equal(
    floor.needsRehash(
      `$argon2id$v=19$m=19456,t=2,p=1$${salt.slice(0, 11)}$${hash}`,
    ),
    true,
    "short salt",
  );
  assert.equal(floor.needsRehash("$2b$12$abcdefghijklmnopqrstuv"), true);
  assert.equal(floor.needsRehash(""), true);
});

Deno.test("argon2id: a string that is no argon2 hash is a TypeError, not a wrong password", async () => {
  const hasher = new Argon2idHasher();
  await assert.rejects(
    hasher.verify("$2b$12$abcdefghijklmnopqrstuv", PASSWORD),
    TypeError,
  );
  await assert.rejects(hasher.verify("", PASSWORD), TypeError);
  await assert.rejects(
    hasher.verify("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$AAAA", PASSWORD),
    TypeError,
  );
});

Deno.test("argon2id: verifyDummy is one verification against a fixed hash with the current parameters", async () => {
  const inner = new Argon2idHasher({ memoryCost: 24_576, timeCost: 3 });
  const hasher = new CountingHasher(inner);
  assert.equal(await hasher.verifyDummy(PASSWORD), false);
  assert.equal(await hasher.verifyDummy(""), false);
  assert.equal(hasher.verifications, 2);
  assert.equal(hasher.dummyVerifications, 2);
  assert.equal(hasher.hashes, 0, "no hash computed to make the dummy");
  const dummy = parsePhc(inner.dummyHash)!;
  assert.deepEqual(
    { m: dummy.memoryCost, t: dummy.timeCost, p: dummy.parallelism },
    { m: 24_576, t: 3, p: 1 },
  );
  assert.equal(dummy.algorithm, "argon2id");
  assert.equal(
    inner.needsRehash(inner.dummyHash),
    false,
    "as costly as a real one",
  );
  assert.equal(await inner.verify(inner.dummyHash, PASSWORD), false);
  hasher.reset();
  const phc = await hasher.hash(PASSWORD);
  assert.equal(await hasher.verify(phc, PASSWORD), true);
  assert.deepEqual(
    [hasher.hashes, hasher.verifications, hasher.dummyVerifications],
    [1, 1, 0],
  );
});

Deno.test("argon2id: an over-long password is refused without hashing", async () => {
  const hasher = new Argon2idHasher();
  const long = "x".repeat(MAX_PASSWORD_BYTES + 1);
  await assert.rejects(hasher.hash(long), RangeError);
  const phc = await hasher.hash(PASSWORD);
  assert.equal(await hasher.verify(phc, long), false);
  assert.equal(await hasher.verifyDummy(long), false);
  // 340 × "ø" is 680 bytes: within the bound.
  assert.equal(await hasher.verify(phc, "ø".repeat(340)), false);
});

Deno.test("argon2id: at most `concurrency` hashes at once, then a bounded queue, then UnavailableError", async () => {
  const hasher = new Argon2idHasher({ concurrency: 1, maxQueue: 1 });
  const results = await Promise.allSettled([
    hasher.hash("first password!"),
    hasher.hash("second password"),
    hasher.hash("third password!"),
  ]);
  assert.equal(results[0].status, "fulfilled");
  assert.equal(results[1].status, "fulfilled");
  assert.equal(results[2].status, "rejected");
  assert.ok(
    (results[2] as PromiseRejectedResult).reason instanceof UnavailableError,
  );
  // The slots are free again afterwards.
  assert.match(await hasher.hash("fourth password"), /^\$argon2id\$/);
  const aborted = AbortSignal.abort(new Error("gone"));
  await assert.rejects(hasher.hash(PASSWORD, { signal: aborted }), /gone/);
  assert.throws(() => new Argon2idHasher({ concurrency: 0 }), RangeError);
});

function refusedWith(code: string) {
  return (error: unknown) =>
    error instanceof DomainError && error.code === code && error.status === 422;
}

Deno.test("password policy: 12 to 128 code points after NFC", () => {
  assert.equal(checkPassword(PASSWORD), PASSWORD);
  assert.throws(
    () => checkPassword("short pass!"),
    refusedWith(PasswordErrorCodes.tooShort),
  );
  assert.equal(checkPassword("x7#".repeat(4)), "x7#".repeat(4), "exactly 12");
  // 11 emoji are 22 UTF-16 units but 11 code points: too short.
  assert.throws(
    () => checkPassword("🦊".repeat(11)),
    refusedWith(PasswordErrorCodes.tooShort),
  );
  assert.equal(checkPassword("🦊".repeat(12)), "🦊".repeat(12));
  // "e" + combining acute × 12 is 24 code points, 12 after NFC.
  const nfd = "e\u0301".repeat(12);
  assert.equal(checkPassword(nfd), "\u00e9".repeat(12), "returned NFC");
  assert.throws(
    () => checkPassword("e\u0301".repeat(11)),
    refusedWith(PasswordErrorCodes.tooShort),
  );
  const max = "abcdefgh".repeat(16);
  assert.equal(checkPassword(max), max, "exactly 128");
  assert.throws(
    () => checkPassword(`${max}x`),
    refusedWith(PasswordErrorCodes.tooLong),
  );
  assert.throws(
    () => checkPassword("ø".repeat(129)),
    refusedWith(PasswordErrorCodes.tooLong),
  );
  assert.throws(() => checkPassword(undefined as unknown as string), TypeError);
});

Deno.test("password policy: a common password, or one followed by digits and symbols, is too common", () => {
  for (
    const common of [
      "passwordpassword",
      "password1234",
      "Password2024!",
      "PASSWORD123456",
      "123456789012",
      "111111111111",
      "qwertyuiop123",
      "1qaz2wsx3edc",
      "iloveyou2024",
      "Sommer2024!!",
      "passord12345",
      "Vålerenga1913",
      "qwertyuiopå1",
      "letmein!!!!!",
    ]
  ) {
    assert.throws(
      () => checkPassword(common),
      refusedWith(PasswordErrorCodes.tooCommon),
      common,
    );
  }
  // The list is NFC: a decomposed å is the same word.
  assert.equal(isCommonPassword("Va\u030Alerenga1913"), true);
  for (
    const fine of [
      PASSWORD,
      "password is not enough",
      "1234 my own words",
      "sommerfuglvinge",
      "xkcd936entropy",
    ]
  ) {
    assert.equal(checkPassword(fine), fine);
  }
});

Deno.test("password policy: the built-in list is a few hundred lowercase NFC entries", () => {
  assert.ok(COMMON_PASSWORDS.size >= 300, `${COMMON_PASSWORDS.size}`);
  for (const word of COMMON_PASSWORDS) {
    assert.equal(word, word.normalize("NFC").toLowerCase());
    assert.ok(word.length > 0);
  }
  for (const word of ["123456", "password", "qwerty", "iloveyou", "passord"]) {
    assert.ok(COMMON_PASSWORDS.has(word), word);
  }
});
