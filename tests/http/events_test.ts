/**
 * The events API over the real log: the catalog of types (every one with
 * its version and a JSON Schema that real events satisfy), the history
 * (every event of the log in order through keyset pages, a cursor inside a
 * commit, filters by aggregate, event type, bedrift, positions and time),
 * tenancy (a bedrift's users see their bedrift only), masking of personal
 * data for anyone but an ADMIN, stats from the read model, and a
 * `system.test` event found in the history.
 */
import assert from "node:assert/strict";
import { z } from "../../deps.ts";
import { EVENT_CATALOG, PERSONAL_FIELDS } from "../../actors/mod.ts";
import type { EventType } from "../../actors/mod.ts";
import { EVENT_DATA_SCHEMAS } from "../../schemas/mod.ts";
import type { Commit } from "../../runtime/core/mod.ts";
import { KONTONUMMER } from "../support/domain_app.ts";
import { FNR } from "../support/read_models.ts";
import { orgnr } from "../support/read_side.ts";
import { apiEdge } from "../support/api_edge.ts";
import type { ApiEdge } from "../support/api_edge.ts";

interface EventItem {
  position: number;
  index: number;
  aggregateType: string;
  aggregateId: string;
  type: string;
  at: string;
  bedriftId: string | null;
  // deno-lint-ignore no-explicit-any
  data: any;
  masked: boolean;
}

async function allCommits(e: ApiEdge): Promise<Commit[]> {
  return await e.log.readFeed(0, 100_000);
}

/** Two bedrifter with an employee, an invoice paid in full (two events in one commit), users. */
async function seed(e: ApiEdge) {
  const bedrift = async (n: number) => {
    const b = await e.ok("POST", "/api/v1/bedrifter", {
      organisasjonsnummer: orgnr(20 + n),
      navn: `Skole ${n}`,
    });
    await e.ok("PUT", `/api/v1/bedrifter/${b.body.id}/invoice-settings`, {
      kontonummer: KONTONUMMER,
      fakturaPrefix: "F-",
    });
    return b.body.id as string;
  };
  const A = await bedrift(1);
  const B = await bedrift(2);
  const hire = (bedriftId: string, n: string, fornavn: string) =>
    e.ok("POST", "/api/v1/employees", {
      bedriftId,
      ansattnummer: n,
      fornavn,
      etternavn: "Nordmann",
      epost: `${fornavn.toLowerCase()}@example.no`,
      telefon: "912 34 567",
      role: "TRAFIKKLARER",
      stillingsprosent: 100,
      startDate: "2025-01-06",
      fodselsnummer: FNR,
    });
  const kari = (await hire(A, "1", "Kari")).body.id as string;
  const ola = (await hire(B, "2", "Ola")).body.id as string;
  const invoice = (await e.ok("POST", "/api/v1/invoices", {
    bedriftId: A,
    kunde: { navn: "Per Hansen", epost: "per@example.no" },
  })).body.id as string;
  await e.ok("POST", `/api/v1/invoices/${invoice}/lines`, {
    beskrivelse: "Kjøretime",
    antall: 1,
    enhetspris: "800.00",
    mvaSats: 25,
  });
  await e.ok("POST", `/api/v1/invoices/${invoice}/send`);
  await e.ok("POST", `/api/v1/invoices/${invoice}/payments`, {
    amount: "1000.00",
  });
  const hbA = await e.tokenFor("HOVEDBRUKER", A);
  const hbB = await e.tokenFor("HOVEDBRUKER", B);
  await e.caughtUp();
  return { A, B, kari, ola, invoice, hbA, hbB };
}

async function walk(
  e: ApiEdge,
  query: string,
  token?: string,
): Promise<EventItem[]> {
  const items: EventItem[] = [];
  let url = `/api/v2/events/history?${query}`;
  for (let pages = 0; pages < 1000; pages++) {
    const res = await e.ok("GET", url, undefined, {}, token ?? e.admin);
    items.push(...res.body.items);
    if (!res.body._links.next) return items;
    url = res.body._links.next.href;
  }
  throw new Error("too many pages");
}

Deno.test("events: the history is the log, in order, through keyset pages (also inside a commit)", async () => {
  const e = await apiEdge();
  try {
    await seed(e);
    const commits = await allCommits(e);
    const expected = commits.flatMap((c) =>
      c.events.map((ev, index) => `${c.position}:${index}:${ev.type}`)
    );
    for (const limit of [1, 3, 200]) {
      const items = await walk(e, `limit=${limit}`);
      // The ADMIN's reads of personal data go to the access log as it walks.
      assert.deepEqual(
        items.filter((i) => i.type !== "audit.recorded").map((i) =>
          `${i.position}:${i.index}:${i.type}`
        ),
        expected.filter((i) => !i.endsWith(":audit.recorded")),
        `limit ${limit}`,
      );
    }
    // The paid invoice's commit holds two events; a page of one ends inside it.
    const paid = commits.find((c) =>
      c.events.some((ev) => ev.type === "invoice.paid")
    )!;
    assert.equal(paid.events.length, 2);
    const first = await e.ok(
      "GET",
      `/api/v1/events/history?fromPosition=${paid.position}&limit=1`,
    );
    assert.equal(first.body.items[0].type, "invoice.payment_registered");
    const second = await e.ok(
      "GET",
      `/api/v1/events/history?fromPosition=${paid.position}&limit=1&cursor=${first.body.nextCursor}`,
    );
    assert.equal(second.body.items[0].position, paid.position);
    assert.equal(second.body.items[0].index, 1);
    assert.equal(second.body.items[0].type, "invoice.paid");
    // v1 pages are { items, nextCursor }; the unversioned alias works too.
    assert.deepEqual(Object.keys(first.body).sort(), ["items", "nextCursor"]);
    const alias = await e.ok("GET", "/api/events/history?limit=2", undefined, {
      "x-api-version": "1",
    });
    assert.equal(alias.headers.get("x-api-version"), "1");
    assert.equal(alias.body.items.length, 2);
    // A bad cursor or filter is a 422 with its field.
    const bad = await e.call(
      "GET",
      "/api/v1/events/history?cursor=zzz&limit=0",
    );
    assert.equal(bad.status, 422);
    assert.deepEqual(
      bad.body.errors.map((x: { path: string }) => x.path).sort(),
      ["cursor", "limit"],
    );
  } finally {
    await e.close();
  }
});

Deno.test("events: filters by aggregate, event type, bedrift, positions and time", async () => {
  const e = await apiEdge();
  try {
    const s = await seed(e);
    const commits = await allCommits(e);
    const hired = await walk(e, "eventType=employee.hired");
    assert.deepEqual(
      hired.map((i) => i.aggregateId).sort(),
      [s.kari, s.ola].sort(),
    );
    const bedrifter = await walk(e, "aggregateType=bedrift");
    assert.ok(bedrifter.every((i) => i.aggregateType === "bedrift"));
    assert.equal(bedrifter.length, 4);
    const invoice = await walk(
      e,
      `aggregateType=invoice&aggregateId=${s.invoice}`,
    );
    assert.deepEqual(invoice.map((i) => i.type), [
      "invoice.drafted",
      "invoice.line_added",
      "invoice.sent",
      "invoice.payment_registered",
      "invoice.paid",
    ]);
    const ofA = await walk(e, `bedriftId=${s.A}`);
    assert.ok(ofA.length > 5);
    assert.ok(ofA.every((i) => i.bedriftId === s.A));
    assert.ok(ofA.some((i) => i.aggregateType === "invoice_sequence"));
    assert.ok(ofA.some((i) => i.aggregateType === "user"));
    assert.ok(!ofA.some((i) => i.aggregateId === s.ola));
    // Sessions belong to their user's bedrift.
    assert.ok(ofA.some((i) => i.aggregateType === "session"));
    const from = commits[4].position;
    const to = commits[8].position;
    const range = await walk(e, `fromPosition=${from}&toPosition=${to}`);
    assert.deepEqual(
      [...new Set(range.map((i) => i.position))],
      commits.slice(4, 9).map((c) => c.position),
    );
    // By time: the instants of two commits bound the same range.
    const since = new Date(commits[4].timestamp).toISOString();
    const until = new Date(commits[8].timestamp).toISOString();
    const timed = await walk(e, `from=${since}&to=${until}`);
    const positions = [...new Set(timed.map((i) => i.position))];
    assert.ok(positions.includes(from) && positions.includes(to));
    assert.ok(positions.every((p) => {
      const t = commits.find((c) => c.position === p)!.timestamp;
      return t >= commits[4].timestamp && t <= commits[8].timestamp;
    }));
    const future = await walk(
      e,
      `from=${new Date(Date.now() + 3_600_000).toISOString()}`,
    );
    assert.deepEqual(future, []);
  } finally {
    await e.close();
  }
});

Deno.test("events: a bedrift's users see their own bedrift only, with personal data masked", async () => {
  const e = await apiEdge();
  try {
    const s = await seed(e);
    const ofB = await walk(e, "limit=50", s.hbB);
    assert.ok(ofB.length > 0);
    assert.ok(ofB.every((i) => i.bedriftId === s.B), JSON.stringify(ofB[0]));
    // Asking for the other bedrift changes nothing.
    const forged = await walk(e, `bedriftId=${s.A}`, s.hbB);
    assert.ok(forged.every((i) => i.bedriftId === s.B));
    const forgedStream = await walk(
      e,
      `aggregateType=employee&aggregateId=${s.kari}`,
      s.hbB,
    );
    assert.deepEqual(forgedStream, []);
    // Platform streams (unique values, system) are not theirs.
    assert.ok(!ofB.some((i) => i.aggregateType.startsWith("unique_")));
    const hired = ofB.find((i) => i.type === "employee.hired")!;
    assert.equal(hired.data.fornavn, "O***");
    assert.equal(hired.data.etternavn, "N***");
    assert.equal(hired.data.epost, "o***@example.no");
    assert.equal(hired.data.telefon.replace(/\D/g, "").length, 2);
    assert.match(hired.data.fodselsnummer, /^\d{6}\*{5}$/);
    assert.equal(hired.masked, true);
    const user = ofB.find((i) => i.type === "user.registered")!;
    assert.deepEqual(user.data.email, { encrypted: true });
    assert.equal(user.data.passwordHash, "[redacted]");
    assert.equal(user.data.emailIndex, "[redacted]");
    // The ADMIN sees names in clear, never a ciphertext or a hash.
    const admin = await walk(e, `aggregateType=employee&aggregateId=${s.ola}`);
    assert.equal(admin[0].data.fornavn, "Ola");
    assert.equal(admin[0].data.epost, "ola@example.no");
    assert.match(admin[0].data.fodselsnummer, /^\d{6}\*{5}$/);
    const session = (await walk(e, "eventType=session.issued"))[0];
    assert.equal(session.data.tokenHash, "[redacted]");
    const adminUser = (await walk(e, "eventType=user.registered"))[0];
    assert.equal(adminUser.data.email.encrypted, true);
    assert.ok(adminUser.data.email.keyId);
    assert.equal(adminUser.data.email.ciphertext, undefined);
    // The kunde of A's invoice, masked for A's HOVEDBRUKER.
    const drafted = (await walk(e, "eventType=invoice.drafted", s.hbA))[0];
    assert.equal(drafted.data.kunde.navn, "P***");
  } finally {
    await e.close();
  }
});

Deno.test("events: system.test is appended (ADMIN only) and found in the history; stats count the log", async () => {
  const e = await apiEdge();
  try {
    const s = await seed(e);
    const refused = await e.call("POST", "/api/v1/events/test", {}, {}, s.hbA);
    assert.equal(refused.status, 403);
    const res = await e.ok("POST", "/api/v2/events/test", { note: "følg meg" });
    assert.equal(res.status, 201);
    assert.equal(res.body.type, "system.test");
    const position = res.body.position;
    assert.equal(Number(res.headers.get("x-tms-position")), position);
    assert.equal(position, await e.log.headPosition());
    const found = await e.ok("GET", res.headers.get("location")!);
    assert.equal(found.body.items.length, 1);
    assert.equal(found.body.items[0].position, position);
    assert.equal(found.body.items[0].type, "system.test");
    assert.equal(found.body.items[0].data.note, "følg meg");
    assert.equal(found.body.items[0].bedriftId, null);
    // A second one goes to the same stream.
    const again = await e.ok("POST", "/api/v1/events/test");
    assert.equal(again.body.version, 2);
    // Not in a bedrift's history.
    const ofA = await walk(e, "eventType=system.test", s.hbA);
    assert.deepEqual(ofA, []);

    // Stats: per type from the read model, the head and the last minute.
    await e.caughtUp();
    const stats = await e.ok("GET", "/api/v1/events/stats");
    const commits = await allCommits(e);
    const counts = new Map<string, number>();
    for (const c of commits) {
      for (const ev of c.events) {
        counts.set(ev.type, (counts.get(ev.type) ?? 0) + 1);
      }
    }
    assert.deepEqual(
      Object.fromEntries(
        stats.body.perType.map((
          t: { type: string; count: number },
        ) => [t.type, t.count]),
      ),
      Object.fromEntries([...counts].sort(([a], [b]) => a < b ? -1 : 1)),
    );
    const today = new Date().toISOString().slice(0, 10);
    assert.ok(
      stats.body.perDay.every((d: { day: string }) => d.day === today),
    );
    assert.equal(stats.body.headPosition, commits.length);
    assert.equal(stats.body.readModelPosition, commits.length);
    assert.equal(stats.body.lastMinute.commits, commits.length);
    assert.equal(
      stats.body.commitsPerSecond,
      Math.round((commits.length / 60) * 1000) / 1000,
    );
    assert.equal(
      (await e.call("GET", "/api/v1/events/stats", undefined, {}, s.hbA))
        .status,
      403,
    );
  } finally {
    await e.close();
  }
});

Deno.test("events: the catalog lists every type with its version and a JSON Schema that real events satisfy", async () => {
  const e = await apiEdge();
  try {
    await seed(e);
    await e.ok("POST", "/api/v1/events/test", {});
    const res = await e.ok("GET", "/api/v1/events/types");
    const types = res.body.items as {
      type: string;
      version: number;
      schema: Record<string, unknown>;
      personalData: { path: string }[];
    }[];
    assert.deepEqual(
      types.map((t) => `${t.type}@${t.version}`),
      EVENT_CATALOG.map((c) => `${c.type}@${c.version}`),
    );
    for (const t of types) {
      assert.equal(t.schema.type, "object", t.type);
      assert.ok(t.schema.properties, t.type);
    }
    // Every event in the log (upcast to current) matches its schema, field by field.
    const seen = new Set<string>();
    for (const commit of await allCommits(e)) {
      for (const event of commit.events) {
        const schema = EVENT_DATA_SCHEMAS[event.type as EventType];
        assert.ok(schema, event.type);
        const strict = z.object(
          (schema as z.ZodObject).shape,
        ).strict();
        const parsed = strict.safeParse(event.data);
        assert.ok(parsed.success, `${event.type}: ${parsed.error?.message}`);
        seen.add(event.type);
      }
    }
    assert.ok(seen.size >= 15, [...seen].join());
    // Each masked field is a field of its event's schema.
    for (const [type, fields] of Object.entries(PERSONAL_FIELDS)) {
      const schema = types.find((t) => t.type === type)!.schema;
      for (const path of Object.keys(fields)) {
        let node = schema as { properties?: Record<string, unknown> };
        for (const part of path.split(".")) {
          assert.ok(
            node.properties && part in node.properties,
            `${type}: ${path}`,
          );
          node = node.properties[part] as typeof node;
          const any = node as { anyOf?: typeof node[] };
          if (any.anyOf) node = any.anyOf.find((n) => n.properties) ?? node;
        }
      }
    }
  } finally {
    await e.close();
  }
});
