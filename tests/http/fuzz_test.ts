/**
 * Fuzz of the edge: 10 000 seeded hostile requests through `app.request()`
 * over every registered route (enumerated from the app, as the access
 * matrix does) — malformed, oversized and deep JSON, wrong content types,
 * odd Unicode, path tricks, unknown versions, bad queries, bad
 * Authorization, Idempotency-Key and If-Match — with valid and invalid
 * tokens; then a few hundred raw requests over a socket to a started node
 * (huge headers, long request lines, bytes `fetch` cannot send). No answer
 * may be a 5xx, and every non-2xx answer TMS gives must be an RFC 9457
 * problem whose `status` is the HTTP status; and no request may leave an
 * event that halts a projection. The seed is printed; `TMS_FUZZ_SEED`
 * replays a run, `TMS_FUZZ_REQUESTS` makes a longer one.
 */
import assert from "node:assert/strict";
import { apiEdge } from "../support/api_edge.ts";
import type { ApiEdge } from "../support/api_edge.ts";
import { apiObjects } from "../support/api_objects.ts";
import {
  authorization,
  body,
  CONTENT_TYPES,
  headerValue,
  instance,
  mutate,
  mutatePath,
  oddString,
  param,
  query,
  Rng,
} from "../support/fuzz.ts";
import { startServer } from "../../ops/server_process.ts";
import { PROBLEM_CONTENT_TYPE } from "../../http/problem.ts";

const REQUESTS = Number(Deno.env.get("TMS_FUZZ_REQUESTS") ?? 10_000);
const SOCKET_REQUESTS = 300;
const SEED = Number(Deno.env.get("TMS_FUZZ_SEED") ?? 20261201);

interface Outcome {
  status: number;
  contentType: string;
  text: string;
  /** TMS saw the request (every answer of the app carries one). */
  requestId: boolean;
}

/** Why `outcome` breaks the edge's contract, or null when it keeps it. */
function violation(method: string, outcome: Outcome): string | null {
  const { status, contentType, text } = outcome;
  if (status >= 500) return `status ${status}`;
  if (status < 300 || method === "HEAD") return null;
  if (status === 204 && method === "OPTIONS") return null;
  if (!outcome.requestId) return null;
  if (contentType !== PROBLEM_CONTENT_TYPE) {
    return `content-type ${contentType} on ${status}`;
  }
  let problem: Record<string, unknown>;
  try {
    problem = JSON.parse(text);
  } catch {
    return "a problem that is not JSON";
  }
  if (typeof problem.type !== "string" || !problem.type) return "no type";
  if (typeof problem.title !== "string" || !problem.title) return "no title";
  if (problem.status !== status) {
    return `problem status ${problem.status} on HTTP ${status}`;
  }
  return null;
}

/** Objects of bedrift A and B for path parameters, and tokens of several roles. */
async function world(e: ApiEdge) {
  const o = await apiObjects(e);
  const { A, B, employee, mal } = o;
  const ids = [
    ...Object.values(o),
    "foto",
    "v1.json",
    "not-found",
    `swagger-ui-dist@5.32.0`,
    "swagger-ui.css",
  ];
  const tokens = [
    e.admin,
    await e.tokenFor("HOVEDBRUKER", A),
    await e.tokenFor("TRAFIKKLARER", A, employee),
    await e.tokenFor("OKONOMI", B),
  ];
  const known = {
    bedriftId: A,
    malId: mal,
    instructorId: employee,
    employeeId: employee,
  };
  // The published document: what each operation's body and query look like.
  const doc = await (await e.app.request("/openapi.json")).json();
  return { ids, tokens, known, doc };
}

type World = Awaited<ReturnType<typeof world>>;
type Schema = Record<string, unknown>;

/** The document's operation of a routed `METHOD /api/v<n>/a/:b`, if any. */
function operationOf(w: World, method: string, path: string): Schema | null {
  const docPath = path.replace(/:([A-Za-z]+)/g, "{$1}");
  return w.doc.paths[docPath]?.[method.toLowerCase()] ?? null;
}

/** A body and query after the operation's own schema, valid or one thing off. */
function guided(rng: Rng, w: World, op: Schema) {
  const context = { ids: w.ids, known: w.known };
  const schema = (op.requestBody as Schema | undefined)?.content as
    | Record<string, { schema: Schema }>
    | undefined;
  const json = schema?.["application/json"]?.schema;
  let body: string | undefined;
  if (json) {
    const valid = instance(rng, json, w.doc, context);
    body = JSON.stringify(rng.chance(0.25) ? valid : mutate(rng, valid));
  }
  const params = ((op.parameters ?? []) as Schema[]).filter((p) =>
    p.in === "query"
  );
  let query = "";
  if (params.length > 0 && rng.chance(0.7)) {
    const p = rng.pick(params);
    const value = rng.chance(0.5)
      ? String(
        instance(rng, p.schema as Schema, w.doc, context, String(p.name)),
      )
      : oddString(rng);
    query = `?${encodeURIComponent(String(p.name))}=${
      encodeURIComponent(value.toWellFormed().slice(0, 3000))
    }`;
  }
  return { body, query };
}

interface Fuzzed {
  method: string;
  path: string;
  headers: Headers;
  body?: string | Uint8Array<ArrayBuffer>;
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

function fuzzedRequest(
  rng: Rng,
  routes: readonly { method: string; path: string }[],
  w: World,
): Fuzzed {
  const { ids, tokens } = w;
  const route = rng.pick(routes);
  const method = rng.chance(0.85) ? route.method : rng.pick(METHODS);
  const op = operationOf(w, route.method, route.path);
  // Half the requests follow the operation's schema, so they reach the
  // handlers and the actors; the rest are hostile from the start.
  const shaped = op !== null && rng.chance(0.5) ? guided(rng, w, op) : null;
  let path = route.path.replace(
    /:[A-Za-z]+/g,
    () => shaped && rng.chance(0.9) ? rng.pick(ids) : param(rng, ids),
  );
  if (!shaped && rng.chance(0.5)) path = mutatePath(rng, path);
  path += shaped ? shaped.query : query(rng, ids);
  const headers = new Headers();
  const set = (name: string, value: string | null) => {
    if (value === null) return;
    try {
      headers.set(name, value);
    } catch {
      /* not a header value fetch can carry: the socket run sends those */
    }
  };
  set(
    "authorization",
    shaped && rng.chance(0.7)
      ? `Bearer ${rng.pick(tokens)}`
      : authorization(rng, tokens),
  );
  set("content-type", rng.pick(CONTENT_TYPES));
  if (rng.chance(0.3)) set("idempotency-key", headerValue(rng));
  if (rng.chance(0.2)) set("if-match", headerValue(rng));
  if (rng.chance(0.1)) {
    set("x-tms-min-position", rng.pick(["abc", "-1", "1e3", "", "1.5"]));
  }
  if (rng.chance(0.1)) {
    set("x-api-version", rng.pick(["99", "v0", "abc", "", "2.x", "1.0.0"]));
  }
  if (rng.chance(0.1)) {
    set(
      "accept",
      rng.pick(["application/vnd.tms.v99+json", "text/html", "*/*", ""]),
    );
  }
  if (rng.chance(0.05)) set("x-request-id", headerValue(rng));
  if (rng.chance(0.05)) set("x-forwarded-for", headerValue(rng));
  const withBody = method !== "GET" && method !== "HEAD";
  return {
    method,
    path,
    headers,
    body: withBody
      ? (shaped?.body !== undefined && rng.chance(0.9)
        ? shaped.body
        : body(rng, ids))
      : undefined,
  };
}

function describe(request: Fuzzed, outcome: Outcome, why: string): string {
  const body = typeof request.body === "string"
    ? request.body.slice(0, 200)
    : request.body
    ? `<${request.body.length} bytes>`
    : "";
  return `${why}: ${request.method} ${request.path.slice(0, 300)} ${
    JSON.stringify(
      Object.fromEntries(
        [...request.headers].map(([k, v]) => [k, v.slice(0, 40)]),
      ),
    ).slice(0, 300)
  } ${body} → ${outcome.status} ${outcome.text.slice(0, 300)}`;
}

Deno.test({
  name:
    "fuzz: 10 000 hostile requests through app.request() on every route: no 5xx, every error a problem document",
  async fn() {
    console.log(`fuzz seed ${SEED} (TMS_FUZZ_SEED replays it)`);
    const rng = new Rng(SEED);
    const e = await apiEdge();
    try {
      const w = await world(e);
      const routes = [
        ...new Map(
          e.app.routes.filter((r) => r.method !== "ALL")
            .map((r) => [`${r.method} ${r.path}`, r]),
        ).values(),
      ];
      assert.ok(routes.length > 100, `${routes.length} routes`);
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      const one = async (request: Fuzzed) => {
        let res: Response;
        try {
          res = await e.app.request(request.path, {
            method: request.method,
            headers: request.headers,
            body: request.body,
          });
        } catch (error) {
          // Past onError: Deno.serve would answer 500 itself.
          const outcome = {
            status: 500,
            contentType: "",
            text: String(error),
            requestId: false,
          };
          failures.push(describe(request, outcome, "the app threw"));
          return;
        }
        const contentType = res.headers.get("content-type") ?? "";
        // An accepted event stream stays open by design: its status and
        // headers are the answer.
        const streaming = res.ok && contentType.startsWith("text/event-stream");
        if (streaming) await res.body?.cancel();
        const outcome: Outcome = {
          status: res.status,
          contentType,
          text: streaming ? "" : await res.text(),
          requestId: res.headers.has("x-request-id"),
        };
        statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
        const why = violation(request.method, outcome);
        if (why) failures.push(describe(request, outcome, why));
      };
      // A few in flight at once, as clients do.
      for (let sent = 0; sent < REQUESTS; sent += 8) {
        const batch: Fuzzed[] = [];
        for (let i = 0; i < 8; i++) {
          const request = fuzzedRequest(rng, routes, w);
          batch.push(request);
        }
        await Promise.all(batch.map(one));
      }
      console.log(
        `statuses: ${
          [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`)
            .join(" ")
        }`,
      );
      assert.deepEqual(
        failures.slice(0, 20),
        [],
        `${failures.length} failures`,
      );
      // No request left a poison event: every projection followed the log.
      await e.caughtUp();
      // The run reached the handlers, not only the gates.
      for (const status of [200, 400, 401, 403, 404, 406, 413, 422]) {
        assert.ok((statuses.get(status) ?? 0) > 0, `no ${status} answer`);
      }
    } finally {
      await e.close();
    }
  },
});

const encoder = new TextEncoder();
const latin1 = (text: string) =>
  Uint8Array.from(text, (ch) => ch.charCodeAt(0) & 0xff);

/** One request written raw to a socket, `Connection: close`; its answer or null if none came. */
async function rawExchange(
  port: number,
  bytes: Uint8Array,
): Promise<Outcome | null> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), 20_000);
  try {
    try {
      for (let written = 0; written < bytes.length;) {
        written += await conn.write(bytes.subarray(written));
      }
    } catch { /* the server may stop reading once it has refused */ }
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(64 * 1024);
    for (;;) {
      let n: number | null;
      try {
        n = await conn.read(buffer);
      } catch {
        break;
      }
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
    const all = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
    let at = 0;
    for (const c of chunks) all.set(c, (at += c.length) - c.length);
    const text = new TextDecoder().decode(all);
    const end = text.indexOf("\r\n\r\n");
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
    if (!status || end < 0) return null;
    const head = text.slice(0, end).toLowerCase();
    let body = text.slice(end + 4);
    if (/\r\ntransfer-encoding: *chunked/.test(head)) {
      let decoded = "";
      for (;;) {
        const line = body.indexOf("\r\n");
        const size = parseInt(body.slice(0, line), 16);
        if (!size) break;
        decoded += body.slice(line + 2, line + 2 + size);
        body = body.slice(line + 4 + size);
      }
      body = decoded;
    }
    return {
      status: Number(status[1]),
      contentType: /\r\ncontent-type: *([^\r]*)/.exec(head)?.[1] ?? "",
      text: body,
      requestId: /\r\nx-request-id:/.test(head),
    };
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer or the server */ }
  }
}

/** The bytes of a fuzzed request, `Connection: close`. */
function serialize(request: Fuzzed, extra: Uint8Array[] = []): Uint8Array {
  const body = typeof request.body === "string"
    ? encoder.encode(request.body)
    : request.body ?? new Uint8Array();
  const head = [
    `${request.method} ${request.path} HTTP/1.1`,
    "host: 127.0.0.1",
    "connection: close",
    ...[...request.headers].map(([k, v]) => `${k}: ${v}`),
    ...(request.body === undefined ? [] : [`content-length: ${body.length}`]),
  ].join("\r\n");
  const parts = [
    latin1(`${head}\r\n`),
    ...extra.flatMap((line) => [line, latin1("\r\n")]),
    latin1("\r\n"),
    body,
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

/** Requests a `Request` cannot express: sizes, raw bytes, broken framing. */
function socketRequest(
  rng: Rng,
  routes: readonly { method: string; path: string }[],
  token: string,
): { label: string; bytes: Uint8Array } {
  const get = (path: string, extra: Uint8Array[] = []) =>
    serialize({
      method: "GET",
      path,
      headers: new Headers({ authorization: `Bearer ${token}` }),
    }, extra);
  const size = rng.pick([8_000, 16_000, 64_000, 100_000, 400_000, 1_100_000]);
  const raw = (text: string) => latin1(text);
  switch (rng.int(12)) {
    case 0:
      return {
        label: `a ${size}-byte header`,
        bytes: get("/api/v2/users/me", [raw(`x-fuzz: ${"x".repeat(size)}`)]),
      };
    case 1:
      return {
        label: `a ${size}-byte Authorization`,
        bytes: serialize({
          method: "GET",
          path: "/api/v2/users/me",
          headers: new Headers({ authorization: `Bearer ${"A".repeat(size)}` }),
        }),
      };
    case 2: {
      const count = rng.pick([50, 100, 500, 2_000, 10_000]);
      return {
        label: `${count} headers`,
        bytes: get(
          "/api/v2/users/me",
          Array.from({ length: count }, (_, i) => raw(`x-h${i}: ${i}`)),
        ),
      };
    }
    case 3:
      return {
        label: `a ${size}-byte path`,
        bytes: get(`/api/v2/bedrifter/${"a".repeat(size)}`),
      };
    case 4: {
      // Raw bytes in the request line: UTF-8, Latin-1, NUL, overlong.
      const path = rng.pick([
        "/api/v2/bedrifter/\u00c3\u00b8",
        "/api/v2/bedrifter/\u00ff\u00fe",
        "/api/v2/bedrifter/\u00c0\u00af..\u00c0\u00af",
        "/api/v2/\u0000",
        "/api/v2/bedrifter/a b",
        "/api/v2/../../etc/passwd",
        "//api//v2//bedrifter",
        "/api/v2/bedrifter/%2e%2e/%2e%2e/health/live",
        "*",
        "http://evil.example/api/v2/users/me",
      ]);
      return {
        label: `request target ${JSON.stringify(path)}`,
        bytes: get(path),
      };
    }
    case 5: {
      const value = rng.pick([
        "\u00c3\u00b8\u00c3\u00a6",
        "\u00ff\u00fe\u0080",
        "a\u0000b",
        "\u00c0\u00af",
        "\u0007bell",
      ]);
      return {
        label: `header bytes ${JSON.stringify(value)}`,
        bytes: get("/api/v2/users/me", [raw(`idempotency-key: ${value}`)]),
      };
    }
    case 6: {
      const line = rng.pick([
        "bad header: x",
        ": empty name",
        "x-\u0001: y",
        "no-colon-at-all",
        " folded: continuation",
        "x-a:\tb\u0000",
      ]);
      return {
        label: `header line ${JSON.stringify(line)}`,
        bytes: get("/api/v2/users/me", [raw(line)]),
      };
    }
    case 7: {
      const text = rng.pick([
        "GET\r\n\r\n",
        "GET / HTTP/9.9\r\nconnection: close\r\n\r\n",
        "BREW /api/v2/users/me HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        "get /health/live HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        "\r\n\r\n",
        "GET /health/live HTTP/1.0\r\n\r\n",
        "GET  /health/live  HTTP/1.1\r\nhost: x\r\n\r\n",
      ]);
      return {
        label: `request line ${JSON.stringify(text)}`,
        bytes: raw(text),
      };
    }
    case 8: {
      const body = '{"navn":"x"}';
      const framing = rng.pick([
        `content-length: ${body.length}\r\ncontent-length: 3`,
        `content-length: ${body.length}\r\ntransfer-encoding: chunked`,
        "transfer-encoding: chunked",
        "transfer-encoding: gzip, chunked",
        `content-length: -1`,
        `content-length: 1e3`,
      ]);
      const payload = framing.includes("chunked")
        ? `${
          rng.pick(["zz", "c", "-1", "ffffffffffffffff"])
        }\r\n${body}\r\n0\r\n\r\n`
        : body;
      return {
        label: `framing ${JSON.stringify(framing)}`,
        bytes: raw(
          `POST /api/v2/bedrifter HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\n${framing}\r\n\r\n${payload}`,
        ),
      };
    }
    default: {
      // The app-level generator, its bytes as they are (Latin-1 headers).
      const route = rng.pick(routes);
      let path = route.path.replace(
        /:[A-Za-z]+/g,
        () => param(rng, ["x", "00000000-0000-4000-8000-000000000000"]),
      );
      if (rng.chance(0.5)) path = mutatePath(rng, path);
      const headers = new Headers();
      headers.set("authorization", `Bearer ${token}`);
      const type = rng.pick(CONTENT_TYPES);
      if (type) headers.set("content-type", type);
      const bytes = serialize({
        method: route.method,
        path,
        headers,
        body: route.method === "GET" ? undefined : body(rng, ["x"]),
      });
      return { label: `${route.method} ${path.slice(0, 120)}`, bytes };
    }
  }
}

Deno.test({
  name:
    "fuzz: a few hundred raw requests to a started node over a socket: no 5xx, every answer of TMS a problem document",
  async fn() {
    const rng = new Rng(SEED + 1);
    const dir = await Deno.makeTempDir({ prefix: "tms-fuzz-" });
    const server = await startServer({ TMS_DATA_DIR: dir });
    try {
      const routes = await routesOf(server.url, server.token);
      const failures: string[] = [];
      const statuses = new Map<string, number>();
      for (let i = 0; i < SOCKET_REQUESTS; i++) {
        const { label, bytes } = socketRequest(rng, routes, server.token);
        const outcome = await rawExchange(server.port, bytes);
        const key = outcome ? String(outcome.status) : "closed";
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (outcome === null) continue;
        const why = violation("GET", outcome);
        if (why) {
          failures.push(
            `${why}: ${label} → ${outcome.status} ${
              outcome.text.slice(0, 200)
            }`,
          );
        }
      }
      console.log(
        `socket statuses: ${
          [...statuses].map(([s, n]) => `${s}×${n}`).join(" ")
        }`,
      );
      assert.deepEqual(
        failures.slice(0, 20),
        [],
        `${failures.length} failures`,
      );
      // The node is still up and serving.
      const live = await fetch(`${server.url}/health/live`);
      await live.body?.cancel();
      assert.equal(live.status, 200);
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The routes of a node, from its OpenAPI document (`{id}` as `:id`). */
async function routesOf(url: string, token: string) {
  const doc = await (await fetch(`${url}/openapi.json`, {
    headers: { authorization: `Bearer ${token}` },
  })).json();
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{([A-Za-z]+)\}/g, ":$1"),
      }))
    );
}
