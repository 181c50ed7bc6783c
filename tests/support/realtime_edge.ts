/**
 * An edge with realtime over a real socket (`Deno.serve` on 127.0.0.1), for
 * SSE and WebSocket tests: an in-memory log and actors, the hub, tickets in
 * memory, two bedrifter and helpers that make users of each role and write
 * commits the rooms care about.
 */
import { registerActors, withDomainUpcasters } from "../../actors/mod.ts";
import { registerBedrift } from "../../actors/bedrift/mod.ts";
import { OutboundMapper } from "../../actors/outbound/mod.ts";
import type { UserRole } from "../../actors/user/mod.ts";
import { createApp } from "../../http/mod.ts";
import type { StreamTicket } from "../../http/auth.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { MemoryTicketStore, RealtimeHub } from "../../runtime/realtime/mod.ts";
import type { BacklogLimits } from "../../runtime/realtime/mod.ts";
import { MemoryKeyStore } from "../../runtime/storage/mod.ts";
import { adminTokenOf } from "./app.ts";
import { bearer, createUser, testAuth, tokenOf } from "./auth.ts";
import { SseReader } from "./sse.ts";

const AT = "2025-03-03T08:00:00.000Z";
const ORGNR = ["923609016", "915933149", "889640782", "974760673"];

/** Starts the edge; `close()` stops everything. */
export async function realtimeEdge(
  options: { limits?: BacklogLimits; heartbeatMs?: number } = {},
) {
  const log = withDomainUpcasters(new MemoryEventLog());
  const system = registerActors(new ActorSystem({ log }));
  const keys = new MemoryKeyStore();
  const identity = await testAuth(keys);
  const hub = new RealtimeHub({
    log,
    mapper: new OutboundMapper({ log }),
    pollIntervalMs: 50,
  });
  await hub.start();
  const tickets = new MemoryTicketStore<StreamTicket>();
  const app = createApp({
    system,
    keys,
    auth: identity.auth,
    realtime: {
      hub,
      tickets,
      limits: options.limits,
      heartbeatMs: options.heartbeatMs ?? 60_000,
    },
  });
  const admin = await adminTokenOf(system, identity);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    app.fetch,
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  let orgnr = 0;
  let users = 0;
  let clockMinutes = 0;
  const versions = new Map<string, number>();

  const edge = {
    url,
    port: server.addr.port,
    log,
    system,
    hub,
    tickets,
    admin,
    /** Registers a bedrift; returns its id. */
    async bedrift(id: string) {
      await registerBedrift(system, {
        id,
        organisasjonsnummer: ORGNR[orgnr++],
        details: { navn: `Skole ${id}`, postnummer: "0150", poststed: "Oslo" },
        at: AT,
      });
      return id;
    },
    /** A user of `role` in `bedriftId` (linked to `employeeId`); its id and token. */
    async user(role: UserRole, bedriftId: string | null, employeeId?: string) {
      const email = `u${++users}@rt.test`;
      const id = await createUser(system, identity.users, {
        email,
        role,
        bedriftId,
        employeeId: employeeId ?? null,
      });
      return { id, token: await tokenOf(system, identity.users, email) };
    },
    /** Renames a bedrift: one `bedrift.updated` (everyone of it may see). */
    async rename(bedriftId: string) {
      const n = (versions.get(bedriftId) ?? 0) + 1;
      versions.set(bedriftId, n);
      return await system.ask("bedrift", bedriftId, {
        type: "update",
        changes: { navn: `Skole ${bedriftId} ${n}` },
        at: AT,
      });
    },
    /** Drafts an invoice: an `invoice.status_updated` (economy roles only). */
    async draft(bedriftId: string) {
      return await system.ask("invoice", crypto.randomUUID(), {
        type: "draft",
        bedriftId,
        kunde: { navn: "Kari Nordmann" },
        at: AT,
      });
    },
    /** Hires an employee; returns its id. */
    async hire(bedriftId: string) {
      const id = crypto.randomUUID();
      await system.ask("employee", id, {
        type: "hire",
        id,
        bedriftId,
        ansattnummer: id.slice(0, 6),
        fornavn: "Ola",
        etternavn: "Nordmann",
        epost: "ola@example.no",
        role: "TRAFIKKLARER",
        licenceClasses: ["B"],
        stillingsprosent: 100,
        startDate: "2025-01-06",
        at: AT,
      });
      return id;
    },
    /** Clocks an employee in, or out when `out` (a minute after the last clock event). */
    async clock(employeeId: string, out = false) {
      clockMinutes++;
      return await system.ask("employee", employeeId, {
        type: out ? "clock_out" : "clock_in",
        ...(out ? {} : { shiftId: crypto.randomUUID() }),
        at: new Date(Date.parse(AT) + clockMinutes * 60_000).toISOString(),
      });
    },
    /** Opens `GET /api/v1/stream<query>`; the token as a header, unless null. */
    stream(
      query: string,
      token: string | null,
      headers: Record<string, string> = {},
    ) {
      return edge.open(`/api/v1/stream${query}`, token, headers);
    },
    /** Opens a stream at `path`; the token as a header, unless null. */
    async open(
      path: string,
      token: string | null,
      headers: Record<string, string> = {},
    ) {
      const controller = new AbortController();
      const res = await fetch(`${url}${path}`, {
        headers: { ...(token ? bearer(token) : {}), ...headers },
        signal: controller.signal,
      });
      return {
        res,
        reader: res.ok ? new SseReader(res.body!) : null,
        async close() {
          controller.abort();
          await res.body?.cancel().catch(() => {});
        },
      };
    },
    /** A ticket of `token`. */
    async ticket(token: string): Promise<string> {
      const res = await fetch(`${url}/api/v1/stream/tickets`, {
        method: "POST",
        headers: bearer(token),
      });
      const body = await res.json();
      if (res.status !== 201) throw new Error(JSON.stringify(body));
      return body.ticket;
    },
    async close() {
      await hub.stop();
      await server.shutdown();
      await system.shutdown();
      await log.close();
    },
  };
  return edge;
}

export type RealtimeEdgeFixture = Awaited<ReturnType<typeof realtimeEdge>>;

/** Runs `fn` with a fresh edge, closed afterwards. */
export async function withRealtimeEdge(
  fn: (edge: RealtimeEdgeFixture) => Promise<void>,
  options: Parameters<typeof realtimeEdge>[0] = {},
): Promise<void> {
  const edge = await realtimeEdge(options);
  try {
    await fn(edge);
  } finally {
    await edge.close();
  }
}
