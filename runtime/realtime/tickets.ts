/**
 * Short-lived, single-use tickets for clients that cannot send an
 * `Authorization` header (a browser's `EventSource` and `WebSocket`): the
 * client trades its access token for a ticket and names it in the URL; the
 * first connection to present it uses it up. Tickets are random (256 bits),
 * stored only as their SHA-256, in memory on an embedded node and in the
 * JetStream KV bucket `tms_stream_tickets` in a cluster, so a ticket issued
 * by one node is taken by another, once.
 */
import { JetStreamNames, UnavailableError } from "../core/mod.ts";
import { jetstream, kvm, StorageType } from "../../deps.ts";
import type { KV, NatsConnection } from "../../deps.ts";

/** Issues and redeems tickets carrying `T`. */
export interface TicketStore<T> {
  /** A new ticket for `payload`, valid `ttlMs`. */
  issue(payload: T, ttlMs: number): Promise<string>;
  /** The payload, once; null for an unknown, used or expired ticket. */
  redeem(ticket: string): Promise<T | null>;
  close(): Promise<void>;
}

/** The ticket's shape: 43 base64url characters. */
const TICKET = /^[A-Za-z0-9_-]{43}$/;

function newTicket(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-")
    .replace(/\//g, "_").replace(/=+$/, "");
}

async function ticketKey(ticket: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(ticket),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

interface Stored<T> {
  payload: T;
  /** Epoch ms. */
  expiresAt: number;
}

/** Tickets in this process's memory (an embedded node). */
export class MemoryTicketStore<T> implements TicketStore<T> {
  readonly #tickets = new Map<string, Stored<T>>();

  async issue(payload: T, ttlMs: number): Promise<string> {
    const now = Date.now();
    for (const [key, stored] of this.#tickets) {
      if (stored.expiresAt <= now) this.#tickets.delete(key);
    }
    const ticket = newTicket();
    this.#tickets.set(await ticketKey(ticket), {
      payload,
      expiresAt: now + ttlMs,
    });
    return ticket;
  }

  async redeem(ticket: string): Promise<T | null> {
    if (!TICKET.test(ticket)) return null;
    const key = await ticketKey(ticket);
    const stored = this.#tickets.get(key);
    this.#tickets.delete(key);
    return stored && stored.expiresAt > Date.now() ? stored.payload : null;
  }

  close(): Promise<void> {
    this.#tickets.clear();
    return Promise.resolve();
  }
}

/**
 * Tickets in the KV bucket `tms_stream_tickets` (key: the ticket's SHA-256
 * in hex, entries expire after `maxAgeMs`): redeeming deletes the entry at
 * the revision read, so of two nodes given one ticket only one succeeds.
 */
export class NatsTicketStore<T> implements TicketStore<T> {
  readonly #kv: KV;

  private constructor(kv: KV) {
    this.#kv = kv;
  }

  /** Opens (or creates) the bucket; entries live at most `maxAgeMs` (default 5 min). */
  static async open<T>(
    nc: NatsConnection,
    options: { replicas?: number; maxAgeMs?: number } = {},
  ): Promise<NatsTicketStore<T>> {
    const kv = await kvm(jetstream(nc)).create(JetStreamNames.streamTickets, {
      history: 1,
      replicas: options.replicas ?? 1,
      storage: StorageType.File,
      ttl: options.maxAgeMs ?? 5 * 60_000,
    });
    return new NatsTicketStore<T>(kv);
  }

  async issue(payload: T, ttlMs: number): Promise<string> {
    const ticket = newTicket();
    const stored: Stored<T> = { payload, expiresAt: Date.now() + ttlMs };
    try {
      await this.#kv.create(await ticketKey(ticket), JSON.stringify(stored));
    } catch (error) {
      throw new UnavailableError("The ticket store did not answer", {
        cause: error,
      });
    }
    return ticket;
  }

  async redeem(ticket: string): Promise<T | null> {
    if (!TICKET.test(ticket)) return null;
    const key = await ticketKey(ticket);
    try {
      const entry = await this.#kv.get(key);
      if (!entry || entry.operation !== "PUT") return null;
      try {
        await this.#kv.delete(key, { previousSeq: entry.revision });
      } catch {
        return null; // another node took it first
      }
      const stored = entry.json<Stored<T>>();
      return stored.expiresAt > Date.now() ? stored.payload : null;
    } catch (error) {
      throw new UnavailableError("The ticket store did not answer", {
        cause: error,
      });
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
