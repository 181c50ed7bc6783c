import { domainEventLog, registerActors } from "../../actors/mod.ts";
import { createApp } from "../../http/mod.ts";
import type { EdgeAuth, EdgeSecurity } from "../../http/mod.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import type { ActorSystemOptions } from "../../runtime/actor/mod.ts";
import type { EventLog } from "../../runtime/core/mod.ts";
import { MemoryKeyStore } from "../../runtime/storage/mod.ts";
import { bootstrapAdmin } from "../../actors/user/mod.ts";
import type { ActorClient } from "../../runtime/actor/mod.ts";
import { authorized, bearer, TEST_ADMIN, testAuth, tokenOf } from "./auth.ts";
import type { TestAuth } from "./auth.ts";

/** Creates the first ADMIN (as a node does at start) and logs it in. */
export async function adminTokenOf(
  system: ActorClient,
  identity: TestAuth,
): Promise<string> {
  await bootstrapAdmin(system, identity.users, {
    ...TEST_ADMIN,
    passwordFile: "/nonexistent/unused",
    at: new Date().toISOString(),
  });
  return await tokenOf(
    system,
    identity.users,
    TEST_ADMIN.email,
    TEST_ADMIN.password,
  );
}

/**
 * An edge over a fresh in-memory system, for `app.request()` tests. Its
 * first ADMIN is logged in, and `json` sends that token unless the headers
 * carry another `authorization`.
 */
export async function testApp(
  options: Partial<ActorSystemOptions> & {
    log?: EventLog;
    requestTimeoutMs?: number;
    /** CORS, proxies, rate limits of the edge. */
    security?: EdgeSecurity;
    /** Settings of the edge's identity (the user recheck, its clock). */
    auth?: Pick<EdgeAuth, "userRecheckSeconds" | "now">;
  } = {},
) {
  const keys = new MemoryKeyStore();
  const log = domainEventLog(options.log ?? new MemoryEventLog(), keys);
  const system = registerActors(new ActorSystem({ ...options, log }));
  const identity = await testAuth(keys);
  const app = createApp({
    system,
    keys,
    auth: { ...identity.auth, ...options.auth },
    security: options.security,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  const adminToken = await adminTokenOf(system, identity);
  const json = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.request(path, {
      method,
      headers: {
        "content-type": "application/json",
        ...bearer(adminToken),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    /** The edge; `request` sends the ADMIN's token unless told otherwise. */
    app: authorized(app, adminToken),
    log,
    system,
    identity,
    adminToken,
    json,
    async close() {
      await system.shutdown();
      await log.close();
    },
  };
}
