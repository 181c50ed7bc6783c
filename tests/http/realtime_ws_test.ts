/**
 * The WebSocket edge over a real socket: a ticket or the Authorization
 * header opens it, rooms at the handshake and in `join` messages are held
 * to what the token allows, events arrive wrapped, `resume` replays exactly
 * what was missed, and a client that does not read is closed with 1013.
 */
import assert from "node:assert/strict";
import { withRealtimeEdge } from "../support/realtime_edge.ts";
import type { RealtimeEdgeFixture } from "../support/realtime_edge.ts";
import { bearer } from "../support/auth.ts";

/** A WebSocket client that queues what it gets. */
class WsClient {
  readonly socket: WebSocket;
  readonly opened: Promise<boolean>;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #queue: Record<string, unknown>[] = [];
  #waiter: (() => void) | null = null;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(url, { headers } as never);
    this.opened = new Promise((resolve) => {
      this.socket.onopen = () => resolve(true);
      this.socket.onerror = () => resolve(false);
    });
    this.closed = new Promise((resolve) => {
      this.socket.onclose = (e) => {
        resolve({ code: e.code, reason: e.reason });
        this.#waiter?.();
      };
    });
    this.socket.onmessage = (e) => {
      this.#queue.push(JSON.parse(e.data));
      this.#waiter?.();
    };
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /** The next message (of `type`, skipping others), within `ms`. */
  async next(type?: string, ms = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.#queue.findIndex((m) =>
        type === undefined || m.type === type
      );
      if (i !== -1) return this.#queue.splice(i, 1)[0];
      if (Date.now() > deadline) {
        throw new Error(`no ${type ?? "message"} in ${ms} ms`);
      }
      if (this.socket.readyState === WebSocket.CLOSED) {
        throw new Error(`closed while waiting for ${type ?? "a message"}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The next `n` events' CloudEvents. */
  async events(n: number): Promise<Record<string, unknown>[]> {
    const out = [];
    while (out.length < n) {
      out.push((await this.next("event")).event as Record<string, unknown>);
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close();
    await this.closed;
  }
}

const wsUrl = (edge: RealtimeEdgeFixture, query = "") =>
  `${edge.url.replace("http", "ws")}/api/v1/ws${query}`;

Deno.test("ws: opened by a ticket or the Authorization header; refused without either; a plain GET is 400", async () => {
  await withRealtimeEdge(async (edge) => {
    const a = await edge.bedrift("A");
    const hb = await edge.user("HOVEDBRUKER", a);
    const anonymous = new WsClient(wsUrl(edge));
    assert.equal(await anonymous.opened, false);
    await anonymous.closed;
    const ticket = await edge.ticket(hb.token);
    const byTicket = new WsClient(wsUrl(edge, `?ticket=${ticket}`));
    assert.equal(await byTicket.opened, true);
    assert.deepEqual((await byTicket.next("joined")).rooms, [
      `bedrift:${a}`,
      `user:${hb.id}`,
    ]);
    const reused = new WsClient(wsUrl(edge, `?ticket=${ticket}`));
    assert.equal(await reused.opened, false);
    await reused.closed;
    const byHeader = new WsClient(wsUrl(edge), bearer(hb.token));
    assert.equal(await byHeader.opened, true);
    await edge.rename(a);
    for (const client of [byTicket, byHeader]) {
      const [event] = await client.events(1);
      assert.equal(event.type, "no.tms.bedrift.updated.v1");
      assert.equal(event.bedriftid, a);
      await client.close();
    }
    const plain = await fetch(`${edge.url}/api/v1/ws`, {
      headers: bearer(hb.token),
    });
    assert.equal(plain.status, 400);
    await plain.body?.cancel();
  });
});

Deno.test("ws: rooms at the handshake (403) and by join are held to the token; leave stops them", async () => {
  await withRealtimeEdge(async (edge) => {
    const a = await edge.bedrift("A");
    const b = await edge.bedrift("B");
    const ok = await edge.user("OKONOMI", a);
    const forbidden = await fetch(
      `${edge.url}/api/v1/ws?rooms=bedrift:${b}`,
      { headers: { ...bearer(ok.token), upgrade: "websocket" } },
    );
    assert.equal(forbidden.status, 403);
    assert.equal((await forbidden.json()).code, "realtime.room_forbidden");
    const economy = new WsClient(
      wsUrl(edge, "?rooms=role:OKONOMI"),
      bearer(ok.token),
    );
    assert.deepEqual((await economy.next("joined")).rooms, ["role:OKONOMI"]);
    economy.send({ type: "join", rooms: [`bedrift:${b}`] });
    const refused = await economy.next("error");
    assert.equal(refused.status, 403);
    assert.equal(refused.code, "realtime.room_forbidden");
    economy.send({ type: "join", rooms: ["nonsense"] });
    assert.equal((await economy.next("error")).status, 422);
    economy.send({ type: "hello" });
    assert.equal((await economy.next("error")).status, 422);
    economy.socket.send("not json");
    assert.equal((await economy.next("error")).status, 400);
    economy.send({ type: "ping" });
    await economy.next("pong");
    await edge.draft(b); // B's: never
    await edge.draft(a); // what OKONOMI reads in A
    assert.deepEqual(
      (await economy.events(1)).map((e) => [e.type, e.bedriftid]),
      [["no.tms.invoice.status_updated.v1", a]],
    );
    await economy.close();

    // A user room holds what is about the user: its own clock events.
    const own = await edge.hire(a);
    const tk = await edge.user("TRAFIKKLARER", a, own);
    const client = new WsClient(
      wsUrl(edge, `?rooms=user:${tk.id}`),
      bearer(tk.token),
    );
    await client.next("joined");
    await edge.rename(a); // not about the user
    await edge.clock(own);
    assert.equal(
      (await client.events(1))[0].type,
      "no.tms.employee.clocked_in.v1",
    );
    client.send({ type: "join", rooms: [`bedrift:${a}`] });
    assert.deepEqual((await client.next("joined")).rooms, [
      `user:${tk.id}`,
      `bedrift:${a}`,
    ]);
    await edge.rename(a);
    await edge.draft(a); // not for a TRAFIKKLARER
    await edge.clock(own, true); // in both rooms: once
    assert.deepEqual((await client.events(2)).map((e) => e.type), [
      "no.tms.bedrift.updated.v1",
      "no.tms.employee.clocked_out.v1",
    ]);
    client.send({ type: "leave", rooms: [`bedrift:${a}`] });
    assert.deepEqual((await client.next("left")).rooms, [`user:${tk.id}`]);
    await edge.rename(a); // not any more
    await edge.clock(own);
    assert.equal(
      (await client.events(1))[0].type,
      "no.tms.employee.clocked_in.v1",
    );
    await client.close();
  });
});

Deno.test("ws: resume after the last id replays exactly what was missed, then live", async () => {
  await withRealtimeEdge(async (edge) => {
    const a = await edge.bedrift("A");
    const hb = await edge.user("HOVEDBRUKER", a);
    const first = new WsClient(
      wsUrl(edge, `?rooms=bedrift:${a}`),
      bearer(hb.token),
    );
    await first.next("joined");
    for (let i = 0; i < 6; i++) await edge.rename(a);
    const seen = await first.events(3);
    await first.close();
    for (let i = 0; i < 6; i++) await edge.draft(a);
    const again = new WsClient(
      wsUrl(edge, `?rooms=bedrift:${a}`),
      bearer(hb.token),
    );
    await again.next("joined");
    again.send({ type: "resume", after: seen.at(-1)!.id });
    await again.next("resumed");
    const writer = (async () => {
      for (let i = 0; i < 10; i++) await edge.rename(a);
    })();
    const rest = await again.events(3 + 6 + 10);
    await writer;
    const ids = [...seen, ...rest].map((e) => e.id as string);
    assert.equal(new Set(ids).size, ids.length);
    const positions = ids.map((id) => Number(id.split("-")[0]));
    assert.deepEqual(positions, [...positions].sort((x, y) => x - y));
    assert.equal(ids.length, 22);
    // None missing: the same as a replay of everything of the bedrift.
    const all = new WsClient(
      wsUrl(edge, `?rooms=bedrift:${a}`),
      bearer(hb.token),
    );
    await all.next("joined");
    all.send({ type: "resume", after: seen[0].id });
    const replayed = await all.events(21);
    assert.deepEqual(ids.slice(1), replayed.map((e) => e.id));
    await all.close();
    again.send({ type: "resume", after: "x" });
    assert.equal((await again.next("error")).status, 422);
    await again.close();
  });
});

Deno.test("ws: a client that does not read is closed with 1013 and the reason", async () => {
  await withRealtimeEdge(async (edge) => {
    const a = await edge.bedrift("A");
    const hb = await edge.user("HOVEDBRUKER", a);
    const ticket = await edge.ticket(hb.token);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: edge.port });
    await conn.write(new TextEncoder().encode(
      `GET /api/v1/ws?ticket=${ticket} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ));
    while (edge.hub.stats().subscribers === 0) {
      await new Promise((r) => setTimeout(r, 10));
    }
    let writes = 0;
    while (edge.hub.stats().cutOff === 0 && writes < 50_000) {
      await Promise.all(
        Array.from({ length: 100 }, () => edge.rename(a).then(() => writes++)),
      );
    }
    assert.equal(edge.hub.stats().cutOff, 1, `after ${writes} writes`);
    const close = await lastCloseFrame(conn);
    assert.equal(close.code, 1013);
    assert.match(close.reason, /too slow/);
  }, { limits: { maxMessages: 200 } });
});

/**
 * Reads the raw connection (the 101 head, then unmasked server frames) up
 * to the close frame; its code and reason. (The server waits for the
 * client's close before it ends the connection, so the frame is the end.)
 */
async function lastCloseFrame(
  conn: Deno.Conn,
): Promise<{ code: number; reason: string }> {
  let data = new Uint8Array(0);
  let at = -1;
  const buf = new Uint8Array(1 << 20);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) throw new Error("no close frame before the end");
      const grown = new Uint8Array(data.length + n);
      grown.set(data);
      grown.set(buf.subarray(0, n), data.length);
      data = grown;
      if (at === -1) {
        const head = new TextDecoder().decode(data.subarray(0, 4096))
          .indexOf("\r\n\r\n");
        if (head === -1) continue;
        at = head + 4;
      }
      for (;;) {
        if (at + 2 > data.length) break;
        const opcode = data[at] & 0x0f;
        let length = data[at + 1] & 0x7f;
        let start = at + 2;
        if (length === 126) {
          if (start + 2 > data.length) break;
          length = (data[start] << 8) | data[start + 1];
          start += 2;
        } else if (length === 127) {
          if (start + 8 > data.length) break;
          length = Number(
            new DataView(data.buffer, start, 8).getBigUint64(0),
          );
          start += 8;
        }
        if (start + length > data.length) break;
        if (opcode === 0x8) {
          return {
            code: (data[start] << 8) | data[start + 1],
            reason: new TextDecoder().decode(
              data.subarray(start + 2, start + length),
            ),
          };
        }
        at = start + length;
      }
      // Keep only what is not parsed yet.
      data = data.slice(at);
      at = 0;
    }
  } finally {
    conn.close();
  }
}
