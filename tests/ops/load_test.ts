import assert from "node:assert/strict";
import { HttpConnection, jsonRequest } from "../../ops/http_client.ts";
import { runLoad } from "../../ops/load.ts";
import { freePort } from "../../ops/server_process.ts";

/** A local server: fixed-length JSON, a chunked stream, or a closing answer. */
async function withServer(
  fn: (port: number, seen: string[], auths: (string | null)[]) => Promise<void>,
): Promise<void> {
  const port = freePort();
  const seen: string[] = [];
  const auths: (string | null)[] = [];
  const server = Deno.serve(
    { port, hostname: "127.0.0.1", onListen() {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      seen.push(`${req.method} ${path} ${await req.text()}`);
      auths.push(req.headers.get("authorization"));
      if (path === "/chunked") {
        const parts = ["ab", "cd", "ef"];
        return new Response(
          new ReadableStream({
            pull(controller) {
              const next = parts.shift();
              if (next) controller.enqueue(new TextEncoder().encode(next));
              else controller.close();
            },
          }),
          { status: 202 },
        );
      }
      if (path === "/close") {
        return new Response("bye", { headers: { connection: "close" } });
      }
      return Response.json({ ok: path }, {
        status: path.endsWith("/gone") ? 404 : 200,
      });
    },
  );
  try {
    await fn(port, seen, auths);
  } finally {
    await server.shutdown();
  }
}

Deno.test("HTTP client: requests share a keep-alive connection; bodies of either framing are read", async () => {
  await withServer(async (port, seen) => {
    const conn = await HttpConnection.open("127.0.0.1", port);
    const host = `127.0.0.1:${port}`;
    assert.equal(
      await conn.request(jsonRequest("PATCH", host, "/a", { x: 1 })),
      200,
    );
    assert.equal(
      await conn.request(jsonRequest("POST", host, "/chunked", {})),
      202,
    );
    assert.equal(
      await conn.request(jsonRequest("PUT", host, "/gone", [1])),
      404,
    );
    assert.ok(conn.usable);
    assert.deepEqual(seen, [
      'PATCH /a {"x":1}',
      "POST /chunked {}",
      "PUT /gone [1]",
    ]);
    assert.equal(
      await conn.request(jsonRequest("GET", host, "/close", null)),
      200,
    );
    assert.equal(conn.usable, false);
    await assert.rejects(conn.request(jsonRequest("GET", host, "/a", null)));
  });
});

Deno.test("load driver: a closed loop counts answers and errors apart", async () => {
  await withServer(async (port) => {
    const result = await runLoad({
      url: `http://127.0.0.1:${port}`,
      seconds: 0.3,
      warmup: 0,
      concurrency: 4,
      targets: 2,
      json: true,
    }, ["t1", "gone"]);
    assert.ok(result.ok > 10, `only ${result.ok} answers`);
    // Every other request goes to a target that answers 404.
    assert.ok(Math.abs(result.errors - result.ok) <= 4, JSON.stringify(result));
    assert.equal(result.requests, result.ok + result.errors);
    assert.ok(result.p50 > 0 && result.p99 >= result.p50);
    assert.ok(result.driverCores > 0);
  });
});

Deno.test("load driver: with a token every request carries it as Bearer", async () => {
  await withServer(async (port, _, auths) => {
    const result = await runLoad({
      url: `http://127.0.0.1:${port}`,
      seconds: 0.2,
      warmup: 0,
      concurrency: 2,
      targets: 1,
      json: true,
      token: "t0ken",
    }, ["t1"]);
    assert.ok(result.ok > 0);
    assert.ok(auths.length >= result.ok);
    assert.ok(auths.every((a) => a === "Bearer t0ken"), String(auths[0]));
    // Without one, none is sent.
    auths.length = 0;
    await runLoad({
      url: `http://127.0.0.1:${port}`,
      seconds: 0.1,
      warmup: 0,
      concurrency: 1,
      targets: 1,
      json: true,
    }, ["t1"]);
    assert.ok(auths.length > 0 && auths.every((a) => a === null));
  });
});
