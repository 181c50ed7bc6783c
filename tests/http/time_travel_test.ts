/**
 * Time travel on both log backends (Deno KV and JetStream on a real
 * nats-server): `GET /<resource>/:id?asOf=<version>` and `?asOf=<instant>`
 * answer the state replayed from the log with the version, position and
 * commit time it stands at; `GET /<resource>/:id/history` lists the
 * commits, paged; another bedrift's object stays a 404 in the past too.
 */
import assert from "node:assert/strict";
import { KvEventLog } from "../../runtime/log/kv/mod.ts";
import { JetStreamEventLog } from "../../runtime/log/jetstream/mod.ts";
import type { EventLog } from "../../runtime/core/mod.ts";
import { NatsServer } from "../support/mod.ts";
import { orgnr } from "../support/read_side.ts";
import { apiEdge } from "../support/api_edge.ts";

const BACKENDS: {
  name: string;
  open: () => Promise<{ log: EventLog; cleanup: () => Promise<void> }>;
}[] = [
  {
    name: "kv",
    open: async () => {
      const dir = await Deno.makeTempDir({ prefix: "tms-asof-" });
      const log = await KvEventLog.open(`${dir}/events.kv`);
      return {
        log,
        cleanup: () => Deno.remove(dir, { recursive: true }),
      };
    },
  },
  {
    name: "jetstream",
    open: async () => {
      const server = await NatsServer.start();
      try {
        const log = await JetStreamEventLog.connect({ servers: server.url });
        return { log, cleanup: () => server.dispose() };
      } catch (error) {
        await server.dispose();
        throw error;
      }
    },
  },
];

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const backend of BACKENDS) {
  Deno.test(`time travel [${backend.name}]: asOf a version and an instant, and the history`, async () => {
    const opened = await backend.open();
    // Snapshots every 2 commits: a read at a later version starts from one.
    const e = await apiEdge({
      log: opened.log,
      snapshotEvery: 2,
      readModels: false,
    });
    try {
      const created = await e.ok("POST", "/api/v1/bedrifter", {
        organisasjonsnummer: orgnr(11),
        navn: "Først",
      });
      const id = created.body.id;
      await pause(5);
      await e.ok("PATCH", `/api/v1/bedrifter/${id}`, { navn: "Andre" });
      await pause(5);
      await e.ok("PATCH", `/api/v1/bedrifter/${id}`, { navn: "Tredje" });
      await pause(5);
      const last = await e.ok(
        "PUT",
        `/api/v2/bedrifter/${id}/invoice-settings`,
        {
          purregebyr: { amount: "70.00", currency: "NOK" },
        },
      );
      assert.equal(last.body.version, 4);

      const history = await e.ok("GET", `/api/v1/bedrifter/${id}/history`);
      assert.deepEqual(
        history.body.items.map((c: { version: number }) => c.version),
        [1, 2, 3, 4],
      );
      assert.deepEqual(
        history.body.items.map((c: { events: { type: string }[] }) =>
          c.events[0].type
        ),
        [
          "bedrift.registered",
          "bedrift.updated",
          "bedrift.updated",
          "bedrift.invoice_settings_changed",
        ],
      );
      const commits = history.body.items as {
        version: number;
        position: number;
        at: string;
      }[];

      // By version, in both API versions.
      for (const v of [1, 2, 3, 4]) {
        const then = await e.ok("GET", `/api/v1/bedrifter/${id}?asOf=${v}`);
        assert.equal(then.body.version, v);
        assert.equal(
          then.body.navn,
          ["Først", "Andre", "Tredje", "Tredje"][v - 1],
        );
        assert.deepEqual(then.body.asOf, {
          version: v,
          position: commits[v - 1].position,
          committedAt: commits[v - 1].at,
        });
        assert.equal(then.headers.get("etag"), `"${v}"`);
        assert.equal(
          Number(then.headers.get("x-tms-position")),
          commits[v - 1].position,
        );
        assert.ok(then.headers.get("last-modified"));
      }
      const v2 = await e.ok("GET", `/api/v2/bedrifter/${id}?asOf=3`);
      assert.deepEqual(v2.body.invoiceSettings.purregebyr, {
        amount: "0.00",
        currency: "NOK",
      });
      // By instant: a commit's own time is at it; a millisecond before, the one before.
      const second = Date.parse(commits[1].at);
      const at = await e.ok(
        "GET",
        `/api/v1/bedrifter/${id}?asOf=${encodeURIComponent(commits[1].at)}`,
      );
      assert.equal(at.body.version, 2);
      assert.equal(at.body.navn, "Andre");
      const before = new Date(second - 1).toISOString();
      assert.ok(before >= commits[0].at, "commits a millisecond apart");
      const earlier = await e.ok(
        "GET",
        `/api/v1/bedrifter/${id}?asOf=${before}`,
      );
      assert.equal(earlier.body.version, 1);
      const offset = new Date(Date.parse(commits[2].at) + 1).toISOString()
        .replace("Z", "+00:00");
      const third = await e.ok(
        "GET",
        `/api/v1/bedrifter/${id}?asOf=${encodeURIComponent(offset)}`,
      );
      assert.equal(third.body.version, 3);
      // Before it existed, or a version it never reached: 404.
      const first = Date.parse(commits[0].at);
      const none = await e.call(
        "GET",
        `/api/v1/bedrifter/${id}?asOf=${
          new Date(first - 60_000).toISOString()
        }`,
      );
      assert.equal(none.status, 404);
      assert.equal(
        (await e.call("GET", `/api/v1/bedrifter/${id}?asOf=9`)).status,
        404,
      );
      // Now, without asOf: no asOf block.
      const now = await e.ok("GET", `/api/v1/bedrifter/${id}`);
      assert.equal(now.body.asOf, undefined);
      assert.equal(now.body.version, 4);

      // History pages by version.
      const page = await e.ok("GET", `/api/v2/bedrifter/${id}/history?limit=3`);
      assert.equal(page.body.items.length, 3);
      assert.equal(page.body.total, 4);
      const rest = await e.ok("GET", page.body._links.next.href);
      assert.deepEqual(
        rest.body.items.map((c: { version: number }) => c.version),
        [4],
      );
      assert.equal(rest.body.nextCursor, null);

      // Another bedrift's user: 404, now and then; its own bedrift: fine.
      const other = await e.ok("POST", "/api/v1/bedrifter", {
        organisasjonsnummer: orgnr(12),
        navn: "Annen",
      });
      const stranger = await e.tokenFor("HOVEDBRUKER", other.body.id);
      for (
        const path of [
          `?asOf=1`,
          `?asOf=${encodeURIComponent(commits[1].at)}`,
          "/history",
        ]
      ) {
        const url = path.startsWith("/")
          ? `/api/v1/bedrifter/${id}${path}`
          : `/api/v1/bedrifter/${id}${path}`;
        assert.equal(
          (await e.call("GET", url, undefined, {}, stranger)).status,
          404,
          path,
        );
      }
      const own = await e.tokenFor("HOVEDBRUKER", id);
      const mine = await e.ok(
        "GET",
        `/api/v1/bedrifter/${id}?asOf=2`,
        undefined,
        {},
        own,
      );
      assert.equal(mine.body.navn, "Andre");

      // Another aggregate: an invoice as it was before its line.
      const invoice = await e.ok("POST", "/api/v1/invoices", {
        bedriftId: id,
        kunde: { navn: "Kari Nordmann", epost: "kari@example.no" },
      });
      await e.ok("POST", `/api/v1/invoices/${invoice.body.id}/lines`, {
        beskrivelse: "Kjøretime",
        antall: 1,
        enhetspris: "650.00",
        mvaSats: 25,
      });
      const draft = await e.ok(
        "GET",
        `/api/v1/invoices/${invoice.body.id}?asOf=1`,
      );
      assert.equal(draft.body.lines.length, 0);
      assert.equal(draft.body.totals.brutto, "0.00");
      const lines = await e.ok(
        "GET",
        `/api/v1/invoices/${invoice.body.id}?asOf=2`,
      );
      assert.equal(lines.body.totals.brutto, "812.50");
      // Its history to an OKONOMI of the bedrift: the kunde's name masked.
      const okonomi = await e.tokenFor("OKONOMI", id);
      const masked = await e.ok(
        "GET",
        `/api/v1/invoices/${invoice.body.id}/history`,
        undefined,
        {},
        okonomi,
      );
      const drafted = masked.body.items[0].events[0];
      assert.equal(drafted.data.kunde.navn, "K***");
      assert.equal(drafted.data.kunde.epost, "k***@example.no");
      assert.equal(masked.body.items[0].masked, true);
      const plain = await e.ok(
        "GET",
        `/api/v1/invoices/${invoice.body.id}/history`,
      );
      assert.equal(
        plain.body.items[0].events[0].data.kunde.navn,
        "Kari Nordmann",
      );
    } finally {
      await e.close();
      await opened.cleanup();
    }
  });
}

Deno.test("time travel: a user as of its first version, before its role changed", async () => {
  const e = await apiEdge({ readModels: false });
  try {
    const b = await e.ok("POST", "/api/v1/bedrifter", {
      organisasjonsnummer: orgnr(13),
      navn: "Skole",
    });
    const user = await e.ok("POST", "/api/v1/users", {
      email: "ola@example.no",
      password: "kjøretime-på-tirsdag-42",
      role: "OKONOMI",
      bedriftId: b.body.id,
    });
    await e.ok("PATCH", `/api/v1/users/${user.body.id}`, {
      role: "HOVEDBRUKER",
    });
    const then = await e.ok("GET", `/api/v2/users/${user.body.id}?asOf=1`);
    assert.equal(then.body.role, "OKONOMI");
    assert.equal(then.body.email, "ola@example.no");
    assert.equal(then.body.asOf.version, 1);
    const now = await e.ok("GET", `/api/v2/users/${user.body.id}`);
    assert.equal(now.body.role, "HOVEDBRUKER");
    assert.equal(now.body.asOf, undefined);
  } finally {
    await e.close();
  }
});
