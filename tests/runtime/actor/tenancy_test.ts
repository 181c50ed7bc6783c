/**
 * The actor's own tenancy check: whatever the edge let through, a principal
 * of another tenant neither reads nor changes an actor (it looks absent).
 */
import assert from "node:assert/strict";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { NotFoundError } from "../../../runtime/core/mod.ts";
import type {
  Decider,
  DomainEvent,
  Principal,
} from "../../../runtime/core/mod.ts";

type Command =
  | { type: "open"; tenant: string | null }
  | { type: "note"; text: string };
type Event =
  | DomainEvent<"opened", { tenant: string | null }>
  | DomainEvent<"noted", { text: string }>;
interface State {
  open: boolean;
  tenant: string | null;
  notes: string[];
}

const ledger: Decider<Command, Event, State> = {
  initialState: { open: false, tenant: null, notes: [] },
  decide: (command) =>
    command.type === "open"
      ? [{ type: "opened", v: 1, data: { tenant: command.tenant } }]
      : [{ type: "noted", v: 1, data: { text: command.text } }],
  evolve: (state, event) =>
    event.type === "opened"
      ? { ...state, open: true, tenant: event.data.tenant }
      : { ...state, notes: [...state.notes, event.data.text] },
};

function system() {
  return new ActorSystem({ log: new MemoryEventLog() }).register({
    type: "ledger",
    decider: ledger,
    tenantOf: (state, command) =>
      state.open
        ? state.tenant
        : command?.type === "open"
        ? command.tenant
        : undefined,
  });
}

const of = (tenant: string | null, role = "HOVEDBRUKER"): Principal => ({
  subject: `user-${tenant}`,
  role,
  tenant,
});

Deno.test("tenancy in the actor: a forged principal of another tenant cannot write or read", async () => {
  const s = system();
  try {
    await s.ask("ledger", "a", { type: "open", tenant: "A" }, {
      principal: of("A"),
    });
    await s.ask("ledger", "a", { type: "note", text: "own" }, {
      principal: of("A"),
    });
    await assert.rejects(
      s.ask("ledger", "a", { type: "note", text: "forged" }, {
        principal: of("B"),
      }),
      NotFoundError,
    );
    const foreign = await s.read<State>("ledger", "a", { principal: of("B") });
    assert.equal(foreign.version, 0, "another tenant's actor reads as absent");
    assert.deepEqual(foreign.state, ledger.initialState);
    const own = await s.read<State>("ledger", "a", { principal: of("A") });
    assert.deepEqual(own.state.notes, ["own"]);
    // A platform principal (no tenant) and the system itself (none) may.
    const admin = await s.read<State>("ledger", "a", {
      principal: of(null, "ADMIN"),
    });
    assert.equal(admin.version, 2);
    await s.ask("ledger", "a", { type: "note", text: "system" });
    assert.equal((await s.read<State>("ledger", "a")).state.notes.length, 2);
  } finally {
    await s.shutdown();
  }
});

Deno.test("tenancy in the actor: a create into another tenant is refused; a platform actor is closed to tenants", async () => {
  const s = system();
  try {
    await assert.rejects(
      s.ask("ledger", "x", { type: "open", tenant: "A" }, {
        principal: of("B"),
      }),
      NotFoundError,
    );
    assert.equal((await s.read("ledger", "x")).version, 0, "nothing written");
    await s.ask("ledger", "p", { type: "open", tenant: null }, {
      principal: of(null, "ADMIN"),
    });
    await assert.rejects(
      s.ask("ledger", "p", { type: "note", text: "x" }, {
        principal: of("A"),
      }),
      NotFoundError,
    );
    assert.equal(
      (await s.read("ledger", "p", { principal: of("A") })).version,
      0,
    );
  } finally {
    await s.shutdown();
  }
});
