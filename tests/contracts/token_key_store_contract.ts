import assert from "node:assert/strict";
import {
  currentKey,
  ensureKeySet,
  RETIRED_KEY_RETENTION_SECONDS,
  rotateKeySet,
  verifyingKeys,
} from "../../runtime/auth/mod.ts";
import type { TokenKeySet, TokenKeyStore } from "../../runtime/auth/mod.ts";
import { newTokenKey } from "../../runtime/auth/internal_mod.ts";

/** A key store under test, a second handle on the same data, and cleanup. */
export interface TokenKeyStoreFixture {
  store: TokenKeyStore;
  /** Another handle on the same key set (another process or node). */
  second(): Promise<TokenKeyStore>;
  cleanup?: () => Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1, 8, 0, 0);

async function keySet(nowMs = T0): Promise<TokenKeySet> {
  return {
    version: 1,
    keys: [await newTokenKey(nowMs)],
    refreshSecret: "A".repeat(43),
  };
}

/** Runs the same `TokenKeyStore` cases against one backend. */
export function tokenKeyStoreContract(
  name: string,
  open: () => Promise<TokenKeyStoreFixture>,
): void {
  const test = (
    title: string,
    fn: (fixture: TokenKeyStoreFixture) => Promise<void>,
  ) =>
    Deno.test(`token key store [${name}]: ${title}`, async () => {
      const fixture = await open();
      const opened: TokenKeyStore[] = [];
      const second = async () => {
        const store = await fixture.second();
        opened.push(store);
        return store;
      };
      try {
        await fn({ ...fixture, second });
      } finally {
        for (const store of opened) await store.close();
        await fixture.store.close();
        await fixture.cleanup?.();
      }
    });

  test("empty reads null; the first write needs revision null, once", async ({ store }) => {
    assert.equal(await store.read(), null);
    const first = await keySet();
    assert.equal(
      await store.write(first, "1"),
      false,
      "no set: not revision 1",
    );
    assert.equal(await store.write(first, null), true);
    assert.equal(await store.write(await keySet(), null), false, "exists now");
    const read = await store.read();
    assert.ok(read);
    assert.deepEqual(read.keySet, first);
    assert.equal((await store.read())!.revision, read.revision, "stable");
  });

  test("a write needs the revision last read; a stale one loses", async ({ store, second }) => {
    await store.write(await keySet(), null);
    const a = (await store.read())!;
    const other = await second();
    const b = (await other.read())!;
    assert.equal(b.revision, a.revision, "both handles see one revision");
    const next = { ...a.keySet, keys: [await newTokenKey(T0 + 1000)] };
    assert.equal(await store.write(next, a.revision), true);
    const late = { ...b.keySet, keys: [await newTokenKey(T0 + 2000)] };
    assert.equal(await other.write(late, b.revision), false, "lost update");
    const now = (await other.read())!;
    assert.notEqual(now.revision, a.revision);
    assert.equal(now.keySet.keys[0].kid, next.keys[0].kid);
  });

  test("a malformed key set is refused, not stored", async ({ store }) => {
    const bad = { ...(await keySet()), keys: [] };
    await assert.rejects(store.write(bad, null), TypeError);
    const noSecret = { ...(await keySet()), refreshSecret: "" };
    await assert.rejects(store.write(noSecret, null), TypeError);
    assert.equal(await store.read(), null);
  });

  test("two handles creating at once share one key set", async ({ store, second }) => {
    const other = await second();
    const [a, b] = await Promise.all([
      ensureKeySet(store, T0),
      ensureKeySet(other, T0),
    ]);
    assert.equal(a.revision, b.revision);
    assert.equal(currentKey(a.keySet).kid, currentKey(b.keySet).kid);
    assert.equal(a.keySet.refreshSecret, b.keySet.refreshSecret);
  });

  test("two handles rotating at once end with one new key and one set", async ({ store, second }) => {
    const other = await second();
    const start = await ensureKeySet(store, T0);
    const old = currentKey(start.keySet).kid;
    const [a, b] = await Promise.all([
      rotateKeySet(store, T0 + 60_000),
      rotateKeySet(other, T0 + 60_000),
    ]);
    const kidA = currentKey(a.keySet).kid;
    assert.equal(currentKey(b.keySet).kid, kidA, "both end with one signer");
    assert.notEqual(kidA, old);
    const [x, y] = [(await store.read())!, (await other.read())!];
    assert.equal(x.revision, y.revision);
    assert.deepEqual(x.keySet, y.keySet);
    assert.deepEqual(x.keySet.keys.map((k) => k.kid), [kidA, old]);
    assert.equal(x.keySet.keys.filter((k) => k.retiredAt === null).length, 1);
    assert.equal(x.keySet.refreshSecret, start.keySet.refreshSecret);
  });

  test("rotation retires the signer, and drops keys past their retention", async ({ store }) => {
    const first = currentKey((await ensureKeySet(store, T0)).keySet);
    const t1 = T0 + 3_600_000;
    const afterOne = await rotateKeySet(store, t1);
    const second = currentKey(afterOne.keySet);
    const retired = afterOne.keySet.keys.find((k) => k.kid === first.kid)!;
    assert.equal(retired.retiredAt, new Date(t1).toISOString());
    assert.equal(second.retiredAt, null);
    const retention = RETIRED_KEY_RETENTION_SECONDS * 1000;
    assert.deepEqual(
      verifyingKeys(afterOne.keySet, t1 + retention - 1).map((k) => k.kid),
      [second.kid, first.kid],
    );
    assert.deepEqual(
      verifyingKeys(afterOne.keySet, t1 + retention).map((k) => k.kid),
      [second.kid],
    );
    // A rotation within the retention keeps the first key; one after drops it.
    const t2 = t1 + retention - 10_000;
    const afterTwo = await rotateKeySet(store, t2);
    assert.equal(afterTwo.keySet.keys.length, 3);
    const afterThree = await rotateKeySet(store, t1 + retention);
    const kids = afterThree.keySet.keys.map((k) => k.kid);
    assert.equal(kids.length, 3);
    assert.ok(!kids.includes(first.kid), "the first key is gone");
    assert.deepEqual((await store.read())!.keySet, afterThree.keySet);
  });
}
