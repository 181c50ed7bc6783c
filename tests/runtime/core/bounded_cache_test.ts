/**
 * `BoundedCache` holds at most its capacity, keeps what was used recently
 * (at least half the capacity of the newest keys), and answers like a `Map`
 * for what it holds.
 */
import assert from "node:assert/strict";
import { BoundedCache } from "../../../runtime/core/mod.ts";

Deno.test("bounded cache: get, set, has and delete answer like a map", () => {
  const cache = new BoundedCache<string, number | undefined>(10);
  cache.set("a", 1).set("b", undefined);
  assert.equal(cache.get("a"), 1);
  assert.ok(cache.has("b"));
  assert.equal(cache.get("b"), undefined);
  assert.equal(cache.get("c"), undefined);
  assert.ok(cache.delete("a"));
  assert.ok(!cache.delete("a"));
  assert.ok(!cache.has("a"));
  cache.clear();
  assert.equal(cache.size, 0);
});

Deno.test("bounded cache: never holds more than its capacity, and always the newest half", () => {
  const capacity = 100;
  const cache = new BoundedCache<number, number>(capacity);
  for (let i = 0; i < 10_000; i++) {
    cache.set(i, i * 2);
    assert.ok(cache.size <= capacity, `size ${cache.size} at ${i}`);
    for (let back = 0; back < capacity / 2 && back <= i; back++) {
      assert.equal(cache.get(i - back), (i - back) * 2, `${i - back} at ${i}`);
    }
  }
});

Deno.test("bounded cache: an entry that is read survives while others come and go", () => {
  const cache = new BoundedCache<string, number>(10);
  cache.set("kept", 1);
  for (let i = 0; i < 1000; i++) {
    cache.set(`k${i}`, i);
    if (i % 4 === 0) assert.equal(cache.get("kept"), 1, `at ${i}`);
  }
  // Unread, an entry is gone after a capacity's worth of newer ones.
  cache.set("dropped", 1);
  for (let i = 0; i < 10; i++) cache.set(`n${i}`, i);
  assert.ok(!cache.has("dropped"));
});

Deno.test("bounded cache: a capacity below 2 is refused", () => {
  assert.throws(() => new BoundedCache(1), RangeError);
  assert.throws(() => new BoundedCache(2.5), RangeError);
});
