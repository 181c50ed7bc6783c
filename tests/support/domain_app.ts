import { domainEventLog, registerActors } from "../../actors/mod.ts";
import { registerBedrift } from "../../actors/bedrift/mod.ts";
import { createApp } from "../../http/mod.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { MemoryFileStore, MemoryKeyStore } from "../../runtime/storage/mod.ts";
import type { ActorClient } from "../../runtime/actor/mod.ts";
import type { EventLog } from "../../runtime/core/mod.ts";
import type { FileStore } from "../../runtime/storage/mod.ts";
import { authorized, bearer, testAuth } from "./auth.ts";
import { adminTokenOf } from "./app.ts";

/** A bedrift's account number that passes MOD11. */
export const KONTONUMMER = "86011117947";

/**
 * An edge over a fresh system with in-memory photo and key stores, for
 * `app.request()` tests of the domain routes.
 */
export async function domainApp(
  options: { log?: EventLog; files?: FileStore; requestTimeoutMs?: number } =
    {},
) {
  const keys = new MemoryKeyStore();
  const log = domainEventLog(options.log ?? new MemoryEventLog(), keys);
  const system = registerActors(new ActorSystem({ log }));
  const files = options.files ?? new MemoryFileStore();
  const identity = await testAuth(keys);
  const app = createApp({
    system,
    files,
    keys,
    auth: identity.auth,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  const adminToken = await adminTokenOf(system, identity);
  const json = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await app.request(path, {
      method,
      headers: {
        "content-type": "application/json",
        ...bearer(adminToken),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? JSON.parse(text) : null,
    };
  };
  return {
    /** The edge; `request` sends the ADMIN's token unless told otherwise. */
    app: authorized(app, adminToken),
    log,
    system,
    files,
    keys,
    identity,
    adminToken,
    json,
    async close() {
      await system.shutdown();
      await log.close();
    },
  };
}

/**
 * Registers an AKTIV bedrift with invoice settings (kontonummer, prefix…);
 * returns its id.
 */
export async function bedriftWithSettings(
  system: ActorClient,
  id: string,
  organisasjonsnummer: string,
  settings: Record<string, unknown> = {},
  at = "2025-01-02T08:00:00.000Z",
): Promise<string> {
  await registerBedrift(system, {
    id,
    organisasjonsnummer,
    details: {
      navn: `Trafikkskole ${id}`,
      postnummer: "0150",
      poststed: "Oslo",
    },
    at,
  });
  await system.ask("bedrift", id, {
    type: "change_invoice_settings",
    changes: { kontonummer: KONTONUMMER, fakturaPrefix: "F-", ...settings },
    at,
  });
  return id;
}

/** Drafts an invoice with one 650.00 line at 25 % (812.50 gross). */
export async function draftWithLine(
  system: ActorClient,
  id: string,
  bedriftId: string,
  kunde: Record<string, unknown> = { navn: "Kari Nordmann" },
  at = "2025-01-02T09:00:00.000Z",
): Promise<void> {
  await system.ask("invoice", id, { type: "draft", bedriftId, kunde, at });
  await system.ask("invoice", id, {
    type: "add_line",
    lineId: "l1",
    beskrivelse: "Kjøretime",
    antall: "1",
    enhetspris: "650.00",
    mvaSats: 25,
    at,
  });
}
