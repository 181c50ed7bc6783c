import assert from "node:assert/strict";
import { generateKeyPair, importJWK, SignJWT } from "../../../deps.ts";
import type { JWTPayload } from "../../../deps.ts";
import { UnauthorizedError } from "../../../runtime/core/mod.ts";
import {
  AuthErrorCodes,
  currentKey,
  FileTokenKeyStore,
  KEY_RELOAD_SECONDS,
  MemoryTokenKeyStore,
  RETIRED_KEY_RETENTION_SECONDS,
  TokenService,
} from "../../../runtime/auth/mod.ts";
import type {
  TokenKeySet,
  TokenKeyStore,
  TokenServiceOptions,
  VersionedKeySet,
} from "../../../runtime/auth/mod.ts";
import { base64url } from "../../../runtime/auth/internal_mod.ts";

const T0 = Date.UTC(2026, 0, 1, 8, 0, 0);
const ISSUER = "https://tms.test";
const AUDIENCE = "tms-api";

/** A store that counts reads: "exactly one reload" is visible through it. */
class CountingStore implements TokenKeyStore {
  reads = 0;
  constructor(readonly inner: TokenKeyStore = new MemoryTokenKeyStore()) {}
  read(): Promise<VersionedKeySet | null> {
    this.reads++;
    return this.inner.read();
  }
  write(keySet: TokenKeySet, revision: string | null): Promise<boolean> {
    return this.inner.write(keySet, revision);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A clock the test moves. */
class Clock {
  ms = T0;
  readonly now = () => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

async function service(
  store: TokenKeyStore = new MemoryTokenKeyStore(),
  clock = new Clock(),
  options: Partial<TokenServiceOptions> = {},
) {
  const tokens = await TokenService.open(store, {
    issuer: ISSUER,
    audience: AUDIENCE,
    now: clock.now,
    ...options,
  });
  return { tokens, store, clock };
}

function rejectedWith(code: string) {
  return (error: unknown) =>
    error instanceof UnauthorizedError && error.code === code;
}
const invalid = rejectedWith(AuthErrorCodes.tokenInvalid);

function part(value: unknown): string {
  return base64url(new TextEncoder().encode(JSON.stringify(value)));
}

function decode(
  token: string,
): { header: Record<string, unknown>; payload: JWTPayload } {
  const [h, p] = token.split(".");
  const text = (s: string) =>
    new TextDecoder().decode(
      Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) =>
        c.charCodeAt(0)),
    );
  return { header: JSON.parse(text(h)), payload: JSON.parse(text(p)) };
}

/** Claims a token of `tokens` would carry at the clock's time. */
function claimsAt(clock: Clock, extra: Record<string, unknown> = {}) {
  const iat = Math.floor(clock.ms / 1000);
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: "user-1",
    jti: "j-1",
    iat,
    exp: iat + 900,
    ...extra,
  };
}

/**
 * Signs `payload` with the store's own current private key, bypassing `sign`
 * and jose (which would refuse to write some of these headers).
 */
async function signWithOwnKey(
  store: TokenKeyStore,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const key = currentKey((await store.read())!.keySet);
  const privateKey = await importJWK(key.privateJwk, "EdDSA") as CryptoKey;
  const input = `${
    part({ alg: "EdDSA", typ: "at+jwt", kid: key.kid, ...header })
  }.${part(payload)}`;
  const signature = await crypto.subtle.sign(
    "Ed25519",
    privateKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${base64url(new Uint8Array(signature))}`;
}

Deno.test("tokens: sign and verify; EdDSA, at+jwt, kid; iss, aud, sub, jti, iat, exp and custom claims", async () => {
  const { tokens, clock } = await service();
  const signed = await tokens.sign({
    sub: "user-1",
    bedrift: "b-7",
    role: "ADMIN",
  });
  assert.equal(signed.expiresIn, 900, "15 min by default");
  const iat = Math.floor(T0 / 1000);
  assert.equal(signed.exp, iat + 900);
  const { header, payload } = decode(signed.token);
  assert.deepEqual(header, {
    alg: "EdDSA",
    typ: "at+jwt",
    kid: tokens.currentKid,
  });
  assert.deepEqual(payload, {
    iss: ISSUER,
    sub: "user-1",
    aud: AUDIENCE,
    exp: iat + 900,
    iat,
    jti: signed.jti,
    bedrift: "b-7",
    role: "ADMIN",
  });
  assert.match(signed.jti, /^[A-Za-z0-9_-]{22}$/);
  clock.advance(60);
  const verified = await tokens.verify(signed.token);
  assert.equal(verified.sub, "user-1");
  assert.equal(verified.jti, signed.jti);
  assert.equal(verified.iat, iat);
  assert.equal(verified.exp, iat + 900);
  assert.equal(verified.kid, tokens.currentKid);
  assert.equal(verified.claims.bedrift, "b-7");
  assert.equal(verified.claims.role, "ADMIN");
  const other = await tokens.sign({ sub: "user-1" });
  assert.notEqual(other.jti, signed.jti, "a fresh jti per token");
  assert.equal(other.expiresIn, 900);
});

Deno.test("tokens: signing is deterministic given claims, iat, jti and key; the caller's claim order does not matter", async () => {
  const { tokens, clock } = await service();
  const iat = Math.floor(T0 / 1000);
  const first = await tokens.sign({
    sub: "u",
    jti: "fixed",
    iat,
    role: "A",
    bedrift: "b",
  });
  clock.advance(30);
  const again = await tokens.sign({
    bedrift: "b",
    role: "A",
    iat,
    jti: "fixed",
    sub: "u",
  });
  assert.equal(
    again.token,
    first.token,
    "the lost-response retry gets the identical token",
  );
  assert.equal(again.exp, first.exp);
  assert.equal(again.expiresIn, 870, "what is left of it");
  const different = await tokens.sign({
    sub: "u",
    jti: "fixed",
    iat,
    role: "B",
    bedrift: "b",
  });
  assert.notEqual(different.token, first.token);
});

Deno.test("tokens: the service's own claims cannot be set, and iat must fall within a lifetime of now", async () => {
  const { tokens } = await service(undefined, undefined, {
    accessTtlSeconds: 300,
  });
  for (const name of ["iss", "aud", "exp", "nbf"]) {
    await assert.rejects(
      tokens.sign({ sub: "u", [name]: "x" }),
      TypeError,
      name,
    );
  }
  await assert.rejects(tokens.sign({ sub: "" }), TypeError);
  const now = Math.floor(T0 / 1000);
  await assert.rejects(tokens.sign({ sub: "u", iat: now + 60 }), RangeError);
  await assert.rejects(
    tokens.sign({ sub: "u", iat: now - 300 }),
    RangeError,
    "born expired",
  );
  await assert.rejects(tokens.sign({ sub: "u", iat: 1.5 }), TypeError);
  const late = await tokens.sign({ sub: "u", iat: now - 299 });
  assert.equal(late.expiresIn, 1);
  assert.equal((await tokens.sign({ sub: "u" })).expiresIn, 300);
});

Deno.test("tokens: options are checked; the lifetime is at most 15 min", async () => {
  const store = new MemoryTokenKeyStore();
  const open = (options: Partial<TokenServiceOptions>) =>
    TokenService.open(store, {
      issuer: ISSUER,
      audience: AUDIENCE,
      ...options,
    });
  await assert.rejects(open({ accessTtlSeconds: 901 }), RangeError);
  await assert.rejects(open({ accessTtlSeconds: 0 }), RangeError);
  await assert.rejects(open({ clockToleranceSeconds: 61 }), RangeError);
  await assert.rejects(open({ issuer: "" }), TypeError);
  await assert.rejects(open({ audience: "" }), TypeError);
  assert.equal(await store.read(), null, "nothing written by a refused open");
  const tokens = await open({});
  assert.equal(tokens.accessTtlSeconds, 900);
});

Deno.test("tokens: alg none is refused", async () => {
  const { tokens, clock } = await service();
  const token = `${
    part({ alg: "none", typ: "at+jwt", kid: tokens.currentKid })
  }.${part(claimsAt(clock))}.`;
  await assert.rejects(tokens.verify(token), invalid);
  await assert.rejects(tokens.verify(token.replace(/\.$/, ".AAAA")), invalid);
});

Deno.test("tokens: HS256 keyed with the public key is refused", async () => {
  const { tokens, clock } = await service();
  const jwk = tokens.jwks().keys[0];
  const header = part({ alg: "HS256", typ: "at+jwt", kid: jwk.kid });
  const body = part(claimsAt(clock));
  // The classic confusion: the public key's bytes (raw, and as its JWK JSON) as an HMAC secret.
  const secrets = [
    Uint8Array.from(
      atob(jwk.x.replace(/-/g, "+").replace(/_/g, "/")),
      (c) => c.charCodeAt(0),
    ),
    new TextEncoder().encode(JSON.stringify(jwk)),
  ];
  for (const secret of secrets) {
    const key = await crypto.subtle.importKey(
      "raw",
      secret,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = await crypto.subtle.sign(
      "HMAC",
      key,
      new TextEncoder().encode(`${header}.${body}`),
    );
    await assert.rejects(
      tokens.verify(`${header}.${body}.${base64url(new Uint8Array(mac))}`),
      invalid,
    );
  }
});

Deno.test("tokens: RS256 is refused, even validly signed and naming our kid", async () => {
  const { tokens, clock } = await service();
  const { privateKey } = await generateKeyPair("RS256");
  const token = await new SignJWT(claimsAt(clock))
    .setProtectedHeader({ alg: "RS256", typ: "at+jwt", kid: tokens.currentKid })
    .sign(privateKey);
  await assert.rejects(tokens.verify(token), invalid);
});

Deno.test("tokens: any algorithm other than EdDSA is refused (ES256, PS256, Ed25519 by its new name)", async () => {
  const { tokens, store, clock } = await service();
  for (const alg of ["ES256", "PS256"]) {
    const { privateKey } = await generateKeyPair(alg);
    const token = await new SignJWT(claimsAt(clock))
      .setProtectedHeader({ alg, typ: "at+jwt", kid: tokens.currentKid })
      .sign(privateKey);
    await assert.rejects(tokens.verify(token), invalid, alg);
  }
  // Our own key under the fully-specified name of RFC 9864: not on the list.
  const token = await signWithOwnKey(store, claimsAt(clock), {
    alg: "Ed25519",
  });
  await assert.rejects(tokens.verify(token), invalid);
  // The same key and claims as EdDSA verify: the name alone refused it.
  const good = await signWithOwnKey(store, claimsAt(clock));
  assert.equal((await tokens.verify(good)).sub, "user-1");
});

Deno.test("tokens: a typ other than at+jwt, or none, is refused", async () => {
  const { tokens, store, clock } = await service();
  for (const typ of ["JWT", "jwt", "application/jwt", "at+jwt2"]) {
    const token = await signWithOwnKey(store, claimsAt(clock), { typ });
    await assert.rejects(tokens.verify(token), invalid, typ);
  }
  const untyped = await signWithOwnKey(store, claimsAt(clock), {
    typ: undefined,
  });
  await assert.rejects(tokens.verify(untyped), invalid);
  // RFC 9068's long form is the same type.
  const long = await signWithOwnKey(store, claimsAt(clock), {
    typ: "application/at+jwt",
  });
  assert.equal((await tokens.verify(long)).sub, "user-1");
});

Deno.test("tokens: an unknown kid is refused after exactly one reload of the key set (then rate-limited)", async () => {
  const store = new CountingStore();
  const { tokens, clock } = await service(store);
  const { privateKey } = await generateKeyPair("EdDSA", {
    crv: "Ed25519",
  });
  const foreign = async (kid: string) =>
    await new SignJWT(claimsAt(clock))
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid })
      .sign(privateKey);
  clock.advance(2);
  const before = store.reads;
  await assert.rejects(tokens.verify(await foreign("nobody-knows")), invalid);
  assert.equal(store.reads, before + 1, "one reload");
  await assert.rejects(tokens.verify(await foreign("nor-this")), invalid);
  assert.equal(
    store.reads,
    before + 1,
    "a second unknown kid within a second reloads nothing",
  );
  clock.advance(1);
  await assert.rejects(tokens.verify(await foreign("again")), invalid);
  assert.equal(store.reads, before + 2);
  // Without a kid at all: refused without a reload.
  const noKid = await new SignJWT(claimsAt(clock))
    .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt" })
    .sign(privateKey);
  clock.advance(5);
  await assert.rejects(tokens.verify(noKid), invalid);
  assert.equal(store.reads, before + 2);
  // A foreign key under our kid: the signature does not verify.
  await assert.rejects(
    tokens.verify(await foreign(tokens.currentKid)),
    invalid,
  );
});

Deno.test("tokens: a wrong iss is refused", async () => {
  const { tokens, store, clock } = await service();
  const token = await signWithOwnKey(
    store,
    claimsAt(clock, { iss: "https://evil.test" }),
  );
  await assert.rejects(tokens.verify(token), invalid);
  const { tokens: otherIssuer } = await service(store, clock, {
    issuer: "https://other.test",
  });
  await assert.rejects(
    otherIssuer.verify((await tokens.sign({ sub: "u" })).token),
    invalid,
  );
});

Deno.test("tokens: a wrong aud is refused", async () => {
  const { tokens, store, clock } = await service();
  const token = await signWithOwnKey(
    store,
    claimsAt(clock, { aud: "another-api" }),
  );
  await assert.rejects(tokens.verify(token), invalid);
  const { tokens: otherAudience } = await service(store, clock, {
    audience: "another-api",
  });
  await assert.rejects(
    otherAudience.verify((await tokens.sign({ sub: "u" })).token),
    invalid,
  );
});

Deno.test("tokens: expired is refused as auth.token_expired, after the clock tolerance", async () => {
  const { tokens, clock } = await service();
  const { token, exp } = await tokens.sign({ sub: "u" });
  clock.ms = (exp + 4) * 1000;
  assert.equal(
    (await tokens.verify(token)).sub,
    "u",
    "within the 5 s tolerance",
  );
  clock.ms = (exp + 5) * 1000;
  await assert.rejects(
    tokens.verify(token),
    rejectedWith(AuthErrorCodes.tokenExpired),
  );
  const strict = await service(new MemoryTokenKeyStore(), new Clock(), {
    clockToleranceSeconds: 0,
  });
  const short = await strict.tokens.sign({ sub: "u" });
  strict.clock.ms = short.exp * 1000;
  await assert.rejects(
    strict.tokens.verify(short.token),
    rejectedWith(AuthErrorCodes.tokenExpired),
  );
});

Deno.test("tokens: a tampered signature, payload or header is refused", async () => {
  const { tokens } = await service();
  const { token } = await tokens.sign({ sub: "user-1", role: "EMPLOYEE" });
  const [h, p, s] = token.split(".");
  const flip = (text: string, at: number) =>
    text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
  await assert.rejects(tokens.verify(`${h}.${p}.${flip(s, 10)}`), invalid);
  await assert.rejects(tokens.verify(`${h}.${p}.${s.slice(0, -4)}`), invalid);
  await assert.rejects(tokens.verify(`${h}.${p}.`), invalid);
  const payload = decode(token).payload;
  await assert.rejects(
    tokens.verify(`${h}.${part({ ...payload, role: "ADMIN" })}.${s}`),
    invalid,
  );
  const header = decode(token).header;
  await assert.rejects(
    tokens.verify(`${part({ ...header, extra: 1 })}.${p}.${s}`),
    invalid,
  );
  for (const junk of ["", "a.b", "a.b.c.d", "x".repeat(9000), `${h}.${p}`]) {
    await assert.rejects(tokens.verify(junk), invalid, junk.slice(0, 10));
  }
});

Deno.test("tokens: our own key cannot make a token we would not issue (iat ahead, too long, claims missing)", async () => {
  const { tokens, store, clock } = await service();
  const iat = Math.floor(clock.ms / 1000);
  const future = await signWithOwnKey(
    store,
    claimsAt(clock, { iat: iat + 60, exp: iat + 900 }),
  );
  await assert.rejects(tokens.verify(future), invalid);
  const long = await signWithOwnKey(
    store,
    claimsAt(clock, { exp: iat + 3600 }),
  );
  await assert.rejects(tokens.verify(long), invalid);
  for (const missing of ["sub", "jti", "iat", "exp"]) {
    const claims: Record<string, unknown> = claimsAt(clock);
    delete claims[missing];
    await assert.rejects(
      tokens.verify(await signWithOwnKey(store, claims)),
      invalid,
      missing,
    );
  }
  const crit = await signWithOwnKey(store, claimsAt(clock), { crit: ["exp"] });
  await assert.rejects(tokens.verify(crit), invalid);
  // A node whose clock runs 2 min ahead issues what the others refuse until it is due.
  const ahead = new Clock();
  ahead.advance(120);
  const { tokens: fast } = await service(store, ahead);
  const early = await fast.sign({ sub: "u" });
  await assert.rejects(tokens.verify(early.token), invalid);
  clock.advance(116);
  assert.equal(
    (await tokens.verify(early.token)).sub,
    "u",
    "within the tolerance",
  );
});

Deno.test("tokens: rotation keeps old tokens valid until they expire, then the old key is dropped", async () => {
  const { tokens, store, clock } = await service();
  const firstKid = tokens.currentKid;
  const old = await tokens.sign({ sub: "u" });
  clock.advance(600);
  const newKid = await tokens.rotate();
  assert.notEqual(newKid, firstKid);
  assert.equal(tokens.currentKid, newKid);
  const fresh = await tokens.sign({ sub: "u" });
  assert.equal(decode(fresh.token).header.kid, newKid);
  assert.equal(decode(old.token).header.kid, firstKid);
  assert.equal((await tokens.verify(old.token)).kid, firstKid, "still valid");
  assert.deepEqual(tokens.jwks().keys.map((k) => k.kid), [newKid, firstKid]);
  clock.ms = (old.exp + 5) * 1000;
  await assert.rejects(
    tokens.verify(old.token),
    rejectedWith(AuthErrorCodes.tokenExpired),
  );
  // The retired key verifies for its retention, then no longer at all.
  const rotatedAt = T0 + 600_000;
  clock.ms = rotatedAt + RETIRED_KEY_RETENTION_SECONDS * 1000 - 1;
  assert.deepEqual(tokens.jwks().keys.map((k) => k.kid), [newKid, firstKid]);
  clock.ms = rotatedAt + RETIRED_KEY_RETENTION_SECONDS * 1000;
  assert.deepEqual(tokens.jwks().keys.map((k) => k.kid), [newKid]);
  await assert.rejects(tokens.verify(old.token), invalid, "its key is gone");
  // The next rotation removes it from the store too.
  await tokens.rotate();
  const kids = (await store.read())!.keySet.keys.map((k) => k.kid);
  assert.equal(kids.length, 2);
  assert.ok(!kids.includes(firstKid));
});

Deno.test("tokens: the JWKS lists exactly the keys that verify, public parts only", async () => {
  const { tokens, clock } = await service();
  const signed: { kid: string; token: string }[] = [];
  for (let i = 0; i < 3; i++) {
    const { token } = await tokens.sign({ sub: `u${i}` });
    signed.push({ kid: tokens.currentKid, token });
    clock.advance(300);
    await tokens.rotate();
  }
  const jwks = tokens.jwks();
  assert.deepEqual(
    new Set(jwks.keys.map((k) => k.kid)),
    new Set([tokens.currentKid, ...signed.map((s) => s.kid)]),
  );
  for (const key of jwks.keys) {
    assert.deepEqual(Object.keys(key).sort(), [
      "alg",
      "crv",
      "kid",
      "kty",
      "use",
      "x",
    ]);
    assert.equal(key.alg, "EdDSA");
    assert.equal(key.use, "sig");
  }
  // Each listed key checks its own tokens with nothing but the JWKS.
  const { jwtVerify } = await import("../../../deps.ts");
  for (const { kid, token } of signed) {
    const jwk = jwks.keys.find((k) => k.kid === kid)!;
    const { payload } = await jwtVerify(token, await importJWK(jwk, "EdDSA"), {
      currentDate: new Date(T0),
    });
    assert.ok(payload.sub);
  }
  assert.equal(JSON.stringify(jwks).includes('"d"'), false);
});

Deno.test("tokens: two nodes rotating at once end with one new signing key", async () => {
  const store = new MemoryTokenKeyStore();
  const clock = new Clock();
  const { tokens: a } = await service(store, clock);
  const { tokens: b } = await service(store, clock);
  const before = a.currentKid;
  const [kidA, kidB] = await Promise.all([a.rotate(), b.rotate()]);
  assert.equal(kidA, kidB);
  assert.notEqual(kidA, before);
  assert.equal(a.currentKid, b.currentKid);
  assert.deepEqual(a.jwks(), b.jwks());
  assert.equal(a.jwks().keys.length, 2);
});

Deno.test("tokens: a node picks up a rotation done elsewhere (file store: the node and the ops task)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-auth-tokens-" });
  try {
    const clock = new Clock();
    const path = `${dir}/auth_keys.json`;
    const { tokens: a } = await service(
      new CountingStore(new FileTokenKeyStore(path)),
      clock,
    );
    const { tokens: b } = await service(new FileTokenKeyStore(path), clock);
    const old = a.currentKid;
    clock.advance(10);
    const rotated = await b.rotate();
    // b signs with the new key at once; a verifies it at once (unknown kid → reload).
    const fromB = await b.sign({ sub: "u" });
    assert.equal(decode(fromB.token).header.kid, rotated);
    assert.equal((await a.verify(fromB.token)).kid, rotated);
    // a went on signing with the old key until its copy was a minute old.
    const a2 = await service(new FileTokenKeyStore(path), clock);
    clock.advance(1);
    await b.rotate();
    const stale = await a2.tokens.sign({ sub: "u" });
    assert.notEqual(
      decode(stale.token).header.kid,
      b.currentKid,
      "copy younger than a minute",
    );
    assert.equal(
      (await b.verify(stale.token)).sub,
      "u",
      "and those tokens verify everywhere",
    );
    clock.advance(KEY_RELOAD_SECONDS);
    const current = await a2.tokens.sign({ sub: "u" });
    assert.equal(decode(current.token).header.kid, b.currentKid);
    assert.notEqual(old, rotated);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tokens: a node that only verifies lists a key rotated elsewhere in its JWKS within a minute", async () => {
  const store = new CountingStore();
  const clock = new Clock();
  const { tokens: verifier } = await service(store, clock);
  const { tokens: signer } = await service(store, clock);
  const { token } = await signer.sign({ sub: "u" });
  const rotated = await signer.rotate();
  clock.advance(KEY_RELOAD_SECONDS - 1);
  const reads = store.reads;
  await verifier.verify(token);
  await verifier.refresh();
  assert.equal(
    store.reads,
    reads,
    "a copy younger than a minute is used as it is",
  );
  assert.ok(!verifier.jwks().keys.some((k) => k.kid === rotated));
  clock.advance(1);
  await verifier.verify(token);
  assert.equal(store.reads, reads + 1, "one reload");
  assert.ok(verifier.jwks().keys.some((k) => k.kid === rotated));
  await verifier.refresh();
  assert.equal(store.reads, reads + 1, "fresh again");
  // A JWKS route calls refresh() first: no token needed.
  const otherRotation = await signer.rotate();
  clock.advance(KEY_RELOAD_SECONDS);
  await verifier.refresh();
  assert.equal(verifier.jwks().keys[0].kid, otherRotation);
});

Deno.test("tokens: refreshMac is HMAC-SHA256 with a secret the nodes share and rotation keeps", async () => {
  const store = new MemoryTokenKeyStore();
  const { tokens: a } = await service(store);
  const { tokens: b } = await service(store);
  const mac = await a.refreshMac("refresh-token-1");
  assert.match(mac, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(await a.refreshMac("refresh-token-1"), mac, "deterministic");
  assert.equal(await b.refreshMac("refresh-token-1"), mac, "shared");
  assert.notEqual(await a.refreshMac("refresh-token-2"), mac);
  await a.rotate();
  assert.equal(await a.refreshMac("refresh-token-1"), mac, "survives rotation");
  const { keySet } = (await store.read())!;
  const key = await crypto.subtle.importKey(
    "raw",
    Uint8Array.from(
      atob(keySet.refreshSecret.replace(/-/g, "+").replace(/_/g, "/")),
      (c) => c.charCodeAt(0),
    ),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const expected = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode("refresh-token-1"),
  );
  assert.equal(mac, base64url(new Uint8Array(expected)));
  const { tokens: other } = await service();
  assert.notEqual(
    await other.refreshMac("refresh-token-1"),
    mac,
    "another key set, another secret",
  );
});

Deno.test("tokens: a closed service refuses work", async () => {
  const { tokens } = await service();
  const { token } = await tokens.sign({ sub: "u" });
  await tokens.close();
  await assert.rejects(tokens.sign({ sub: "u" }), TypeError);
  await assert.rejects(tokens.verify(token), TypeError);
  await assert.rejects(tokens.refreshMac("x"), TypeError);
});
