import assert from "node:assert/strict";
import { natsConnect } from "../../../deps.ts";
import type { NatsConnection } from "../../../deps.ts";
import { UnavailableError } from "../../../runtime/core/mod.ts";
import {
  KvKeyStore,
  MemoryKeyStore,
  NatsKeyStore,
  openEmbeddedKeyStore,
} from "../../../runtime/storage/mod.ts";
import { NatsServer } from "../../support/mod.ts";
import { keyStoreContract } from "../../contracts/key_store_contract.ts";
import type { KeyStoreFixture } from "../../contracts/key_store_contract.ts";

/** A nats-server of its own (a missing binary fails the test) and a connection. */
async function natsWithConnection(): Promise<
  { server: NatsServer; nc: NatsConnection }
> {
  const server = await NatsServer.start();
  try {
    return { server, nc: await natsConnect({ servers: server.url }) };
  } catch (error) {
    await server.dispose();
    throw error;
  }
}

const backends: [string, () => Promise<KeyStoreFixture>][] = [
  ["memory", () => Promise.resolve({ keys: new MemoryKeyStore() })],
  ["deno-kv", async () => {
    const dir = await Deno.makeTempDir({ prefix: "tms-keys-" });
    const keys = await KvKeyStore.open(`${dir}/keys.kv`);
    return {
      keys,
      async cleanup() {
        await keys.close();
        await Deno.remove(dir, { recursive: true });
      },
    };
  }],
  ["jetstream-kv", async () => {
    const { server, nc } = await natsWithConnection();
    return {
      keys: await NatsKeyStore.open(nc),
      async cleanup() {
        await nc.close();
        await server.dispose();
      },
    };
  }],
];

for (const [name, open] of backends) keyStoreContract(name, open);

Deno.test("key store [deno-kv]: keys persist, the file is owner-only, racing creates of one subject agree, a burst of new subjects commits together", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-keys-" });
  const path = `${dir}/keys.kv`;
  const first = await KvKeyStore.open(path);
  try {
    const [a, b] = await Promise.all([
      first.encrypt("e1", "from first"),
      first.encrypt("e1", "from second"),
    ]);
    assert.equal(a.keyId, b.keyId);
    // 300 new subjects at once: each gets its own key, every one readable.
    const many = await Promise.all(
      Array.from({ length: 300 }, (_, i) => first.encrypt(`s${i}`, `v${i}`)),
    );
    assert.equal(new Set(many.map((v) => v.keyId)).size, 300);
    await first.close();
    const reopened = await KvKeyStore.open(path);
    try {
      assert.equal(await reopened.decrypt(a), "from first");
      assert.equal(await reopened.decrypt(b), "from second");
      assert.deepEqual(
        await reopened.decryptAll(many),
        many.map((_, i) => `v${i}`),
      );
    } finally {
      await reopened.close();
    }
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  } finally {
    await first.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("key store [deno-kv]: an embedded store takes in the key files of earlier versions — keys and tombstones — and deletes them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-keys-" });
  try {
    // What an earlier version left: a key and a tombstone, one file each.
    const earlier = await KvKeyStore.open(`${dir}/earlier.kv`);
    const kept = await earlier.encrypt("kept", "still readable");
    await earlier.encrypt("gone", "erased before the upgrade");
    await earlier.shred("gone");
    await Deno.mkdir(`${dir}/keys`);
    for await (const { subject, key } of earlier.exportKeys()) {
      await Deno.writeTextFile(
        `${dir}/keys/${subject}.json`,
        JSON.stringify(key),
      );
    }
    await Deno.writeTextFile(
      `${dir}/keys/gone.json`,
      JSON.stringify({
        keyId: "gone:shredded",
        key: "",
        createdAt: "2026-01-01T00:00:00.000Z",
        shreddedAt: "2026-01-01T00:00:00.000Z",
      }),
    );
    await earlier.close();
    const keys = await openEmbeddedKeyStore(dir);
    try {
      assert.equal(await keys.decrypt(kept), "still readable");
      assert.equal(await keys.erased("gone"), true);
      await assert.rejects(keys.encrypt("gone", "again"), /erased/);
      await assert.rejects(Deno.stat(`${dir}/keys`), Deno.errors.NotFound);
    } finally {
      await keys.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("key store [jetstream-kv]: nodes share keys; a key shredded through one no longer decrypts on another", async () => {
  const { server, nc } = await natsWithConnection();
  const other = await natsConnect({ servers: server.url });
  try {
    const a = await NatsKeyStore.open(nc);
    const b = await NatsKeyStore.open(other);
    const [x, y] = await Promise.all([
      a.encrypt("e1", "via a"),
      b.encrypt("e1", "via b"),
    ]);
    assert.equal(x.keyId, y.keyId, "one key per subject across nodes");
    assert.equal(
      await a.blindIndex("email", "kari@example.no"),
      await b.blindIndex("email", "kari@example.no"),
      "one index key across nodes",
    );
    assert.equal(await b.decrypt(x), "via a");
    assert.equal(await a.decrypt(y), "via b");
    // b has used the key: shredding through a must reach b all the same.
    assert.equal(await a.shred("e1"), true);
    assert.equal(await b.decrypt(x), null);
    assert.equal(await b.decrypt(y), null);
    assert.equal(await b.shred("e1"), false);
    // A restarted node reads the same bucket.
    const reopened = await NatsKeyStore.open(other);
    const fresh = await reopened.encrypt("e2", "after restart");
    assert.equal(await a.decrypt(fresh), "after restart");
  } finally {
    await other.close();
    await nc.close();
    await server.dispose();
  }
});

Deno.test("key store [jetstream-kv]: NATS down is UnavailableError, not a wrong answer", async () => {
  const { server, nc } = await natsWithConnection();
  try {
    const keys = await NatsKeyStore.open(nc, { requestTimeoutMs: 300 });
    const value = await keys.encrypt("e1", "secret");
    // The server goes away; the client keeps reconnecting meanwhile.
    await server.stop();
    await assert.rejects(keys.decrypt(value), UnavailableError);
    await assert.rejects(keys.encrypt("e2", "x"), UnavailableError);
    await assert.rejects(keys.shred("e1"), UnavailableError);
    // Back again: the same key still decrypts.
    await server.restart();
    let plain: string | null = null;
    for (let i = 0; i < 50 && plain === null; i++) {
      plain = await keys.decrypt(value).catch(() => null);
      if (plain === null) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(plain, "secret");
  } finally {
    await nc.close();
    await server.dispose();
  }
});
