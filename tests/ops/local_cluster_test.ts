import assert from "node:assert/strict";
import { FrontProxy } from "../../ops/local_cluster.ts";
import { freePort } from "../../ops/server_process.ts";

/** A backend that names itself; `/slow` answers when `release()` is called. */
function backend(name: string) {
  const port = freePort();
  let release = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  const server = Deno.serve(
    { port, hostname: "127.0.0.1", onListen() {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/slow") await gate;
      return Response.json({
        name,
        method: req.method,
        path,
        body: await req.text(),
        auth: req.headers.get("authorization"),
      }, { headers: { "x-backend": name } });
    },
  );
  return { url: `http://127.0.0.1:${port}`, server, release: () => release() };
}

Deno.test("front proxy: round-robin over ready nodes; a node leaves only once its requests are answered", async () => {
  const a = backend("a");
  const b = backend("b");
  const proxy = new FrontProxy(freePort());
  const url = `http://127.0.0.1:${proxy.port}`;
  try {
    // No node yet: 503 with Retry-After, as a Service without endpoints.
    const none = await fetch(`${url}/x`);
    assert.equal(none.status, 503);
    assert.equal(none.headers.get("retry-after"), "1");
    await none.body?.cancel();
    proxy.add("a", a.url);
    proxy.add("b", b.url);
    const names = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${url}/api/x?y=1`, {
        method: "PATCH",
        headers: {
          authorization: "Bearer t",
          "content-type": "application/json",
        },
        body: '{"k":1}',
      });
      const body = await res.json();
      assert.deepEqual(
        {
          method: body.method,
          path: body.path,
          body: body.body,
          auth: body.auth,
        },
        { method: "PATCH", path: "/api/x", body: '{"k":1}', auth: "Bearer t" },
      );
      names.push(body.name);
    }
    assert.deepEqual(names, ["a", "b", "a", "b"]);
    // A slow request is in flight on a; a leaves the rotation at once, but
    // remove() waits for the answer.
    const slow = fetch(`${url}/slow`);
    await new Promise((r) => setTimeout(r, 50));
    let removed = false;
    const removing = proxy.remove("a").then(() => removed = true);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(removed, false);
    assert.deepEqual(proxy.nodes, ["b"]);
    const during = await (await fetch(`${url}/x`)).json();
    assert.equal(during.name, "b");
    a.release();
    assert.equal((await (await slow).json()).name, "a");
    await removing;
    assert.equal(removed, true);
  } finally {
    a.release();
    b.release();
    await proxy.stop();
    await a.server.shutdown();
    await b.server.shutdown();
  }
});
