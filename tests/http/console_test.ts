/**
 * The ops console at the edge: the page and its CSP (script and stylesheet
 * named by hash, nothing from elsewhere), the status snapshot (ADMIN only;
 * the embedded log's group commits, actors, dead letters without a
 * command's body), the dead-letter routes, and the console stream over a
 * real socket — a ticket opens it, a status comes, the recent events are
 * replayed and new ones follow, a resume skips what was seen, a non-ADMIN
 * is refused.
 */
import assert from "node:assert/strict";
import { domainEventLog, registerActors } from "../../actors/mod.ts";
import { createApp } from "../../http/mod.ts";
import {
  CONSOLE_HTML,
  CONSOLE_SCRIPT,
  CONSOLE_STYLE,
} from "../../http/console_page.ts";
import { ConsoleMonitor } from "../../http/console_status.ts";
import type { EdgeDeps } from "../../http/mod.ts";
import type { AutoscaleApi } from "../../actors/supervisors/autoscale/mod.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { DeadLetterStatuses, delay } from "../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { KvEventLog } from "../../runtime/log/kv/mod.ts";
import {
  MemoryDeadLetterStore,
  MemoryKeyStore,
} from "../../runtime/storage/mod.ts";
import { adminTokenOf, testApp } from "../support/app.ts";
import { bearer, createUser, testAuth, tokenOf } from "../support/auth.ts";
import { withRealtimeEdge } from "../support/realtime_edge.ts";
import type { SseEvent, SseReader } from "../support/sse.ts";
import {
  commandInput,
  projectionInput,
} from "../contracts/dead_letter_store_contract.ts";
import type { ConsoleStatus } from "../../schemas/mod.ts";

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

Deno.test("console: GET /console is one page whose CSP names its script and stylesheet by hash and loads nothing from elsewhere", async () => {
  const t = await testApp();
  try {
    const res = await t.app.request("/console", {
      headers: { authorization: "" },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const html = await res.text();
    assert.equal(html, CONSOLE_HTML);
    const csp = res.headers.get("content-security-policy") ?? "";
    const directives = new Map(
      csp.split(";").map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(" ")];
      }),
    );
    assert.equal(directives.get("default-src"), "'none'");
    assert.equal(
      directives.get("script-src"),
      `'sha256-${await sha256(CONSOLE_SCRIPT)}'`,
    );
    assert.equal(
      directives.get("style-src"),
      `'sha256-${await sha256(CONSOLE_STYLE)}'`,
    );
    assert.equal(directives.get("connect-src"), "'self'");
    assert.equal(directives.get("frame-ancestors"), "'none'");
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    // The one script and the one stylesheet are those the CSP names.
    assert.equal(html.split("<script>").length, 2);
    assert.ok(html.includes(`<script>${CONSOLE_SCRIPT}</script>`));
    assert.ok(html.includes(`<style>${CONSOLE_STYLE}</style>`));
    // Offline: no address of anything but this node, no inline handlers.
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);
    assert.doesNotMatch(html, /\son[a-z]+=/);
    assert.doesNotMatch(html, /\sstyle=/);
    // Every field has its label.
    for (
      const [, id] of html.matchAll(/<(?:input|select)[^>]*\sid="([^"]+)"/g)
    ) {
      assert.ok(html.includes(`<label for="${id}">`), `#${id} has no label`);
    }
    assert.equal(res.headers.get("x-frame-options"), "DENY");
  } finally {
    await t.close();
  }
});

Deno.test("console: the status is an ADMIN's; it shows actors, the embedded log's group commits and dead letters without a command's body", async () => {
  const kv = await KvEventLog.open(":memory:");
  const keys = new MemoryKeyStore();
  const log = domainEventLog(kv, keys);
  const system = registerActors(new ActorSystem({ log }));
  const identity = await testAuth(keys);
  const deadLetters = new MemoryDeadLetterStore();
  const app = createApp({
    system,
    keys,
    auth: identity.auth,
    deadLetters,
    console: {
      node: { id: "console-test", mode: "embedded" },
      logBackend: "kv",
      logCounters: () => ({
        ...kv.stats(),
        latency: kv.commitLatency.snapshot(),
      }),
    },
  });
  try {
    const admin = await adminTokenOf(system, identity);
    const registered = await app.request("/api/v1/bedrifter", {
      method: "POST",
      headers: { ...bearer(admin), "content-type": "application/json" },
      body: JSON.stringify({
        organisasjonsnummer: "923609016",
        navn: "Skole",
      }),
    });
    assert.equal(registered.status, 201);
    await createUser(system, identity.users, {
      email: "ok@console.test",
      role: "OKONOMI",
      bedriftId: (await registered.json()).id,
    });
    const okonomi = await tokenOf(system, identity.users, "ok@console.test");
    const letter = await deadLetters.record(commandInput("b1", "c1"));
    await deadLetters.record(projectionInput("bedrifter", 7));
    const status = async (token: string | null) =>
      await app.request("/api/v1/console/status", {
        headers: token ? bearer(token) : {},
      });
    assert.equal((await status(null)).status, 401);
    assert.equal((await status(okonomi)).status, 403);
    const first = await status(admin);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("cache-control"), "no-store");
    const s = await first.json() as ConsoleStatus;
    assert.equal(s.node.id, "console-test");
    assert.equal(s.node.mode, "embedded");
    assert.equal(s.shards, null);
    assert.deepEqual(s.nodes, [{
      id: "console-test",
      self: true,
      shards: null,
    }]);
    assert.equal(s.health?.checks.eventLog.ok, true);
    assert.ok(s.actors.active >= 1, JSON.stringify(s.actors));
    assert.deepEqual(s.actors.mailboxes, []);
    assert.equal(s.log.backend, "kv");
    const group = s.log.groupCommit!;
    assert.ok(group.commits >= 1 && group.atomics >= 1, JSON.stringify(group));
    assert.ok(group.batchSize! >= 1, JSON.stringify(group));
    assert.ok(group.latencyMs.mean! > 0, JSON.stringify(group));
    assert.ok(group.latencyMs.p99! >= group.latencyMs.mean!);
    assert.equal(s.projections?.role, "follower");
    assert.equal(s.deadLetters?.items.length, 2);
    const shown = s.deadLetters!.items.find((l) => l.id === letter.id)!;
    assert.deepEqual(shown.command, {
      type: "counter",
      id: "b1",
      commandId: "c1",
      expectedVersion: 3,
      truncated: false,
    });
    assert.doesNotMatch(JSON.stringify(s), /Kari Nordmann/);
    assert.equal(s.autoscale, null);
    assert.equal(s.chaos?.enabled, false);
    assert.deepEqual(s.errors, {});
  } finally {
    await system.shutdown();
    await log.close();
  }
});

Deno.test("dead letters: an ADMIN lists them and asks for a retry; closed, unknown and malformed ones are refused", async () => {
  const deadLetters = new MemoryDeadLetterStore();
  const t = await testApp();
  const withStore = createApp({
    system: t.system,
    auth: t.identity.auth,
    deadLetters,
  });
  const call = (method: string, path: string, app = withStore) =>
    app.request(path, { method, headers: bearer(t.adminToken) });
  try {
    const open = await deadLetters.record(commandInput("b1", "c1"));
    const closed = await deadLetters.record(commandInput("b2", "c2"));
    await deadLetters.requestRetry(closed.id);
    await deadLetters.claimRetry(closed.id, "node-a");
    await deadLetters.finishRetry(closed.id, "node-a", {
      status: "resolved",
      detail: "committed",
    });
    const list = await call("GET", "/api/v1/dead-letters?limit=1");
    assert.equal(list.status, 200);
    const page = await list.json();
    assert.equal(page.items.length, 1);
    assert.ok(page.nextCursor);
    const next = await call(
      "GET",
      `/api/v1/dead-letters?limit=1&cursor=${page.nextCursor}`,
    );
    assert.equal((await next.json()).items.length, 1);
    const onlyOpen = await (await call(
      "GET",
      "/api/v1/dead-letters?status=open",
    )).json();
    assert.deepEqual(onlyOpen.items.map((l: { id: string }) => l.id), [
      open.id,
    ]);
    assert.equal(
      (await call("GET", "/api/v1/dead-letters?cursor=nonsense")).status,
      422,
    );

    const retry = await call("POST", `/api/v1/dead-letters/${open.id}/retry`);
    assert.equal(retry.status, 202);
    const requested = await retry.json();
    assert.equal(requested.status, DeadLetterStatuses.retryRequested);
    assert.equal(requested.history.at(-1).action, "retry_requested");
    assert.equal(
      (await deadLetters.get(open.id))?.status,
      DeadLetterStatuses.retryRequested,
    );
    assert.equal(
      (await call("POST", `/api/v1/dead-letters/${closed.id}/retry`)).status,
      409,
    );
    assert.equal(
      (await call("POST", "/api/v1/dead-letters/cmd-0000000000000000/retry"))
        .status,
      404,
    );
    assert.equal(
      (await call("POST", "/api/v1/dead-letters/not-a-letter/retry")).status,
      404,
    );
    // A node that keeps no dead letters says so.
    assert.equal(
      (await call("GET", "/api/v1/dead-letters", t.app)).status,
      503,
    );
  } finally {
    await t.close();
  }
});

/** Data events of a console stream until `done` holds (comments skipped). */
async function readUntil(
  reader: SseReader,
  done: (events: SseEvent[]) => boolean,
  timeoutMs = 15_000,
): Promise<SseEvent[]> {
  const seen: SseEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(seen)) {
    const [event] = await reader.events(1, Math.max(1, deadline - Date.now()));
    if (!event) break;
    seen.push(event);
  }
  return seen;
}

Deno.test("console stream: a ticket opens it; a status comes, the recent events are replayed past other commits, new ones follow, a resume skips what was seen, a non-ADMIN is refused", async () => {
  await withRealtimeEdge(async (edge) => {
    await edge.bedrift("b1");
    await edge.rename("b1");
    // Supervisors' commits (no events of the stream) do not crowd them out.
    for (let v = 0; v < 120; v++) {
      await edge.log.append({
        type: "console_noise",
        id: "n1",
        expectedVersion: v,
        commandId: `noise-${v}`,
        events: [{ type: "noise.made", v: 1, data: {} }],
      });
    }
    const open = (query: string) =>
      edge.open(`/api/v1/console/stream${query}`, null);
    const stream = await open(`?ticket=${await edge.ticket(edge.admin)}`);
    try {
      assert.equal(stream.res.status, 200);
      assert.match(
        stream.res.headers.get("content-type") ?? "",
        /^text\/event-stream/,
      );
      const first = await readUntil(
        stream.reader!,
        (seen) =>
          seen.some((e) => e.event === "status") &&
          seen.filter((e) => e.event === "event").length >= 2,
      );
      const status = JSON.parse(
        first.find((e) => e.event === "status")!.data,
      ) as ConsoleStatus;
      assert.ok(status.actors.active >= 1);
      assert.equal(status.intervalMs, 2000);
      const replayed = first.filter((e) => e.event === "event");
      assert.deepEqual(
        replayed.map((e) => JSON.parse(e.data).type),
        ["no.tms.bedrift.registered.v1", "no.tms.bedrift.updated.v1"],
      );
      await edge.rename("b1");
      const live = await readUntil(
        stream.reader!,
        (seen) => seen.some((e) => e.event === "event"),
      );
      const update = live.find((e) => e.event === "event")!;
      assert.equal(JSON.parse(update.data).subject, "b1");
      // A resume after the first event gets what came after it only.
      const resumed = await open(
        `?ticket=${await edge.ticket(edge.admin)}&lastEventId=${
          replayed[0].id
        }`,
      );
      try {
        const again = await readUntil(
          resumed.reader!,
          (seen) => seen.filter((e) => e.event === "event").length >= 2,
        );
        assert.deepEqual(
          again.filter((e) => e.event === "event").map((e) => e.id),
          [replayed[1].id, update.id],
        );
      } finally {
        await resumed.close();
      }
    } finally {
      await stream.close();
    }
    const { token } = await edge.user("HOVEDBRUKER", "b1");
    const refused = await open(`?ticket=${await edge.ticket(token)}`);
    assert.equal(refused.res.status, 403);
    await refused.close();
    const malformed = await open(
      `?ticket=${await edge.ticket(edge.admin)}&lastEventId=x`,
    );
    assert.equal(malformed.res.status, 400);
    await malformed.close();
  });
});

Deno.test("console: the autoscale chart pairs each measured rate with the band the forecast before it gave for its time", async () => {
  const log = new MemoryEventLog();
  const system = new ActorSystem({ log });
  let at = Date.parse("2025-03-03T08:00:00Z");
  let rate = 5;
  const iso = (ms: number) => new Date(ms).toISOString();
  const autoscale = {
    status: () =>
      Promise.resolve({
        mode: "recommend",
        active: true,
        supervisor: "node-a",
        actuator: null,
        replicas: 1,
        desired: 1,
        minReplicas: 1,
        maxReplicas: 3,
        intervalMs: 1000,
        forecast: { mape: null, points: 0, trusted: false },
        lastDecision: {
          at,
          current: 1,
          desired: 1,
          recommendation: 1,
          action: "hold",
          reasons: [],
          forecast: {
            rate: null,
            currentRate: rate,
            horizonMs: 0,
            mape: null,
            replicas: null,
            used: false,
            note: null,
          },
          held: null,
          limits: [],
        },
      }),
    // The band widens by one a step: low = rate − k, high = rate + k.
    predictions: () =>
      Promise.resolve({
        at: iso(at),
        intervalMs: 1000,
        horizonMs: 3000,
        currentRate: rate,
        accuracy: { mape: null, points: 0 },
        points: [1, 2, 3].map((k) => ({
          at: iso(at + k * 1000),
          rate,
          low: rate - k,
          high: rate + k,
        })),
      }),
    decisions: () => Promise.resolve({ items: [], nextCursor: null }),
  } as unknown as AutoscaleApi;
  const monitor = new ConsoleMonitor(
    { system, autoscale } as unknown as EdgeDeps,
    { intervalMs: 2 },
  );
  const chart = async () => {
    await delay(5);
    return (await monitor.snapshot()).autoscale!.chart;
  };
  try {
    const first = await chart();
    assert.deepEqual(first.measured, [{ at, rate: 5, low: null, high: null }]);
    assert.deepEqual(first.forecast.map((p) => [p.low, p.high]), [
      [4, 6],
      [3, 7],
      [2, 8],
    ]);
    // The same decision again adds no point.
    assert.equal((await chart()).measured.length, 1);
    // Two intervals on: the band forecast for that time, two steps ahead.
    at += 2000;
    rate = 9;
    const second = await chart();
    assert.deepEqual(second.measured.at(-1), {
      at,
      rate: 9,
      low: 3,
      high: 7,
    });
    assert.deepEqual(second.forecast[0], {
      at: at + 1000,
      rate: 9,
      low: 8,
      high: 10,
    });
    // Past the forecast's horizon there is no band to pair.
    at += 10_000;
    assert.deepEqual((await chart()).measured.at(-1)?.low, null);
  } finally {
    await system.shutdown();
  }
});
