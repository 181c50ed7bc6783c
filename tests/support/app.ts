import { registerActors, withDomainUpcasters } from "../../actors/mod.ts";
import { createApp } from "../../http/mod.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import type { ActorSystemOptions } from "../../runtime/actor/mod.ts";
import type { EventLog } from "../../runtime/core/mod.ts";

/** An edge over a fresh in-memory system, for `app.request()` tests. */
export function testApp(
  options: Partial<ActorSystemOptions> & {
    log?: EventLog;
    requestTimeoutMs?: number;
  } = {},
) {
  const log = withDomainUpcasters(options.log ?? new MemoryEventLog());
  const system = registerActors(new ActorSystem({ ...options, log }));
  const app = createApp({ system, requestTimeoutMs: options.requestTimeoutMs });
  const json = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.request(path, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    app,
    log,
    system,
    json,
    async close() {
      await system.shutdown();
      await log.close();
    },
  };
}
