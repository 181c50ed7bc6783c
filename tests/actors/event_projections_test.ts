/**
 * The read models behind the events API, given commits, then rows:
 * `stream_tenants` (the bedrift of each stream, a session's through its
 * user) and `event_stats` (events per day and type), both idempotent.
 */
import assert from "node:assert/strict";
import {
  eventStatsProjection,
  streamTenantsProjection,
  tenantsOfStreams,
} from "../../actors/mod.ts";
import type { DomainEvent } from "../../runtime/core/mod.ts";
import { Feed, projectionSpec } from "../support/mod.ts";

const ev = (type: string, data: Record<string, unknown>): DomainEvent => ({
  type,
  v: type === "invoice.drafted" ? 2 : 1,
  data,
});

function feedOf() {
  // One commit a second from 08:00 UTC: all on one day.
  const feed = new Feed(Date.parse("2025-03-03T08:00:00Z"));
  const at = "2025-03-03T08:00:00Z";
  const commits = [
    feed.commit("bedrift", "b1", [ev("bedrift.registered", { at })]),
    feed.commit("user", "u1", [ev("user.registered", { bedriftId: "b1", at })]),
    feed.commit("session", "s1", [ev("session.issued", { userId: "u1", at })]),
    feed.commit("invoice", "i1", [
      ev("invoice.drafted", { bedriftId: "b1", at }),
    ]),
    feed.commit("invoice", "i1", [
      ev("invoice.payment_registered", { at }),
      ev("invoice.paid", { at }),
    ]),
    feed.commit("user", "admin", [
      ev("user.registered", { bedriftId: null, at }),
    ]),
    feed.commit("unique_orgnr", "923609016", [ev("unique.reserved", { at })]),
  ];
  return commits;
}

Deno.test("stream_tenants: each stream's bedrift, a session's through its user, none for platform streams", async () => {
  const spec = projectionSpec(streamTenantsProjection);
  await spec.given(feedOf()).then(async (db) => {
    const tenants = await tenantsOfStreams(db, [
      { type: "bedrift", id: "b1" },
      { type: "user", id: "u1" },
      { type: "session", id: "s1" },
      { type: "invoice", id: "i1" },
      { type: "user", id: "admin" },
      { type: "unique_orgnr", id: "923609016" },
      { type: "invoice", id: "unknown" },
    ]);
    assert.deepEqual(Object.fromEntries(tenants), {
      "bedrift\u0000b1": "b1",
      "user\u0000u1": "b1",
      "session\u0000s1": "b1",
      "invoice\u0000i1": "b1",
      "user\u0000admin": null,
    });
  });
  await spec.given(feedOf()).thenIdempotent(
    "SELECT * FROM stream_tenants ORDER BY stream_type, stream_id",
  );
});

Deno.test("event_stats: events per UTC day and type, counted once however often a batch comes", async () => {
  const spec = projectionSpec(eventStatsProjection);
  const commits = feedOf();
  await spec.given(commits.slice(0, 3), commits.slice(3)).then(async (db) => {
    const rows = await db.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, event_type, count::int AS count
       FROM event_stats ORDER BY event_type`,
    );
    const total = rows.reduce((n, r) => n + Number(r.count), 0);
    assert.equal(total, 8);
    assert.equal(
      rows.find((r) => r.event_type === "user.registered")?.count,
      2,
    );
    assert.ok(rows.every((r) => r.day === "2025-03-03"));
  });
  await spec.given(commits).thenIdempotent(
    "SELECT day, event_type, count FROM event_stats ORDER BY day, event_type",
  );
});
