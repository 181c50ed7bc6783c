/**
 * The read models of Kontroll and Employee through the real routes: one edge
 * per SQL backend, and a workload of kontroller in every state and employees
 * with shifts.
 */
import assert from "node:assert/strict";
import {
  domainEventLog,
  readModelProjections,
  registerActors,
} from "../../actors/mod.ts";
import { createApp } from "../../http/mod.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { HttpHeaders } from "../../runtime/core/mod.ts";
import { KvEventLog } from "../../runtime/log/kv/mod.ts";
import { ProjectionEngine } from "../../runtime/projection/mod.ts";
import { MemoryFileStore, MemoryKeyStore } from "../../runtime/storage/mod.ts";
import type { EventLog } from "../../runtime/core/mod.ts";
import type { SqlStore } from "../../runtime/sql/mod.ts";
import type { Hono } from "../../deps.ts";
import { jpeg } from "../contracts/file_store_contract.ts";
import { orgnr } from "./read_side.ts";
import { SQL_FIXTURES } from "./sql_stores.ts";
import { authorized, bearer, testAuth } from "./auth.ts";
import { adminTokenOf } from "./app.ts";

/** The fødselsnummer every employee of the workload is hired with. */
export const FNR = "01010012356";

/** A write's answer: status, `X-TMS-Position` and JSON body. */
export interface Reply {
  status: number;
  position: number;
  body: Record<string, unknown>;
}

/** One page of a list route. */
export interface Page {
  items: Record<string, unknown>[];
  nextCursor: string | null;
}

/** The app and what is behind it, for one backend. */
export interface Edge {
  system: ActorSystem;
  store: SqlStore;
  engine: ProjectionEngine;
  log: EventLog;
  keys: MemoryKeyStore;
  app: Hono;
  send(method: string, path: string, body?: unknown): Promise<Reply>;
  /** A list read with `X-TMS-Min-Position` (when given). */
  list(path: string, minPosition?: number): Promise<Page>;
}

/** The real wiring on each backend: KV log, actors, engine, write and read routes. */
export function edgeTest(name: string, fn: (edge: Edge) => Promise<void>) {
  for (const make of SQL_FIXTURES) {
    const fixture = make();
    Deno.test(`read models [${fixture.backend}]: ${name}`, async () => {
      const keys = new MemoryKeyStore();
      const log = domainEventLog(await KvEventLog.open(":memory:"), keys);
      const system = registerActors(new ActorSystem({ log }));
      let engine: ProjectionEngine | undefined;
      try {
        const store = await fixture.open();
        // A slow poll: read-your-writes must come from the log's watch.
        engine = new ProjectionEngine({
          store,
          log,
          projections: readModelProjections,
          pollIntervalMs: 60_000,
        });
        await engine.start();
        const identity = await testAuth(keys);
        const app = createApp({
          system,
          keys,
          files: new MemoryFileStore(),
          auth: identity.auth,
          readSide: { store, positions: engine, minPositionTimeoutMs: 2000 },
        });
        const admin = bearer(await adminTokenOf(system, identity));
        const send = async (method: string, path: string, body?: unknown) => {
          const res = await app.request(path, {
            method,
            headers: { "content-type": "application/json", ...admin },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          const text = await res.text();
          assert.ok(res.status < 300, `${method} ${path}: ${text}`);
          return {
            status: res.status,
            position: Number(res.headers.get(HttpHeaders.position)),
            body: JSON.parse(text),
          };
        };
        const list = async (path: string, minPosition?: number) => {
          const res = await app.request(path, {
            headers: minPosition === undefined
              ? admin
              : { [HttpHeaders.minPosition]: String(minPosition), ...admin },
          });
          const text = await res.text();
          assert.equal(
            res.status,
            200,
            `GET ${path}: ${text} ${JSON.stringify(engine!.status())}`,
          );
          if (minPosition !== undefined) {
            assert.ok(
              Number(res.headers.get(HttpHeaders.position)) >= minPosition,
            );
          }
          return JSON.parse(text) as Page;
        };
        await fn({
          system,
          store,
          engine,
          log,
          keys,
          app: authorized(app, admin.authorization.slice(7)),
          send,
          list,
        });
      } finally {
        await engine?.stop();
        await system.shutdown();
        await log.close();
        await fixture.cleanup();
      }
    });
  }
}

const sjekkpunkter = [
  ["lys", "CHECKBOX", true],
  ["dekk", "NUMBER", true],
  ["bilde", "PHOTO", false],
].map(([id, answerType, required]) => ({
  id,
  tittel: `Punkt ${id}`,
  kind: "VISUELL",
  answerType,
  required,
  signedOffBy: "BEGGE",
  licenceClass: "B",
}));

async function bedrift(e: Edge, n: number): Promise<string> {
  const res = await e.send("POST", "/api/v1/bedrifter", {
    organisasjonsnummer: orgnr(n),
    navn: `Trafikkskole ${n}`,
  });
  return res.body.id as string;
}

async function mal(e: Edge, bedriftId: string): Promise<string> {
  const res = await e.send("POST", "/api/v1/kontroll-maler", {
    bedriftId,
    navn: "Sikkerhetskontroll klasse B",
    sjekkpunkter,
  });
  return res.body.id as string;
}

const hire = (
  bedriftId: string,
  ansattnummer: string,
  fornavn: string,
  etternavn: string,
  extra: Record<string, unknown> = {},
) => ({
  bedriftId,
  ansattnummer,
  fornavn,
  etternavn,
  epost: `ansatt${ansattnummer}@example.no`,
  role: "TRAFIKKLARER",
  licenceClasses: ["B"],
  stillingsprosent: 80,
  startDate: "2025-01-06",
  fodselsnummer: FNR,
  ...extra,
});

/**
 * Kontroller in every state and employees with shifts, through the routes;
 * every write is read back at once with its position.
 */
export async function workload(e: Edge) {
  const a = await bedrift(e, 1);
  const b = await bedrift(e, 2);
  const malA = await mal(e, a);
  const malB = await mal(e, b);
  const created: string[] = [];
  for (let i = 0; i < 7; i++) {
    const res = await e.send("POST", "/api/v1/kontroller", {
      malId: i < 5 ? malA : malB,
      registreringsnummer: i % 2 ? `el 1234${i}` : `BT 5678${i}`,
      instructorId: i % 3 ? "laerer-1" : "laerer-2",
      learnerId: "elev-1",
    });
    created.push(res.body.id as string);
    const page = await e.list(
      `/api/v1/kontroller?bedriftId=${i < 5 ? a : b}&limit=1`,
      res.position,
    );
    assert.equal(page.items[0].id, res.body.id, "read-your-writes");
    assert.equal(page.items[0].status, "OPPRETTET");
  }
  const [passed, failed, started] = created;
  const point = (id: string, pointId: string, body: unknown) =>
    e.send("POST", `/api/v1/kontroller/${id}/points/${pointId}`, body);
  await point(passed, "lys", { value: false });
  await point(passed, "lys", { value: true });
  await point(passed, "dekk", { value: 4.2 });
  const photo = await e.app.request(
    `/api/v1/kontroller/${passed}/photos?pointId=bilde`,
    {
      method: "POST",
      headers: { "content-type": "image/jpeg" },
      body: jpeg() as Uint8Array<ArrayBuffer>,
    },
  );
  assert.equal(photo.status, 201, await photo.text());
  await e.send("POST", `/api/v1/kontroller/${passed}/complete`, {});
  await point(failed, "dekk", { value: 1.1, passed: false, comment: "Slitt" });
  await e.send("POST", `/api/v1/kontroller/${failed}/complete`, {});
  const last = await point(started, "lys", { value: false });
  await e.send("PATCH", `/api/v1/kontroll-maler/${malA}`, {
    navn: "Klasse B, ny",
    sjekkpunkter: sjekkpunkter.slice(0, 2),
  });
  await e.send("POST", `/api/v1/kontroll-maler/${malB}/archive`, {});

  const employees: Record<string, string> = {};
  for (
    const [bedriftId, nr, fornavn, etternavn, role] of [
      [a, "1001", "Kari", "Nordmann", "TRAFIKKLARER"],
      [a, "1002", "Ola", "Ås", "HOVEDBRUKER"],
      [a, "1003", "Per", "Berg", "TRAFIKKLARER"],
      [a, "2001", "Åse", "Øvre", "OKONOMI"],
      [b, "1001", "Lise", "Dahl", "TRAFIKKLARER"],
    ]
  ) {
    const res = await e.send(
      "POST",
      "/api/v1/employees",
      hire(bedriftId, nr, fornavn, etternavn, { role }),
    );
    employees[fornavn] = res.body.id as string;
    const page = await e.list(
      `/api/v1/employees?q=${encodeURIComponent(fornavn)}`,
      res.position,
    );
    assert.deepEqual(page.items.map((x) => x.id), [res.body.id]);
  }
  const kari = `/api/v1/employees/${employees.Kari}`;
  const longAgo = new Date(Date.now() - 14 * 3_600_000).toISOString();
  await e.send("POST", `${kari}/clock-in`, { at: longAgo });
  await e.send("POST", `${kari}/clock-out`, {});
  await e.send("POST", `${kari}/clock-in`, {});
  await e.send("PATCH", kari, { etternavn: "Hansen", stillingsprosent: 50 });
  await e.send("POST", `/api/v1/employees/${employees.Ola}/absences`, {
    kind: "FERIE",
    fromDate: "2025-07-01",
    toDate: "2025-07-21",
  });
  const per = `/api/v1/employees/${employees.Per}`;
  await e.send("POST", `${per}/clock-in`, {
    at: new Date(Date.now() - 2 * 3_600_000).toISOString(),
  });
  await e.send("POST", `${per}/clock-out`, {});
  await e.send("POST", `${per}/role`, { role: "ADMIN" });
  const end = await e.send("POST", `${per}/terminate`, {
    endDate: "2025-12-31",
  });
  return {
    a,
    b,
    maler: [malA, malB],
    kontroller: { passed, failed, started, created },
    employees,
    head: Math.max(last.position, end.position),
  };
}
