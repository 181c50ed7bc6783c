/**
 * A driving school's economy for ledger and report tests: an actor system
 * over an in-memory log, a bedrift with invoice settings, and helpers that
 * go through the real flows (send, pay, remind, credit; register, approve,
 * pay an expense) at the dates the test names.
 */
import {
  readModelProjections,
  registerActors,
  withDomainUpcasters,
} from "../../actors/mod.ts";
import { budgetProcess } from "../../actors/budget/mod.ts";
import type { UserRole } from "../../actors/user/mod.ts";
import { createApp } from "../../http/mod.ts";
import {
  FeedProcessor,
  ProjectionEngine,
} from "../../runtime/projection/mod.ts";
import { MemoryFileStore, MemoryKeyStore } from "../../runtime/storage/mod.ts";
import { adminTokenOf } from "./app.ts";
import { bearer, createUser, testAuth, tokenOf } from "./auth.ts";
import { pgliteFixture } from "./sql_stores.ts";
import { registerBedrift } from "../../actors/bedrift/mod.ts";
import {
  creditInvoice,
  INVOICE,
  registerInvoicePayment,
  remindInvoice,
  sendInvoice,
} from "../../actors/invoice/mod.ts";
import {
  approveExpense,
  EXPENSE,
  payExpense,
  registerExpense,
} from "../../actors/expense/mod.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import type { EventLog } from "../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { KONTONUMMER } from "./domain_app.ts";
import { orgnr } from "./read_side.ts";

/** Noon in Norway on `date` (winter time is enough for March tests). */
export function noon(date: string): string {
  return `${date}T11:00:00.000Z`;
}

/** One invoice line: quantity, unit price excl. MVA, rate. */
export type Line = [antall: string, enhetspris: string, mvaSats: number];

/**
 * A school with its own log and actors; `B` is its bedrift (MVA-registered
 * unless told otherwise, purregebyr 70.00, 14 days to pay, series F-1001…).
 */
export async function school(
  options: { log?: EventLog; mvaRegistrert?: boolean; n?: number } = {},
) {
  const log = withDomainUpcasters(options.log ?? new MemoryEventLog());
  const system = registerActors(new ActorSystem({ log }));
  const B = `school-${options.n ?? 1}`;
  await registerBedrift(system, {
    id: B,
    organisasjonsnummer: orgnr(options.n ?? 1),
    details: { navn: "Fjord Trafikkskole AS", postnummer: "5003" },
    at: noon("2025-01-02"),
  });
  await system.ask("bedrift", B, {
    type: "change_invoice_settings",
    changes: {
      kontonummer: KONTONUMMER,
      fakturaPrefix: "F-",
      fakturaStartNummer: 1001,
      forfallsdager: 14,
      purregebyr: "70.00",
      mvaRegistrert: options.mvaRegistrert ?? true,
    },
    at: noon("2025-01-02"),
  });
  let invoices = 0;
  let expenses = 0;
  return {
    log,
    system,
    B,
    /** Drafts and sends an invoice on `date`; a kunde with an orgnr is a business. */
    async invoice(
      date: string,
      lines: Line[],
      kunde: Record<string, unknown> = { navn: "Kari Nordmann" },
    ): Promise<string> {
      const id = `inv-${++invoices}`;
      await system.ask(INVOICE, id, {
        type: "draft",
        bedriftId: B,
        kunde,
        at: noon(date),
      });
      for (const [i, [antall, enhetspris, mvaSats]] of lines.entries()) {
        await system.ask(INVOICE, id, {
          type: "add_line",
          lineId: `l${i}`,
          beskrivelse: `Linje ${i + 1}`,
          antall,
          enhetspris,
          mvaSats,
          at: noon(date),
        });
      }
      await sendInvoice(system, { id, at: noon(date) });
      return id;
    },
    async pay(id: string, amount: string, paidOn: string) {
      return await registerInvoicePayment(system, {
        id,
        paymentId: `${id}-${paidOn}-${amount}`,
        amount,
        paidOn,
        at: noon(paidOn),
      });
    },
    async remind(id: string, on: string) {
      return await remindInvoice(system, { id, on, at: noon(on) });
    },
    async credit(id: string, date: string) {
      return await creditInvoice(system, { id, at: noon(date) });
    },
    /** Registers an expense and, unless told otherwise, approves it (and pays it). */
    async expense(
      input: {
        kategori: string;
        belop: string;
        mvaSats: number;
        dato: string;
        leverandor?: string;
      },
      then: { approve?: boolean; paidOn?: string } = { approve: true },
    ): Promise<string> {
      const id = `exp-${++expenses}`;
      await registerExpense(system, {
        id,
        bedriftId: B,
        leverandor: { navn: input.leverandor ?? "Leverandør AS" },
        dato: input.dato,
        belop: input.belop,
        mvaSats: input.mvaSats,
        kategori: input.kategori,
        at: noon(input.dato),
      });
      if (then.approve !== false) {
        await approveExpense(system, { id, at: noon(input.dato) });
      }
      if (then.paidOn) {
        await payExpense(system, {
          id,
          paidOn: then.paidOn,
          at: noon(then.paidOn),
        });
      }
      return id;
    },
    async rejectExpense(id: string, date: string) {
      return await system.ask(EXPENSE, id, {
        type: "reject",
        at: noon(date),
      });
    },
    close: () => system.shutdown(),
  };
}

/**
 * The edge over a school's economy with its read side and the budget
 * process manager running, as a node wires them: `call` sends JSON (or
 * raw bytes) with a token (the ADMIN's by default) and reads the answer.
 */
export async function economyEdge() {
  const s = await school({ n: 11 });
  const keys = new MemoryKeyStore();
  const identity = await testAuth(keys);
  const fixture = pgliteFixture();
  const store = await fixture.open();
  const engine = new ProjectionEngine({
    store,
    log: s.log,
    projections: readModelProjections,
    lingerMs: 0,
  });
  await engine.start();
  const pm = new FeedProcessor({
    store,
    log: s.log,
    processor: budgetProcess(s.system),
    pollIntervalMs: 50,
  });
  await pm.start();
  const files = new MemoryFileStore();
  const app = createApp({
    system: s.system,
    keys,
    files,
    auth: identity.auth,
    readSide: { store, positions: engine },
  });
  const admin = await adminTokenOf(s.system, identity);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    token: string | null = admin,
  ) => {
    const raw = body instanceof Uint8Array;
    const res = await app.request(path, {
      method,
      headers: {
        ...(token ? bearer(token) : {}),
        ...(body === undefined || raw
          ? {}
          : { "content-type": "application/json" }),
        ...headers,
      },
      body: raw
        ? body as Uint8Array<ArrayBuffer>
        : body === undefined
        ? undefined
        : JSON.stringify(body),
    });
    const text = await res.text();
    const json = (res.headers.get("content-type") ?? "").includes("json");
    return {
      status: res.status,
      headers: res.headers,
      text,
      // deno-lint-ignore no-explicit-any
      body: (text && json ? JSON.parse(text) : null) as any,
    };
  };
  /** A user of the school's bedrift with `role`, logged in. */
  const tokenFor = async (role: UserRole, bedriftId = s.B) => {
    const email = `${role.toLowerCase()}-${crypto.randomUUID()}@skole.no`;
    await createUser(s.system, identity.users, { email, role, bedriftId });
    return await tokenOf(s.system, identity.users, email);
  };
  return {
    ...s,
    app,
    store,
    engine,
    pm,
    files,
    admin,
    call,
    tokenFor,
    /** Waits until the read models and the process manager passed the head. */
    async settle() {
      const head = await s.log.headPosition();
      await engine.waitFor(head, { signal: AbortSignal.timeout(20_000) });
      await pm.waitFor(head, { signal: AbortSignal.timeout(20_000) });
      // The process manager's own commands, projected too.
      await engine.waitFor(await s.log.headPosition(), {
        signal: AbortSignal.timeout(20_000),
      });
    },
    async close() {
      await pm.stop();
      await engine.stop();
      await fixture.cleanup();
      await s.close();
    },
  };
}
