import assert from "node:assert/strict";
import {
  ChaosNatsProxy,
  FaultKinds,
  FaultRegistry,
} from "../../../runtime/chaos/mod.ts";
import { natsConnect } from "../../../deps.ts";
import { NatsServer } from "../../support/nats_server.ts";
import { waitFor } from "../../support/cluster.ts";

Deno.test("NATS seam: nats_disconnect cuts the node's real connection and refuses reconnects until it ends", async () => {
  const server = await NatsServer.start();
  const registry = new FaultRegistry({ node: "n1" });
  const proxy = ChaosNatsProxy.start([server.url], registry);
  const nc = await natsConnect({
    servers: proxy.urls,
    reconnectTimeWait: 100,
    maxReconnectAttempts: -1,
  });
  const direct = await natsConnect({ servers: server.url });
  const statuses: string[] = [];
  const watching = (async () => {
    for await (const s of nc.status()) statuses.push(s.type);
  })();
  try {
    assert.notEqual(proxy.urls[0], server.url, "connected through the proxy");
    direct.subscribe("echo", {
      callback: (_, msg) => void msg.respond(msg.data),
    });
    await direct.flush();
    assert.equal(
      new TextDecoder().decode((await nc.request("echo", "hi")).data),
      "hi",
    );
    registry.activate({
      id: "cut",
      kind: FaultKinds.natsDisconnect,
      durationMs: 60_000,
    });
    assert.ok(proxy.cut);
    assert.ok(
      await waitFor(
        () => Promise.resolve(statuses.includes("disconnect")),
        5000,
      ),
      `statuses: ${statuses}`,
    );
    await assert.rejects(nc.request("echo", "down", { timeout: 500 }));
    registry.clear("cut");
    assert.ok(
      await waitFor(
        () => Promise.resolve(statuses.includes("reconnect")),
        10_000,
      ),
      `statuses: ${statuses}`,
    );
    assert.equal(
      new TextDecoder().decode((await nc.request("echo", "back")).data),
      "back",
    );
  } finally {
    await nc.close();
    await direct.close();
    await watching;
    await proxy.close();
    registry.close();
    await server.dispose();
  }
});
