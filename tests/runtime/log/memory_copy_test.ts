/**
 * The memory log's `copy` makes what `structuredClone` makes: deep, detached
 * copies of commit data, and `structuredClone`'s own answer for anything
 * that is not plain data.
 */
import assert from "node:assert/strict";
import { copy } from "../../../runtime/log/memory/copy.ts";

Deno.test("copy: plain data comes out equal and detached at every level", () => {
  const value = {
    type: "invoice.line_added",
    v: 2,
    data: {
      lines: [{ amount: "10.00", tags: ["a", "b"] }, null],
      empty: {},
      missing: undefined,
      n: -0,
      big: 10n,
    },
  };
  const copied = copy(value);
  assert.deepEqual(copied, structuredClone(value));
  assert.ok(Object.hasOwn(copied.data, "missing"));
  copied.data.lines[0]!.tags.push("c");
  (copied.data.empty as Record<string, number>).x = 1;
  assert.deepEqual(value.data.lines[0]!.tags, ["a", "b"]);
  assert.deepEqual(value.data.empty, {});
  assert.ok(Object.is(copied.data.n, -0));
});

Deno.test("copy: holes, null prototypes and an own __proto__ key survive as structuredClone keeps them", () => {
  const sparse = [1, , 3];
  const copiedSparse = copy(sparse);
  assert.equal(copiedSparse.length, 3);
  assert.ok(!(1 in copiedSparse));
  const bare = Object.assign(Object.create(null), { a: 1 });
  assert.deepEqual(copy(bare), { a: 1 });
  assert.equal(Object.getPrototypeOf(copy(bare)), Object.prototype);
  const tricky = JSON.parse('{"__proto__": {"polluted": true}}');
  const copied = copy(tricky);
  assert.equal(Object.getPrototypeOf(copied), Object.prototype);
  assert.deepEqual(Object.keys(copied), ["__proto__"]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("copy: what is not plain data gets structuredClone's answer", () => {
  const at = new Date(0);
  const copied = copy({
    at,
    map: new Map([[1, 2]]),
    bytes: new Uint8Array([7]),
  });
  assert.ok(copied.at instanceof Date && copied.at !== at);
  assert.equal(copied.at.getTime(), 0);
  assert.deepEqual(copied.map, new Map([[1, 2]]));
  assert.deepEqual(copied.bytes, new Uint8Array([7]));
  class Money {
    constructor(readonly amount: string) {}
  }
  const money = copy({ m: new Money("1.00") }).m;
  assert.ok(!(money instanceof Money));
  assert.deepEqual(money, { amount: "1.00" });
  assert.throws(
    () => copy({ f: () => 1 }),
    (e: Error) => e.name === "DataCloneError",
  );
});

Deno.test("copy: a cyclic value is copied with its cycle", () => {
  const node: Record<string, unknown> = { name: "a" };
  node.self = node;
  const copied = copy(node);
  assert.notEqual(copied, node);
  assert.equal(copied.self, copied);
});
