import assert from "node:assert/strict";
import { natsConnect } from "../../deps.ts";
import { openDomainServices } from "../../ops/domain_services.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import {
  FsFileStore,
  KvKeyStore,
  NatsKeyStore,
  ObjectFileStore,
} from "../../runtime/storage/mod.ts";
import { png } from "../contracts/file_store_contract.ts";
import { NatsServer } from "../support/mod.ts";

const opts = {
  contentType: "image/png",
  accept: ["image/png"],
  maxBytes: 4096,
};
const env = { TMS_CRONS: "off" };

Deno.test("domain services: embedded photos go to the filesystem under TMS_DATA_DIR, keys to its keys.kv", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-domain-" });
  const log = new MemoryEventLog();
  const system = new ActorSystem({ log });
  const domain = await openDomainServices(dir, system, env);
  try {
    assert.ok(domain.edge.files instanceof FsFileStore);
    await domain.edge.files.put("p1", png(100), opts);
    assert.ok((await Deno.stat(`${dir}/files/p1/p1.json`)).isFile);
    assert.ok(domain.edge.keys instanceof KvKeyStore);
    const secret = await domain.edge.keys.encrypt("e1", "01010012356");
    assert.ok((await Deno.stat(`${dir}/keys.kv`)).isFile);
    assert.equal(await domain.edge.keys.decrypt(secret), "01010012356");
  } finally {
    await domain.stop();
    await system.shutdown();
    await log.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("domain services: with a NATS connection photos go to the tms_files object store, keys to tms_keys", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-domain-" });
  const server = await NatsServer.start();
  const nc = await natsConnect({ servers: server.url });
  const log = new MemoryEventLog();
  const system = new ActorSystem({ log });
  try {
    const domain = await openDomainServices(dir, system, env, {
      nc,
      replicas: 1,
    });
    try {
      assert.ok(domain.edge.files instanceof ObjectFileStore);
      const info = await domain.edge.files.put("p1", png(100), opts);
      const other = await ObjectFileStore.connect({ servers: server.url });
      try {
        assert.deepEqual(await other.stat("p1"), info);
      } finally {
        await other.close();
      }
      await assert.rejects(Deno.stat(`${dir}/files`), Deno.errors.NotFound);
      assert.ok(domain.edge.keys instanceof NatsKeyStore);
      const secret = await domain.edge.keys.encrypt("e1", "01010012356");
      const keys = await NatsKeyStore.open(nc);
      assert.equal(await keys.decrypt(secret), "01010012356");
      await assert.rejects(Deno.stat(`${dir}/keys.kv`), Deno.errors.NotFound);
    } finally {
      await domain.stop();
    }
    // Stopping the services leaves the node's connection to the node.
    assert.equal(nc.isClosed(), false);
  } finally {
    await system.shutdown();
    await log.close();
    await nc.close();
    await server.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
