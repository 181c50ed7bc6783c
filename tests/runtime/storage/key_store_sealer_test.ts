/**
 * `KeyStoreSealer` under `SealingEventLog`: what reaches the stored log is
 * ciphertext under the data subject's key, what readers get is the plain
 * value — or `null` once the key is shredded, also for a value written in
 * clear before its field was sealed.
 */
import assert from "node:assert/strict";
import { DomainError, EventUpcasters } from "../../../runtime/core/mod.ts";
import type { AppendRequest, Snapshot } from "../../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import {
  SealingEventLog,
  storedLog,
  UpcastingEventLog,
} from "../../../runtime/log/mod.ts";
import {
  isEncryptedValue,
  KeyStoreSealer,
  MemoryKeyStore,
} from "../../../runtime/storage/mod.ts";

const SPEC = {
  events: {
    "person.named": {
      // A company is no person: its name is stored as it is.
      subject: (s: { id: string }, data: unknown) =>
        (data as { company?: boolean }).company ? null : `p-${s.id}`,
      paths: ["navn", "contact.epost"],
    },
  },
  snapshots: {
    person: (id: string) => `p-${id}`,
  },
};

function fixture() {
  const stored = new MemoryEventLog();
  const keys = new MemoryKeyStore();
  const log = new SealingEventLog(stored, new KeyStoreSealer(keys, SPEC));
  return { stored, keys, log };
}

const named = (
  id: string,
  version: number,
  data: Record<string, unknown>,
): AppendRequest => ({
  type: "person",
  id,
  expectedVersion: version,
  commandId: `${id}-${version}`,
  events: [{ type: "person.named", v: 2, data }],
});

Deno.test("sealer: declared fields are ciphertext in the stored log and plain to readers", async () => {
  const { stored, log } = fixture();
  const request = named("a", 0, {
    navn: "Kari Nordmann",
    contact: { epost: "kari@example.no", telefon: null },
    n: 1,
  });
  await log.append(request);
  // The caller's events are not changed.
  assert.equal(
    (request.events[0].data as { navn: string }).navn,
    "Kari Nordmann",
  );
  const [raw] = await stored.readStream("person", "a", 0);
  const data = raw.events[0].data as {
    navn: unknown;
    contact: { epost: unknown; telefon: unknown };
    n: number;
  };
  assert.ok(isEncryptedValue(data.navn));
  assert.ok(data.navn.keyId.startsWith("p-a:"));
  assert.ok(isEncryptedValue(data.contact.epost));
  assert.equal(data.contact.telefon, null);
  assert.equal(data.n, 1);
  const text = JSON.stringify(await stored.readFeed(0, 10));
  assert.ok(!text.includes("Kari") && !text.includes("kari@"), text);
  for (const read of [log.readStream("person", "a", 0), log.readFeed(0, 10)]) {
    const [commit] = await read;
    assert.deepEqual(commit.events[0].data, request.events[0].data);
  }
  // A subject of null: stored as it is.
  await log.append(named("b", 0, { navn: "Bil AS", company: true }));
  const [company] = await stored.readStream("person", "b", 0);
  assert.equal((company.events[0].data as { navn: string }).navn, "Bil AS");
});

Deno.test("sealer: a shredded key reads as null; other subjects and fields stay", async () => {
  const { keys, log } = fixture();
  await log.append(named("a", 0, { navn: "Kari", n: 1 }));
  await log.append(named("c", 0, { navn: "Ola", n: 2 }));
  assert.equal(await keys.shred("p-a"), true);
  const feed = await log.readFeed(0, 10);
  assert.deepEqual(feed.map((c) => c.events[0].data), [
    { navn: null, n: 1 },
    { navn: "Ola", n: 2 },
  ]);
  // The subject takes no new data: refused before anything is written.
  await assert.rejects(
    log.append(named("a", 1, { navn: "Kari igjen" })),
    DomainError,
  );
  assert.equal(await log.headPosition(), 2);
});

Deno.test("sealer: a value written in clear before sealing reads as it is, then null once its subject is erased", async () => {
  const { stored, keys, log } = fixture();
  // Written by code that did not seal yet: straight into the stored log.
  await stored.append({
    ...named("old", 0, { navn: "Kari fra før", n: 1 }),
    events: [{ type: "person.named", v: 1, data: { navn: "Kari fra før" } }],
  });
  const before = await log.readStream("person", "old", 0);
  assert.equal(
    (before[0].events[0].data as { navn: string }).navn,
    "Kari fra før",
  );
  // The subject never had a key: erasing it leaves a tombstone all the same.
  assert.equal(await keys.shred("p-old"), false);
  const after = await log.readStream("person", "old", 0);
  assert.equal((after[0].events[0].data as { navn: null }).navn, null);
  // The stored log is never rewritten: the clear bytes are still there.
  assert.ok(
    JSON.stringify(await stored.readFeed(0, 10)).includes("Kari fra før"),
  );
});

Deno.test("sealer: snapshots are sealed whole; gone with the key, and never written for an erased subject", async () => {
  const { stored, keys, log } = fixture();
  const snapshot: Snapshot = {
    version: 3,
    position: 3,
    stateVersion: 1,
    state: { navn: "Kari Nordmann" },
    recent: [{
      commandId: "c3",
      version: 3,
      position: 3,
      events: [{ type: "person.named", v: 2, data: { navn: "Kari Nordmann" } }],
    }],
  };
  await log.saveSnapshot("person", "a", snapshot);
  const raw = await stored.loadSnapshot("person", "a");
  assert.ok(!JSON.stringify(raw).includes("Kari"), JSON.stringify(raw));
  assert.deepEqual(raw?.recent, []);
  assert.deepEqual(await log.loadSnapshot("person", "a"), snapshot);
  // Another actor type has no subject: stored as it is.
  await log.saveSnapshot("other", "x", snapshot);
  assert.deepEqual(await stored.loadSnapshot("other", "x"), snapshot);

  await keys.shred("p-a");
  assert.equal(await log.loadSnapshot("person", "a"), null, "replay instead");
  // A snapshot taken just before the erasure and saved just after is not
  // stored under a fresh key: not stored at all.
  await log.saveSnapshot("person", "a", { ...snapshot, version: 4 });
  assert.equal((await stored.loadSnapshot("person", "a"))?.version, 3);
});

Deno.test("storedLog: the log beneath the sealing and upcasting decorators", () => {
  const { stored, log } = fixture();
  const upcast = new UpcastingEventLog(
    log,
    new EventUpcasters({ "person.named": 2 }, [
      { type: "person.named", from: 1, upcast: (d) => d },
    ]),
  );
  assert.equal(storedLog(upcast), stored);
  assert.equal(storedLog(stored), stored);
});
