import assert from "node:assert/strict";
import { DomainError } from "../../runtime/core/mod.ts";
import { AesKeyStore, KeyErrorCode } from "../../runtime/storage/mod.ts";
import type { KeyStore } from "../../runtime/storage/mod.ts";

/** A key store under test and how to tidy up after it. */
export interface KeyStoreFixture {
  keys: KeyStore;
  cleanup?: () => Promise<void>;
}

/** Runs the same `KeyStore` cases against one backend. */
export function keyStoreContract(
  name: string,
  open: () => Promise<KeyStoreFixture>,
): void {
  const test = (title: string, fn: (keys: KeyStore) => Promise<void>) =>
    Deno.test(`key store [${name}]: ${title}`, async () => {
      const { keys, cleanup } = await open();
      try {
        await fn(keys);
      } finally {
        await keys.close();
        await cleanup?.();
      }
    });

  test("AES-256-GCM round trip with a key per subject", async (keys) => {
    const a = await keys.encrypt("e1", "01010012356");
    assert.ok(a.keyId.startsWith("e1:"));
    assert.ok(!a.ciphertext.includes("01010012356"));
    assert.equal(await keys.decrypt(a), "01010012356");
    const again = await keys.encrypt("e1", "01010012356");
    assert.equal(again.keyId, a.keyId);
    assert.notEqual(again.iv, a.iv);
    const b = await keys.encrypt("e2", "01010012356");
    assert.notEqual(b.keyId, a.keyId);
  });

  test("tampering, a moved ciphertext or an unknown key reads as null", async (keys) => {
    const a = await keys.encrypt("e1", "secret");
    await keys.encrypt("e2", "other");
    const flipped = atob(a.ciphertext).split("").map((ch, i) =>
      i === 0 ? String.fromCharCode(ch.charCodeAt(0) ^ 1) : ch
    ).join("");
    assert.equal(await keys.decrypt({ ...a, ciphertext: btoa(flipped) }), null);
    assert.equal(
      await keys.decrypt({ ...a, keyId: a.keyId.replace("e1:", "e2:") }),
      null,
    );
    assert.equal(await keys.decrypt({ ...a, keyId: "nobody:x" }), null);
  });

  test("shredding the key makes every ciphertext unreadable, for good", async (keys) => {
    const a = await keys.encrypt("e1", "secret");
    const other = await keys.encrypt("e2", "kept");
    assert.equal(await keys.erased("e1"), false);
    assert.equal(await keys.shred("e1"), true);
    assert.equal(await keys.decrypt(a), null);
    assert.equal(await keys.erased("e1"), true);
    assert.equal(await keys.shred("e1"), false, "idempotent");
    // The tombstone holds: the subject never gets a key again, so nothing
    // written late can be read under a fresh one.
    await assert.rejects(
      keys.encrypt("e1", "new"),
      (error: unknown) =>
        error instanceof DomainError &&
        error.code === KeyErrorCode.SUBJECT_ERASED,
    );
    assert.equal(await keys.decrypt(a), null);
    assert.equal(await keys.decrypt(other), "kept", "other subjects unharmed");
    // A subject that never had a key can be erased too (data written before
    // sealing): afterwards it takes none.
    assert.equal(await keys.shred("never"), false);
    assert.equal(await keys.erased("never"), true);
    await assert.rejects(keys.encrypt("never", "x"), DomainError);
  });

  test("decryptAll reads a batch in order, null where the key is gone", async (keys) => {
    const a = await keys.encrypt("p1", "Kari");
    const b = await keys.encrypt("p2", "Ola");
    const c = await keys.encrypt("p1", "kari@example.no");
    await keys.shred("p2");
    assert.deepEqual(
      await keys.decryptAll([a, b, c, { ...a, keyId: "nobody:x" }]),
      ["Kari", null, "kari@example.no", null],
    );
    assert.deepEqual(await keys.decryptAll([]), []);
  });

  test("the keys export leaves tombstones out, and an import never revives a shredded key", async (keys) => {
    if (!(keys instanceof AesKeyStore)) return;
    const a = await keys.encrypt("k1", "secret");
    await keys.encrypt("k2", "other");
    const exported = new Map<string, Parameters<AesKeyStore["importKey"]>[1]>();
    for await (const { subject, key } of keys.exportKeys()) {
      exported.set(subject, key);
    }
    assert.ok(exported.has("k1") && exported.has("k2"));
    await keys.shred("k1");
    const after: string[] = [];
    for await (const { subject } of keys.exportKeys()) after.push(subject);
    assert.ok(!after.includes("k1") && after.includes("k2"));
    // An old export taken before the erasure does not bring the key back.
    assert.equal(await keys.importKey("k1", exported.get("k1")!), false);
    assert.equal(await keys.decrypt(a), null);
  });

  test("concurrent first uses of a subject share one key", async (keys) => {
    const values = await Promise.all(
      Array.from({ length: 20 }, (_, i) => keys.encrypt("busy", `v${i}`)),
    );
    assert.equal(new Set(values.map((v) => v.keyId)).size, 1);
    for (const [i, v] of values.entries()) {
      assert.equal(await keys.decrypt(v), `v${i}`);
    }
    await assert.rejects(keys.encrypt("a/b", "x"), TypeError);
  });

  test("a blind index is stable, keyed, and survives shredding people", async (keys) => {
    const a = await keys.blindIndex("email", "kari@example.no");
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.equal(await keys.blindIndex("email", "kari@example.no"), a);
    assert.notEqual(await keys.blindIndex("email", "ola@example.no"), a);
    assert.notEqual(await keys.blindIndex("phone", "kari@example.no"), a);
    // Not a plain hash of the value: it takes the scope's key.
    const plain = new Uint8Array(
      await crypto.subtle.digest(
        "SHA-256",
        new TextEncoder().encode("kari@example.no"),
      ),
    );
    assert.notEqual(
      [...plain].map((b) => b.toString(16).padStart(2, "0")).join(""),
      a,
    );
    await keys.encrypt("person-1", "x");
    await keys.shred("person-1");
    assert.equal(await keys.blindIndex("email", "kari@example.no"), a);
  });
}
