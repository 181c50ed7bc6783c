import assert from "node:assert/strict";
import { natsConnect } from "../../../deps.ts";
import type { NatsConnection } from "../../../deps.ts";
import { DeadLetterKeys, UnavailableError } from "../../../runtime/core/mod.ts";
import {
  KvDeadLetterStore,
  MemoryDeadLetterStore,
  NatsDeadLetterStore,
} from "../../../runtime/storage/mod.ts";
import { NatsServer } from "../../support/mod.ts";
import {
  commandInput,
  deadLetterStoreContract,
  projectionInput,
} from "../../contracts/dead_letter_store_contract.ts";
import type { DeadLetterStoreFixture } from "../../contracts/dead_letter_store_contract.ts";

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

const backends: [string, () => Promise<DeadLetterStoreFixture>][] = [
  ["memory", () => Promise.resolve({ store: new MemoryDeadLetterStore() })],
  ["deno-kv", async () => {
    const dir = await Deno.makeTempDir({ prefix: "tms-dead-letters-" });
    return {
      store: await KvDeadLetterStore.open(`${dir}/${DeadLetterKeys.kvFile}`),
      cleanup: () => Deno.remove(dir, { recursive: true }),
    };
  }],
  ["jetstream-kv", async () => {
    const { server, nc } = await natsWithConnection();
    return {
      store: await NatsDeadLetterStore.open(nc),
      async cleanup() {
        await nc.close();
        await server.dispose();
      },
    };
  }],
];

for (const [name, open] of backends) deadLetterStoreContract(name, open);

Deno.test("dead-letter store [deno-kv]: its own owner-only file, shared by two handles (the node and the ops task)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-dead-letters-" });
  const path = `${dir}/data/${DeadLetterKeys.kvFile}`;
  try {
    await assert.rejects(
      KvDeadLetterStore.open(path, { create: false }),
      Deno.errors.NotFound,
    );
    const node = await KvDeadLetterStore.open(path);
    const ops = await KvDeadLetterStore.open(path, { create: false });
    try {
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
      const mark = await node.changeMark();
      const letter = await node.record(projectionInput("bedrifter", 4));
      await ops.requestRetry(letter.id, { by: "ops" });
      assert.notEqual(await node.changeMark(), mark);
      assert.ok(await node.claimRetry(letter.id, "node-1"));
      assert.equal(await ops.claimRetry(letter.id, "node-2"), null);
    } finally {
      await ops.close();
      await node.close();
    }
    const reopened = await KvDeadLetterStore.open(path);
    assert.equal((await reopened.all()).length, 1, "letters survive a restart");
    await reopened.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dead-letter store [jetstream-kv]: nodes and the ops task share letters; one claim wins across connections", async () => {
  const { server, nc } = await natsWithConnection();
  const other = await natsConnect({ servers: server.url });
  try {
    await assert.rejects(
      NatsDeadLetterStore.open(other, { existing: true }),
      UnavailableError,
    );
    const a = await NatsDeadLetterStore.open(nc);
    const b = await NatsDeadLetterStore.open(other, { existing: true });
    const letter = await a.record(commandInput("x", "c1"));
    await b.requestRetry(letter.id);
    const claims = await Promise.all([
      a.claimRetry(letter.id, "node-a"),
      b.claimRetry(letter.id, "node-b"),
    ]);
    assert.equal(claims.filter((c) => c !== null).length, 1);
  } finally {
    await other.close();
    await nc.close();
    await server.dispose();
  }
});

Deno.test("dead-letter store [jetstream-kv]: NATS down is UnavailableError", async () => {
  const { server, nc } = await natsWithConnection();
  try {
    const store = await NatsDeadLetterStore.open(nc, { requestTimeoutMs: 300 });
    const letter = await store.record(projectionInput("p", 1));
    await server.stop();
    await assert.rejects(store.get(letter.id), UnavailableError);
    await assert.rejects(
      store.record(projectionInput("p", 2)),
      UnavailableError,
    );
    await assert.rejects(store.changeMark(), UnavailableError);
  } finally {
    await nc.close();
    await server.dispose();
  }
});
