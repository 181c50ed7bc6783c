/**
 * Realtime across nodes: two real node processes on a nats-server started
 * here. A write through node A reaches an SSE client of node B and a
 * WebSocket client of node A; a ticket issued by one node opens a stream on
 * the other, once; a client that moves from B to A with its Last-Event-ID
 * gets exactly what it missed.
 */
import assert from "node:assert/strict";
import type { ServerProcess } from "../../ops/server_process.ts";
import { NatsServer } from "../support/mod.ts";
import {
  registerBedrifter,
  startClusterNode,
  waitBalanced,
} from "../support/cluster.ts";
import { SseReader } from "../support/sse.ts";

/** An SSE stream of `node`: with its ADMIN's token unless `query` has a ticket. */
async function openStream(
  node: ServerProcess,
  query: string,
  headers: Record<string, string> = {},
) {
  const controller = new AbortController();
  const res = await fetch(`${node.url}/api/v1/stream${query}`, {
    headers: { ...(query.includes("ticket=") ? {} : node.auth), ...headers },
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  return {
    reader: new SseReader(res.body!),
    async close() {
      controller.abort();
      await res.body?.cancel().catch(() => {});
    },
  };
}

async function ticketOf(node: ServerProcess): Promise<string> {
  const res = await fetch(`${node.url}/api/v1/stream/tickets`, {
    method: "POST",
    headers: node.auth,
  });
  assert.equal(res.status, 201);
  return (await res.json()).ticket;
}

Deno.test({
  name:
    "realtime, two distributed nodes: a write on one reaches clients of both; tickets and resume work across nodes",
  async fn() {
    const nats = await NatsServer.start();
    const dirs = [
      await Deno.makeTempDir({ prefix: "tms-rt-a-" }),
      await Deno.makeTempDir({ prefix: "tms-rt-b-" }),
    ];
    const nodes: ServerProcess[] = [];
    let ws: WebSocket | undefined;
    try {
      nodes.push(await startClusterNode(nats.url, "a", dirs[0]));
      nodes.push(await startClusterNode(nats.url, "b", dirs[1]));
      await waitBalanced(nodes);
      const [a, b] = nodes;

      // A ticket from A opens a stream on B, once.
      const ticket = await ticketOf(a);
      const onB = await openStream(b, `?ticket=${ticket}`);
      const reused = await fetch(`${a.url}/api/v1/stream?ticket=${ticket}`);
      assert.equal(reused.status, 401);
      await reused.body?.cancel();

      // A WebSocket on A, with B's ticket.
      ws = new WebSocket(
        `${a.url.replace("http", "ws")}/api/v1/ws?ticket=${await ticketOf(
          b,
        )}`,
      );
      const wsEvents: Record<string, unknown>[] = [];
      const opened = new Promise<void>((resolve, reject) => {
        ws!.onopen = () => resolve();
        ws!.onerror = () => reject(new Error("the WebSocket did not open"));
      });
      ws.onmessage = (e) => {
        const message = JSON.parse(e.data);
        if (message.type === "event") wsEvents.push(message.event);
      };
      await opened;

      const ids = await registerBedrifter(a.url, 6, 300);
      const seen = await onB.reader.events(6);
      assert.deepEqual(
        seen.map((e) => JSON.parse(e.data).subject).sort(),
        [...ids].sort(),
      );
      assert.ok(
        seen.every((e) =>
          JSON.parse(e.data).type === "no.tms.bedrift.registered.v1"
        ),
      );
      const deadline = Date.now() + 15_000;
      while (wsEvents.length < 6 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(
        wsEvents.map((e) => e.id),
        seen.map((e) => e.id),
        "both nodes send the same ids in the same order",
      );

      // The client leaves B after 3, writes go on, it comes back on A.
      await onB.close();
      const last = seen[2].id!;
      const more = await registerBedrifter(a.url, 3, 400);
      const onA = await openStream(a, "", { "last-event-id": last });
      const resumed = await onA.reader.events(6);
      assert.deepEqual(
        resumed.slice(0, 3).map((e) => e.id),
        seen.slice(3).map((e) => e.id),
      );
      assert.deepEqual(
        resumed.slice(3).map((e) => JSON.parse(e.data).subject).sort(),
        [...more].sort(),
      );
      const all = [...seen.slice(0, 3), ...resumed].map((e) => e.id!);
      assert.equal(new Set(all).size, all.length);
      await onA.close();
    } finally {
      ws?.close();
      for (const node of nodes) await node.stop();
      await nats.dispose();
      for (const dir of dirs) await Deno.remove(dir, { recursive: true });
    }
  },
});
