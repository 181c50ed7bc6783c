import assert from "node:assert/strict";
import {
  assertCurrentVersion,
  EventUpcasters,
  EventVersionError,
} from "../../../runtime/core/mod.ts";
import type { Commit, Upcaster } from "../../../runtime/core/mod.ts";

// thing.created: v1 { name } → v2 { navn } → v3 { navn, tags }.
const v1ToV2: Upcaster<{ name: string }, { navn: string }> = {
  type: "thing.created",
  from: 1,
  upcast: ({ name }) => ({ navn: name }),
};
const v2ToV3: Upcaster<{ navn: string }, { navn: string; tags: string[] }> = {
  type: "thing.created",
  from: 2,
  upcast: (data) => ({ ...data, tags: [] }),
};
const versions = { "thing.created": 3, "thing.closed": 1 };
const registry = new EventUpcasters(versions, [v2ToV3, v1ToV2]);

function commit(events: Commit["events"]): Commit {
  return {
    type: "thing",
    id: "t1",
    version: 1,
    position: 7,
    commandId: "c1",
    timestamp: 0,
    events,
  };
}

Deno.test("upcasters: steps chain from any old version to the current one, in order", () => {
  assert.deepEqual(
    registry.upcast({ type: "thing.created", v: 1, data: { name: "a" } }),
    { type: "thing.created", v: 3, data: { navn: "a", tags: [] } },
  );
  assert.deepEqual(
    registry.upcast({ type: "thing.created", v: 2, data: { navn: "b" } }),
    { type: "thing.created", v: 3, data: { navn: "b", tags: [] } },
  );
  assert.equal(registry.current("thing.created"), 3);
  assert.equal(registry.current("other.type"), undefined);
});

Deno.test("upcasters: a current event, and one of a type it does not know, are the same object", () => {
  const current = {
    type: "thing.created",
    v: 3,
    data: { navn: "a", tags: [] },
  };
  assert.equal(registry.upcast(current), current);
  const foreign = { type: "other.happened", v: 7, data: {} };
  assert.equal(registry.upcast(foreign), foreign);
  const c = commit([current, { type: "thing.closed", v: 1, data: null }]);
  assert.equal(registry.upcastCommit(c), c);
  assert.equal(registry.upcastEvents(c.events), c.events);
});

Deno.test("upcasters: a commit with an old event is a copy; the stored one is untouched", () => {
  const closed = { type: "thing.closed", v: 1, data: null };
  const stored = commit([
    closed,
    { type: "thing.created", v: 1, data: { name: "a" } },
  ]);
  const before = structuredClone(stored);
  const read = registry.upcastCommit(stored);
  assert.notEqual(read, stored);
  assert.equal(read.events[0], closed);
  assert.deepEqual(read.events[1], {
    type: "thing.created",
    v: 3,
    data: { navn: "a", tags: [] },
  });
  assert.deepEqual({ ...read, events: stored.events }, stored);
  assert.deepEqual(stored, before);
});

Deno.test("upcasters: a version newer than current is an EventVersionError naming the commit; lenient keeps it", () => {
  const newer = { type: "thing.created", v: 4, data: { x: 1 } };
  assert.throws(
    () => registry.upcast(newer),
    (error) =>
      error instanceof EventVersionError && error.version === 4 &&
      error.known === 3 && /v4 is newer than this code knows \(v3\)/.test(
        error.message,
      ),
  );
  const c = commit([
    { type: "thing.created", v: 1, data: { name: "a" } },
    newer,
  ]);
  assert.throws(
    () => registry.upcastCommit(c),
    (error) =>
      error instanceof EventVersionError && error.commit === c &&
      /thing\/t1 v1 at position 7/.test(error.message),
  );
  const lenient = registry.upcastCommit(c, { lenient: true });
  assert.equal(lenient.events[0].v, 3);
  assert.equal(lenient.events[1], newer);
  for (const v of [0, -1, 1.5]) {
    assert.throws(
      () => registry.upcast({ type: "thing.created", v, data: {} }),
      EventVersionError,
    );
  }
});

Deno.test("upcasters: a missing step, a duplicate, or a step that leads nowhere fails when built", () => {
  assert.throws(
    () => new EventUpcasters(versions, [v1ToV2]),
    /No upcaster of thing.created from v2 to v3/,
  );
  assert.throws(
    () => new EventUpcasters({ "thing.created": 2 }),
    /No upcaster of thing.created from v1 to v2/,
  );
  assert.throws(
    () => new EventUpcasters(versions, [v1ToV2, v2ToV3, v1ToV2]),
    /Two upcasters of thing.created from v1/,
  );
  assert.throws(
    () => new EventUpcasters({ "thing.created": 2 }, [v1ToV2, v2ToV3]),
    /from v2 does not lead to v2/,
  );
  assert.throws(
    () => new EventUpcasters({}, [v1ToV2]),
    /without a current version/,
  );
  assert.throws(
    () => new EventUpcasters({ "thing.created": 0 }),
    TypeError,
  );
  // Every type at v1 needs no step at all.
  new EventUpcasters({ "thing.created": 1, "thing.closed": 1 });
});

Deno.test("assertCurrentVersion: only the current version of a known type passes", () => {
  assertCurrentVersion(versions, { type: "thing.created", v: 3, data: {} });
  assert.throws(
    () =>
      assertCurrentVersion(versions, { type: "thing.created", v: 1, data: {} }),
    /thing.created v1 cannot be read: current is v3/,
  );
  assert.throws(
    () =>
      assertCurrentVersion(versions, { type: "thing.closed", v: 2, data: {} }),
    /thing.closed v2 is newer than this code knows \(v1\)/,
  );
  assert.throws(
    () => assertCurrentVersion(versions, { type: "x.y", v: 1, data: {} }),
    /x.y is not an event type this code knows/,
  );
});
