/**
 * Server-sent events over a real socket: authentication (token, single-use
 * ticket), which rooms a role may join and what each sees, resume with
 * `Last-Event-ID` with nothing missed or doubled while writes go on, the
 * heartbeat, a slow client cut off with a last `event: error`, and the end
 * of a stream when its credentials expire.
 */
import assert from "node:assert/strict";
import { AUDIENCE_ROLES } from "../../actors/outbound/mod.ts";
import { ROUTE_POLICIES } from "../../http/policy.ts";
import { withRealtimeEdge } from "../support/realtime_edge.ts";
import type { SseEvent } from "../support/sse.ts";

const types = (events: SseEvent[]) =>
  events.map((e) => JSON.parse(e.data).type as string);

Deno.test("sse: no token is 401; a ticket opens one stream once; a bad ticket is 401", async () => {
  await withRealtimeEdge(async (edge) => {
    const a = await edge.bedrift("A");
    const hb = await edge.user("HOVEDBRUKER", a);
    const anonymous = await edge.stream("", null);
    assert.equal(anonymous.res.status, 401);
    assert.equal(
      (await anonymous.res.json()).code,
      "auth.token_missing",
    );
    const ticket = await edge.ticket(hb.token);
    const first = await edge.stream(`?ticket=${ticket}`, null);
    assert.equal(first.res.status, 200);
    assert.match(
      first.res.headers.get("content-type")!,
      /^text\/event-stream/,
    );
    await edge.rename(a);
    const [event] = await first.reader!.events(1);
    assert.equal(JSON.parse(event.data).type, "no.tms.bedrift.updated.v1");
    await first.close();
    const again = await edge.stream(`?ticket=${ticket}`, null);
    assert.equal(again.res.status, 401);
    assert.equal((await again.res.json()).code, "auth.ticket_invalid");
    const forged = await edge.stream(`?ticket=${"x".repeat(43)}`, null);
    assert.equal(forged.res.status, 401);
    await forged.res.body?.cancel();
    // A ticket is no bearer token elsewhere.
    const elsewhere = await fetch(
      `${edge.url}/api/v1/users/me?ticket=${ticket}`,
    );
    assert.equal(elsewhere.status, 401);
    await elsewhere.body?.cancel();
  });
});

Deno.test("sse: a client joins only rooms its token allows (403), an ADMIN any", async () => {
  await withRealtimeEdge(async (edge) => {
    const a = await edge.bedrift("A");
    const b = await edge.bedrift("B");
    const tk = await edge.user("TRAFIKKLARER", a);
    const other = await edge.user("OKONOMI", a);
    const admin = edge.admin;
    for (
      const rooms of [
        `bedrift:${b}`,
        "role:OKONOMI",
        `user:${other.id}`,
        `bedrift:${a},bedrift:${b}`,
      ]
    ) {
      const s = await edge.stream(`?rooms=${rooms}`, tk.token);
      assert.equal(s.res.status, 403, rooms);
      assert.equal((await s.res.json()).code, "realtime.room_forbidden");
    }
    const bad = await edge.stream("?rooms=team:x", tk.token);
    assert.equal(bad.res.status, 422);
    await bad.res.body?.cancel();
    const badRole = await edge.stream("?rooms=role:KING", tk.token);
    assert.equal(badRole.res.status, 422);
    await badRole.res.body?.cancel();
    for (
      const rooms of [
        `bedrift:${a}`,
        "role:TRAFIKKLARER",
        `user:${tk.id}`,
      ]
    ) {
      const s = await edge.stream(`?rooms=${rooms}`, tk.token);
      assert.equal(s.res.status, 200, rooms);
      await s.close();
    }
    const s = await edge.stream(
      `?rooms=bedrift:${b},role:OKONOMI,user:${other.id}`,
      admin,
    );
    assert.equal(s.res.status, 200);
    await s.close();
  });
});

Deno.test("sse: each role sees its bedrift's messages it may read, its own clock events, never another bedrift's", async () => {
  await withRealtimeEdge(async (edge) => {
    const a = await edge.bedrift("A");
    const b = await edge.bedrift("B");
    const own = await edge.hire(a);
    const colleague = await edge.hire(a);
    const tk = await edge.user("TRAFIKKLARER", a, own);
    const ok = await edge.user("OKONOMI", a);
    const hbB = await edge.user("HOVEDBRUKER", b);
    const tkStream = await edge.stream("", tk.token); // bedrift:A, user:tk
    const okStream = await edge.stream(`?rooms=bedrift:${a}`, ok.token);
    const bStream = await edge.stream("", hbB.token);
    const adminStream = await edge.stream("", edge.admin); // role:ADMIN
    const economy = await edge.stream("?rooms=role:OKONOMI", ok.token);
    try {
      await edge.draft(a); // economy only
      await edge.clock(own); // managers and the employee's own user
      await edge.clock(colleague); // managers only
      await edge.rename(a); // everyone of A
      await edge.draft(b);
      await edge.rename(b);
      assert.deepEqual(types(await tkStream.reader!.events(2)), [
        "no.tms.employee.clocked_in.v1",
        "no.tms.bedrift.updated.v1",
      ]);
      assert.deepEqual(types(await okStream.reader!.events(2)), [
        "no.tms.invoice.status_updated.v1",
        "no.tms.bedrift.updated.v1",
      ]);
      assert.deepEqual(types(await economy.reader!.events(1)), [
        "no.tms.invoice.status_updated.v1",
      ]);
      assert.deepEqual(types(await bStream.reader!.events(2)), [
        "no.tms.invoice.status_updated.v1",
        "no.tms.bedrift.updated.v1",
      ]);
      const all = await adminStream.reader!.events(6);
      assert.deepEqual(
        all.map((e) => JSON.parse(e.data).bedriftid),
        [a, a, a, a, b, b],
      );
      // Nothing else arrived for the bedrift users (the next is a fresh write).
      await edge.rename(a);
      assert.deepEqual(types(await tkStream.reader!.events(1)), [
        "no.tms.bedrift.updated.v1",
      ]);
      await assert.rejects(bStream.reader!.events(1, 300));
      // The id is the feed position and the index in its commit.
      const first = all[0];
      const body = JSON.parse(first.data);
      assert.equal(first.id, body.id);
      assert.match(first.id!, /^\d+-\d+$/);
      assert.equal(body.specversion, "1.0");
      assert.ok(!first.data.includes("Kari"));
      assert.ok(!first.data.includes("Nordmann"));
    } finally {
      for (const s of [tkStream, okStream, bStream, adminStream, economy]) {
        await s.close();
      }
    }
  });
});

Deno.test("sse: resume with Last-Event-ID replays exactly what was missed, then live, while writes go on", async () => {
  await withRealtimeEdge(async (edge) => {
    const a = await edge.bedrift("A");
    const hb = await edge.user("HOVEDBRUKER", a);
    const first = await edge.stream(`?rooms=bedrift:${a}`, hb.token);
    for (let i = 0; i < 5; i++) {
      await edge.draft(a);
      await edge.rename(a);
    }
    const seen = await first.reader!.events(4);
    await first.close();
    const last = seen.at(-1)!.id!;
    // Writes go on while the client is away and while it reconnects.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing || written < 30) {
        await edge.rename(a);
        written++;
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    await new Promise((r) => setTimeout(r, 30));
    const again = await edge.stream(`?rooms=bedrift:${a}`, hb.token, {
      "last-event-id": last,
    });
    assert.equal(again.res.status, 200);
    // Some arrive while the writer still writes…
    const during = await again.reader!.events(8);
    writing = false;
    await writer;
    // …then everything else of the bedrift: 10 before, `written` since.
    const rest = await again.reader!.events(10 + written - 4 - 8);
    await again.close();
    const ids = [...seen, ...during, ...rest].map((e) => e.id!);
    assert.equal(new Set(ids).size, ids.length, "no id twice");
    // Every message of the bedrift since its registration, in feed order,
    // none missing, nothing else.
    const replayed = await edge.stream(`?rooms=bedrift:${a}`, hb.token, {
      "last-event-id": "0",
    });
    const everything = await replayed.reader!.events(ids.length + 1);
    assert.equal(
      JSON.parse(everything[0].data).type,
      "no.tms.bedrift.registered.v1",
    );
    assert.deepEqual(ids, everything.slice(1).map((e) => e.id));
    await assert.rejects(replayed.reader!.events(1, 500));
    await replayed.close();
    assert.equal(ids.length, 10 + written);
  });
});

Deno.test("sse: a heartbeat comment while idle; a stream ends with event: error when its credentials expire", async () => {
  await withRealtimeEdge(async (edge) => {
    const a = await edge.bedrift("A");
    const hb = await edge.user("HOVEDBRUKER", a);
    const s = await edge.stream("", hb.token);
    const comment = await s.reader!.next();
    assert.equal(comment?.comment, "ok");
    const ping = await s.reader!.next();
    assert.equal(ping?.comment, "ping");
    await s.close();
    // A ticket for a token about to expire.
    const ticket = await edge.tickets.issue({
      principal: {
        subject: hb.id,
        role: "HOVEDBRUKER",
        tenant: a,
        employeeId: null,
        sessionId: null,
      },
      expiresAt: Math.floor(Date.now() / 1000) + 1,
    }, 30_000);
    const expiring = await edge.stream(`?ticket=${ticket}`, null);
    let event;
    do event = await expiring.reader!.next(); while (event?.comment);
    assert.equal(event?.event, "error");
    assert.equal(JSON.parse(event!.data).reason, "expired");
    assert.equal(await expiring.reader!.next(), null);
  }, { heartbeatMs: 100 });
});

Deno.test("sse: a client that does not read is cut off at the bound, with a last event: error", async () => {
  await withRealtimeEdge(async (edge) => {
    const a = await edge.bedrift("A");
    const hb = await edge.user("HOVEDBRUKER", a);
    const ticket = await edge.ticket(hb.token);
    // A raw connection that sends the request and then reads nothing.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: edge.port });
    await conn.write(new TextEncoder().encode(
      `GET /api/v1/stream?ticket=${ticket} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ));
    const reader = await edge.stream("", hb.token); // one that keeps up
    let writes = 0;
    while (edge.hub.stats().cutOff === 0 && writes < 20_000) {
      await Promise.all(
        Array.from({ length: 50 }, () => edge.rename(a).then(() => writes++)),
      ).catch(() => {});
      // The reader reads as fast as it can.
      await reader.reader!.events(50);
    }
    assert.equal(edge.hub.stats().cutOff, 1, `cut off after ${writes} writes`);
    // Now read what the slow client was sent: it ends with the reason.
    const text = await readAll(conn);
    const lastBlock = text.trimEnd().split("\n\n").at(-1)!;
    assert.match(lastBlock, /^event: error\ndata: /m);
    assert.equal(JSON.parse(lastBlock.split("data: ")[1]).reason, "backlog");
    await reader.close();
  }, { limits: { maxMessages: 100 } });
});

async function readAll(conn: Deno.Conn): Promise<string> {
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const buf = new Uint8Array(256 * 1024);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    const chunk = decoder.decode(buf.subarray(0, n), { stream: true });
    chunks.push(chunk);
    // Chunked transfer ends with a zero-length chunk.
    if (chunks.join("").endsWith("\r\n0\r\n\r\n")) break;
  }
  conn.close();
  return chunks.join("").replace(/\r\n[0-9a-f]+\r\n/g, "");
}

Deno.test("sse: the audience of each aggregate is the read policy of its resource", () => {
  const routes: Record<string, string> = {
    bedrift: "GET /bedrifter/:id",
    invoice: "GET /invoices/:id",
    kontroll: "GET /kontroller/:id",
    employee: "GET /employees/:id",
  };
  for (const [aggregate, route] of Object.entries(routes)) {
    assert.deepEqual(
      [...AUDIENCE_ROLES[aggregate]].sort(),
      [...(ROUTE_POLICIES[route].roles as string[])].sort(),
      aggregate,
    );
  }
});
