/**
 * An edge over a real event log (memory, Deno KV or JetStream) with the read
 * models in PGlite, realtime, webhook subscriptions (nothing sends) and dead
 * letters in memory, its first ADMIN logged in, and users of any role made
 * and logged in on demand: for the API-contract tests (versions, time
 * travel, the events API).
 */
import assert from "node:assert/strict";
import {
  domainEventLog,
  readModelProjections,
  registerActors,
} from "../../actors/mod.ts";
import type { UserRole } from "../../actors/user/mod.ts";
import { createApp } from "../../http/mod.ts";
import type { ApiVersion } from "../../http/versions.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { HttpHeaders } from "../../runtime/core/mod.ts";
import type { EventLog } from "../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { ProjectionEngine } from "../../runtime/projection/mod.ts";
import {
  MemoryDeadLetterStore,
  MemoryFileStore,
  MemoryKeyStore,
} from "../../runtime/storage/mod.ts";
import { adminTokenOf } from "./app.ts";
import { bearer, createUser, testAuth, tokenOf } from "./auth.ts";
import { pgliteFixture } from "./sql_stores.ts";
import { OutboundMapper } from "../../actors/outbound/mod.ts";
import { webhookOutboxProjection } from "../../actors/webhook/mod.ts";
import { MemoryTicketStore, RealtimeHub } from "../../runtime/realtime/mod.ts";

export interface ApiReply {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** An edge for `app.request()` tests over `log` (default: in memory). */
export async function apiEdge(
  options: {
    log?: EventLog;
    snapshotEvery?: number;
    defaultApiVersion?: ApiVersion;
    readModels?: boolean;
  } = {},
) {
  const keys = new MemoryKeyStore();
  const log = domainEventLog(options.log ?? new MemoryEventLog(), keys);
  const system = registerActors(
    new ActorSystem({ log, snapshotEvery: options.snapshotEvery }),
  );
  const identity = await testAuth(keys);
  const fixture = options.readModels === false ? null : pgliteFixture();
  const store = await fixture?.open();
  const engine = store
    ? new ProjectionEngine({
      store,
      log,
      projections: [...readModelProjections, webhookOutboxProjection(log)],
    })
    : undefined;
  await engine?.start();
  const hub = new RealtimeHub({ log, mapper: new OutboundMapper({ log }) });
  await hub.start();
  const app = createApp({
    system,
    keys,
    files: new MemoryFileStore(),
    auth: identity.auth,
    realtime: { hub, tickets: new MemoryTicketStore() },
    deadLetters: new MemoryDeadLetterStore(),
    // No dispatcher: deliveries stay pending.
    webhooks: { services: { keys, allowPrivate: true } },
    defaultApiVersion: options.defaultApiVersion,
    readSide: store && engine
      ? { store, positions: engine, minPositionTimeoutMs: 5000 }
      : undefined,
  });
  const admin = await adminTokenOf(system, identity);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    token: string | null = admin,
  ): Promise<ApiReply> => {
    const res = await app.request(path, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token ? bearer(token) : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
  /** A call that must succeed. */
  const ok = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    token: string | null = admin,
  ) => {
    const res = await call(method, path, body, headers, token);
    assert.ok(
      res.status < 300,
      `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`,
    );
    return res;
  };
  let users = 0;
  /** Makes a user of `role` in `bedriftId` and logs it in. */
  const tokenFor = async (
    role: UserRole,
    bedriftId: string | null,
    employeeId: string | null = null,
  ) => {
    const email = `user${++users}-${crypto.randomUUID().slice(0, 6)}@test.no`;
    await createUser(system, identity.users, {
      email,
      role,
      bedriftId,
      employeeId,
    });
    return await tokenOf(system, identity.users, email);
  };
  /** Waits until the read models have passed the log's head. */
  const caughtUp = async () => {
    await engine?.waitFor(await log.headPosition());
  };
  return {
    app,
    system,
    log,
    store,
    engine,
    admin,
    call,
    ok,
    tokenFor,
    caughtUp,
    position: (res: ApiReply) => Number(res.headers.get(HttpHeaders.position)),
    async close() {
      await hub.stop();
      await engine?.stop();
      await system.shutdown();
      await log.close();
      await fixture?.cleanup();
    },
  };
}

export type ApiEdge = Awaited<ReturnType<typeof apiEdge>>;
