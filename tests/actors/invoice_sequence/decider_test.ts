import assert from "node:assert/strict";
import {
  invoiceSequenceDecider,
  MAX_SEQUENCE_NUMBER,
  RECENT_CONFIRMED,
  reservedNumber,
} from "../../../actors/invoice_sequence/decider.ts";
import type { InvoiceSequenceEvent } from "../../../actors/invoice_sequence/events.ts";
import { openItemsDecider } from "../../../actors/open_items/decider.ts";
import type { OpenItemsEvent } from "../../../actors/open_items/events.ts";
import { DomainError } from "../../../runtime/core/mod.ts";
import { deciderSpec } from "../../support/decider_spec.ts";

const spec = deciderSpec(invoiceSequenceDecider);
const at = "2025-01-10T09:00:00.000Z";
const reserve = (invoiceId: string, startNummer = 1000) => ({
  type: "reserve" as const,
  invoiceId,
  startNummer,
  at,
});
const ev = (
  kind: "reserved" | "confirmed" | "released",
  invoiceId: string,
  number: number,
): InvoiceSequenceEvent => ({
  type: `invoice_sequence.${kind}`,
  v: 1,
  data: { invoiceId, number, at },
});

Deno.test("sequence: the first reservation starts at fakturaStartNummer, then +1", () => {
  spec.given([]).when(reserve("a")).then([ev("reserved", "a", 1000)]);
  spec.given([ev("reserved", "a", 1000)]).when(reserve("b", 1)).then([
    ev("reserved", "b", 1001),
  ]);
});

Deno.test("sequence: asking again for the same invoice gives its number, no event", () => {
  spec.given([ev("reserved", "a", 1000)]).when(reserve("a")).thenState(
    (s, events) => {
      assert.deepEqual(events, []);
      assert.equal(s.pending.a, 1000);
    },
  );
});

Deno.test("sequence: confirm settles a reservation; wrong numbers are no-ops", () => {
  const given = [ev("reserved", "a", 1000)];
  spec.given(given).when({ type: "confirm", invoiceId: "a", number: 1000, at })
    .thenState((s, events) => {
      assert.deepEqual(events, [ev("confirmed", "a", 1000)]);
      assert.deepEqual(s.pending, {});
      assert.equal(s.confirmed, 1);
      assert.equal(s.next, 1001);
    });
  spec.given(given).when({ type: "confirm", invoiceId: "a", number: 7, at })
    .then([]);
  spec.given(given).when({ type: "release", invoiceId: "b", number: 1000, at })
    .then([]);
});

Deno.test("sequence: a late duplicate reservation of a confirmed invoice gets its number back", () => {
  const given = [ev("reserved", "a", 1000), ev("confirmed", "a", 1000)];
  spec.given(given).when(reserve("a")).thenState((s, events) => {
    assert.deepEqual(events, []);
    assert.equal(reservedNumber(s, "a"), 1000);
    assert.equal(reservedNumber(s, "b"), null);
  });
  // Only the latest confirmations are remembered.
  const many = Array.from({ length: RECENT_CONFIRMED + 1 }, (_, i) => [
    ev("reserved", `i${i}`, i + 1),
    ev("confirmed", `i${i}`, i + 1),
  ]).flat();
  spec.given(many).when(reserve("i0")).then([
    ev("reserved", "i0", RECENT_CONFIRMED + 2),
  ]);
});

Deno.test("sequence: a released number is handed out again before fresh ones, lowest first", () => {
  const given = [
    ev("reserved", "a", 1),
    ev("reserved", "b", 2),
    ev("reserved", "c", 3),
    ev("released", "c", 3),
    ev("released", "a", 1),
  ];
  spec.given(given).when(reserve("d")).then([ev("reserved", "d", 1)]);
  spec.given([...given, ev("reserved", "d", 1)]).when(reserve("e")).then([
    ev("reserved", "e", 3),
  ]);
  spec.given([...given, ev("reserved", "d", 1), ev("reserved", "e", 3)])
    .when(reserve("f")).then([ev("reserved", "f", 4)]);
});

Deno.test("sequence: exhausted past the largest number; bad input is a TypeError", () => {
  spec.given([ev("reserved", "a", MAX_SEQUENCE_NUMBER)]).when(reserve("b"))
    .thenThrows(DomainError, "invoice_sequence.exhausted");
  spec.given([]).when(reserve("a", 0)).thenThrows(TypeError);
  spec.given([]).when(reserve("")).thenThrows(TypeError);
});

const items = deciderSpec(openItemsDecider);
const tracked = (itemId: string): OpenItemsEvent => ({
  type: "open_items.tracked",
  v: 1,
  data: { kind: "invoice", itemId, at },
});

Deno.test("open items: track and untrack are idempotent", () => {
  const track = { type: "track" as const, kind: "invoice" as const, at };
  items.given([]).when({ ...track, itemId: "i1" }).then([tracked("i1")]);
  items.given([tracked("i1")]).when({ ...track, itemId: "i1" }).then([]);
  items.given([tracked("i1")]).when({ ...track, type: "untrack", itemId: "i1" })
    .thenState((s, events) => {
      assert.equal(events.length, 1);
      assert.deepEqual(s.invoice, {});
    });
  items.given([]).when({ ...track, type: "untrack", itemId: "i1" }).then([]);
  items.given([]).when({
    ...track,
    // deno-lint-ignore no-explicit-any
    kind: "car" as any,
    itemId: "x",
  }).thenThrows(TypeError);
});
