import assert from "node:assert/strict";
import { natsConnect } from "../../../deps.ts";
import type { NatsConnection } from "../../../deps.ts";
import {
  AuthKeyNames,
  JetStreamNames,
  UnavailableError,
} from "../../../runtime/core/mod.ts";
import {
  currentKey,
  ensureKeySet,
  FileTokenKeyStore,
  MemoryTokenKeyStore,
  NatsTokenKeyStore,
  rotateKeySet,
} from "../../../runtime/auth/mod.ts";
import { NatsServer } from "../../support/mod.ts";
import { tokenKeyStoreContract } from "../../contracts/token_key_store_contract.ts";
import type { TokenKeyStoreFixture } from "../../contracts/token_key_store_contract.ts";

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

const backends: [string, () => Promise<TokenKeyStoreFixture>][] = [
  ["memory", () => {
    const store = new MemoryTokenKeyStore();
    return Promise.resolve({ store, second: () => Promise.resolve(store) });
  }],
  ["file", async () => {
    const dir = await Deno.makeTempDir({ prefix: "tms-auth-keys-" });
    const path = `${dir}/data/${AuthKeyNames.file}`;
    return {
      store: new FileTokenKeyStore(path),
      second: () => Promise.resolve(new FileTokenKeyStore(path)),
      cleanup: () => Deno.remove(dir, { recursive: true }),
    };
  }],
  ["jetstream-kv", async () => {
    const { server, nc } = await natsWithConnection();
    const others: NatsConnection[] = [];
    return {
      store: await NatsTokenKeyStore.open(nc),
      async second() {
        const other = await natsConnect({ servers: server.url });
        others.push(other);
        return await NatsTokenKeyStore.open(other);
      },
      async cleanup() {
        for (const other of others) await other.close();
        await nc.close();
        await server.dispose();
      },
    };
  }],
];

for (const [name, open] of backends) tokenKeyStoreContract(name, open);

Deno.test("token key store [file]: owner-only file, replaced whole; no temp files left", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-auth-keys-" });
  const path = `${dir}/${AuthKeyNames.file}`;
  try {
    const store = new FileTokenKeyStore(path);
    const first = await ensureKeySet(store, Date.now());
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const inode = (await Deno.stat(path)).ino;
    await rotateKeySet(store, Date.now());
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.notEqual((await Deno.stat(path)).ino, inode, "renamed over");
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      [AuthKeyNames.file, `${AuthKeyNames.file}${AuthKeyNames.lockSuffix}`],
    );
    const onDisk = JSON.parse(await Deno.readTextFile(path));
    assert.equal(onDisk.keys.length, 2);
    assert.equal(onDisk.keys[1].kid, currentKey(first.keySet).kid);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("token key store [file]: a truncated or hand-broken file is an error, never a new key set", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-auth-keys-" });
  const path = `${dir}/${AuthKeyNames.file}`;
  try {
    const store = new FileTokenKeyStore(path);
    await ensureKeySet(store, Date.now());
    const text = await Deno.readTextFile(path);
    await Deno.writeTextFile(path, text.slice(0, text.length / 2));
    await assert.rejects(store.read(), TypeError);
    await assert.rejects(ensureKeySet(store, Date.now()), TypeError);
    await Deno.writeTextFile(path, JSON.stringify({ version: 1, keys: [] }));
    await assert.rejects(store.read(), /no refresh secret|no keys/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("token key store [file]: two processes rotating at once end with one key set", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-auth-keys-" });
  const path = `${dir}/${AuthKeyNames.file}`;
  try {
    const start = await ensureKeySet(new FileTokenKeyStore(path), Date.now());
    const old = currentKey(start.keySet).kid;
    const script = `
      import { FileTokenKeyStore, rotateKeySet, currentKey } from ${
      JSON.stringify(
        new URL("../../../runtime/auth/mod.ts", import.meta.url).href,
      )
    };
      const store = new FileTokenKeyStore(${JSON.stringify(path)});
      const kids = [];
      for (let i = 0; i < 5; i++) {
        kids.push(currentKey((await rotateKeySet(store, Date.now())).keySet).kid);
      }
      console.log(JSON.stringify(kids));
    `;
    const run = () =>
      new Deno.Command(Deno.execPath(), {
        args: ["eval", "--quiet", script],
        cwd: new URL("../../../", import.meta.url).pathname,
        stdout: "piped",
        stderr: "piped",
      }).output();
    const outputs = await Promise.all([run(), run()]);
    const kids: string[] = [];
    for (const output of outputs) {
      assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
      kids.push(...JSON.parse(new TextDecoder().decode(output.stdout)));
    }
    const final = (await new FileTokenKeyStore(path).read())!;
    const stored = final.keySet.keys.map((k) => k.kid);
    // Every rotation either wrote its key or adopted the other's: no kid was
    // reported that the file does not hold, and no write was lost.
    for (const kid of kids) assert.ok(stored.includes(kid), `${kid} kept`);
    assert.ok(stored.includes(old));
    assert.equal(new Set(stored).size, stored.length);
    assert.equal(
      final.keySet.keys.filter((k) => k.retiredAt === null).length,
      1,
    );
    assert.ok(stored.length >= 6 && stored.length <= 11, `${stored.length}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("token key store [jetstream-kv]: the bucket is tms_auth_keys, file storage, history 1; existing-only binds", async () => {
  const { server, nc } = await natsWithConnection();
  try {
    await assert.rejects(
      NatsTokenKeyStore.open(nc, { existing: true }),
      UnavailableError,
    );
    const store = await NatsTokenKeyStore.open(nc);
    await ensureKeySet(store, Date.now());
    const { kvm, jetstream } = await import("../../../deps.ts");
    const kv = await kvm(jetstream(nc)).open(JetStreamNames.authKeys);
    const status = await kv.status();
    assert.equal(status.history, 1);
    assert.equal(status.streamInfo.config.storage, "file");
    const entry = await kv.get(AuthKeyNames.bucketKey);
    assert.ok(entry);
    assert.equal(entry.json<{ version: number }>().version, 1);
    const bound = await NatsTokenKeyStore.open(nc, { existing: true });
    assert.deepEqual(
      (await bound.read())!.keySet,
      (await store.read())!.keySet,
    );
  } finally {
    await nc.close();
    await server.dispose();
  }
});

Deno.test("token key store [jetstream-kv]: NATS down is UnavailableError", async () => {
  const { server, nc } = await natsWithConnection();
  try {
    const store = await NatsTokenKeyStore.open(nc, { requestTimeoutMs: 300 });
    const stored = await ensureKeySet(store, Date.now());
    await server.stop();
    await assert.rejects(store.read(), UnavailableError);
    await assert.rejects(
      store.write(stored.keySet, stored.revision),
      UnavailableError,
    );
  } finally {
    await nc.close();
    await server.dispose();
  }
});
