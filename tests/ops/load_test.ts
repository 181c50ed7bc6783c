import assert from "node:assert/strict";
import { HttpConnection, jsonRequest } from "../../ops/http_client.ts";
import { parseRamp, rampRate, runLoad } from "../../ops/load.ts";
import { UsageError } from "../../ops/cli.ts";
import { freePort } from "../../ops/server_process.ts";

/** A local server: fixed-length JSON, a chunked stream, or a closing answer. */
async function withServer(
  fn: (port: number, seen: string[], auths: (string | null)[]) => Promise<void>,
  check: (req: Request) => void = () => {},
): Promise<void> {
  const port = freePort();
  const seen: string[] = [];
  const auths: (string | null)[] = [];
  const server = Deno.serve(
    { port, hostname: "127.0.0.1", onListen() {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      check(req);
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
    // What the server said about a failure is kept (the first 20).
    assert.equal(result.errorSamples.length, Math.min(20, result.errors));
    assert.deepEqual(result.errorSamples[0], {
      second: 0,
      status: 404,
      body: '{"ok":"/api/v1/bedrifter/gone"}',
    });
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

Deno.test("load ramp: points parsed, rates linear between them, 0 after the last", () => {
  const ramp = parseRamp("0:200, 60:3000,120:200");
  assert.deepEqual(ramp, [
    { at: 0, rate: 200 },
    { at: 60, rate: 3000 },
    { at: 120, rate: 200 },
  ]);
  assert.equal(rampRate(ramp, 0), 200);
  assert.equal(rampRate(ramp, 30), 1600);
  assert.equal(rampRate(ramp, 60), 3000);
  assert.equal(rampRate(ramp, 90), 1600);
  assert.equal(rampRate(ramp, 121), 0);
  for (
    const bad of [
      "0:200",
      "5:1,10:2",
      "0:1,0:2",
      "0:-1,5:2",
      "0:1,x:2",
      "0:1:2,3:4",
    ]
  ) {
    assert.throws(() => parseRamp(bad), UsageError, bad);
  }
});

Deno.test("load ramp: sends along the profile with a token and idempotency keys, per second", async () => {
  await withServer(async (port, seen) => {
    const result = await runLoad({
      url: `http://127.0.0.1:${port}`,
      seconds: 2,
      warmup: 0,
      concurrency: 1,
      ramp: parseRamp("0:20,1:100,2:20"),
      targets: 1,
      json: true,
      token: "secret",
      idempotencyKeys: true,
    }, ["t1"]);
    // The area under the profile: 60 requests a second on average.
    assert.ok(Math.abs(result.requests - 120) <= 6, String(result.requests));
    assert.equal(result.errors, 0);
    assert.deepEqual(result.errorStatuses, {});
    assert.deepEqual(result.timeline!.map((s) => s.target), [20, 100]);
    assert.equal(
      result.timeline!.reduce((sum, s) => sum + s.ok, 0),
      result.ok,
    );
    // Each second carries the area under its part of the profile: 60.
    for (const s of result.timeline!) {
      assert.ok(Math.abs(s.sent - 60) <= 4, JSON.stringify(s));
    }
    assert.equal(result.acknowledged!.length, result.ok);
    assert.equal(new Set(result.acknowledged).size, result.ok);
    assert.equal(seen.length, result.requests);
    assert.ok(
      seen.every((line) => line.startsWith("PATCH /api/v1/bedrifter/t1")),
    );
  }, (req) => {
    assert.equal(req.headers.get("authorization"), "Bearer secret");
    assert.match(req.headers.get("idempotency-key") ?? "", /^load-\w+-\d+$/);
  });
});
