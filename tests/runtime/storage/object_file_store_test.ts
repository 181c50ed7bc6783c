import assert from "node:assert/strict";
import { jetstreamManager, natsConnect } from "../../../deps.ts";
import { JetStreamNames, UnavailableError } from "../../../runtime/core/mod.ts";
import { ObjectFileStore } from "../../../runtime/storage/mod.ts";
import { fileStoreContract, png } from "../../contracts/file_store_contract.ts";
import { NatsCluster, NatsServer } from "../../support/mod.ts";

// One nats-server per test, on a free port with its own store directory; a
// missing binary fails the test.
fileStoreContract("jetstream-object-store", () => {
  let server: NatsServer | undefined;
  return {
    async open() {
      server = await NatsServer.start();
      try {
        return await ObjectFileStore.connect({ servers: server.url });
      } catch (error) {
        await server.dispose();
        throw error;
      }
    },
    reopen: () => ObjectFileStore.connect({ servers: server!.url }),
    cleanup: () => server?.dispose() ?? Promise.resolve(),
  };
});

// A 3-server JetStream cluster shared by the file, the bucket with 3
// replicas; each test drops it. Started at load so that its processes belong
// to no test.
const cluster = await NatsCluster.start({ size: 3 });
globalThis.addEventListener("unload", () => cluster.killSync());

fileStoreContract("jetstream-object-store-r3", () => ({
  open: () => ObjectFileStore.connect({ servers: cluster.urls, replicas: 3 }),
  reopen: () => ObjectFileStore.connect({ servers: cluster.urls, replicas: 3 }),
  async cleanup() {
    const nc = await natsConnect({ servers: cluster.urls });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete(`OBJ_${JetStreamNames.files}`).catch(() =>
        false
      );
    } finally {
      await nc.close();
    }
  },
}));

const opts = {
  contentType: "image/png",
  accept: ["image/png"],
  maxBytes: 1 << 20,
};

Deno.test("object file store: bucket tms_files, chunked files, shared by two nodes", async () => {
  const server = await NatsServer.start();
  const nc = await natsConnect({ servers: server.url });
  try {
    const a = await ObjectFileStore.open(nc);
    const b = await ObjectFileStore.connect({ servers: server.url });
    try {
      // Larger than one 128 KiB chunk.
      const bytes = png(300_000, 9);
      bytes[200_000] = 42;
      const info = await a.put("big-photo", bytes, opts);
      assert.deepEqual((await b.get("big-photo"))?.data, bytes);
      assert.deepEqual(await b.stat("big-photo"), info);
      const jsm = await jetstreamManager(nc);
      const stream = await jsm.streams.info(`OBJ_${JetStreamNames.files}`);
      assert.equal(stream.config.num_replicas, 1);
      assert.ok(stream.state.messages >= 4, String(stream.state.messages));
      // A deleted id may be stored again, with other bytes.
      assert.equal(await b.delete("big-photo"), true);
      const again = await a.put("big-photo", png(10, 3), opts);
      assert.equal(again.size, 10);
      assert.deepEqual((await b.get("big-photo"))?.data, png(10, 3));
    } finally {
      await b.close();
      await a.close();
    }
    // `open` leaves the caller's connection open.
    assert.equal(nc.isClosed(), false);
  } finally {
    await nc.close();
    await server.dispose();
  }
});

Deno.test("object file store: of racing writers of one id with other bytes exactly one wins", async () => {
  const server = await NatsServer.start();
  const stores = await Promise.all(
    [1, 2, 3].map(() => ObjectFileStore.connect({ servers: server.url })),
  );
  try {
    for (let round = 0; round < 5; round++) {
      const id = `race-${round}`;
      const results = await Promise.allSettled(
        stores.map((files, i) => files.put(id, png(200_000, i + 1), opts)),
      );
      const won = results.flatMap((r) =>
        r.status === "fulfilled" ? [r.value] : []
      );
      assert.equal(won.length, 1, JSON.stringify(results));
      for (const r of results) {
        if (r.status === "rejected") {
          assert.equal((r.reason as { code?: string }).code, "file.exists");
        }
      }
      const stored = await stores[0].get(id);
      assert.equal(stored?.info.sha256, won[0].sha256);
    }
    // The losers' chunks were purged: only the winners' bytes remain.
    const nc = await natsConnect({ servers: server.url });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(`OBJ_${JetStreamNames.files}`);
      assert.ok(info.state.bytes < 5 * 200_000 * 1.1, String(info.state.bytes));
    } finally {
      await nc.close();
    }
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await server.dispose();
  }
});

Deno.test("object file store: a stopped server is 503, never a 500", async () => {
  const server = await NatsServer.start();
  try {
    const files = await ObjectFileStore.connect({
      servers: server.url,
      requestTimeoutMs: 500,
    });
    try {
      await files.put("kept", png(50), opts);
      await server.stop();
      await assert.rejects(files.stat("kept"), UnavailableError);
      await assert.rejects(files.put("other", png(50), opts), UnavailableError);
      await server.restart();
      // The client reconnects on its own; the file is still there.
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          assert.equal((await files.stat("kept"))?.size, 50);
          break;
        } catch (error) {
          if (!(error instanceof UnavailableError) || Date.now() > deadline) {
            throw error;
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    } finally {
      await files.close();
    }
  } finally {
    await server.dispose();
  }
});

Deno.test("object file store: no server is UnavailableError", async () => {
  const server = await NatsServer.create();
  await assert.rejects(
    ObjectFileStore.connect({ servers: server.url, requestTimeoutMs: 300 }),
    UnavailableError,
  );
  await server.dispose();
});
