/**
 * API versions: selection by path, `X-API-Version` (major or semver) and
 * `Accept: application/vnd.tms.v<n>+json`, else the default; the version
 * that served every answer in `X-API-Version`; v1's `Deprecation`, `Sunset`
 * and successor `Link`; and what v2 changes (money objects in answers and
 * bodies, lists with `total` and `_links`, resources with `_links`).
 */
import assert from "node:assert/strict";
import { VERSION_LIFECYCLE } from "../../http/versions.ts";
import { loadConfig } from "../../main.ts";
import { KONTONUMMER } from "../support/domain_app.ts";
import { orgnr } from "../support/read_side.ts";
import { apiEdge } from "../support/api_edge.ts";
import type { ApiEdge } from "../support/api_edge.ts";

async function bedrift(e: ApiEdge, n: number): Promise<string> {
  const res = await e.ok("POST", "/api/v1/bedrifter", {
    organisasjonsnummer: orgnr(n),
    navn: `Trafikkskole ${n}`,
  });
  await e.ok("PUT", `/api/v1/bedrifter/${res.body.id}/invoice-settings`, {
    kontonummer: KONTONUMMER,
    fakturaPrefix: "F-",
  });
  return res.body.id;
}

Deno.test("versions: the path names the version; v1 answers deprecated with Sunset and a successor link", async () => {
  const e = await apiEdge({ readModels: false });
  try {
    const id = await bedrift(e, 1);
    const v1 = await e.ok("GET", `/api/v1/bedrifter/${id}`);
    assert.equal(v1.headers.get("x-api-version"), "1");
    const lifecycle = VERSION_LIFECYCLE[1]!;
    assert.equal(
      v1.headers.get("deprecation"),
      `@${lifecycle.deprecated.getTime() / 1000}`,
    );
    assert.equal(v1.headers.get("sunset"), lifecycle.sunset.toUTCString());
    assert.match(
      v1.headers.get("link") ?? "",
      new RegExp(`^</api/v2/bedrifter/${id}>; rel="successor-version"`),
    );
    const v2 = await e.ok("GET", `/api/v2/bedrifter/${id}`);
    assert.equal(v2.headers.get("x-api-version"), "2");
    assert.equal(v2.headers.get("deprecation"), null);
    assert.equal(v2.headers.get("sunset"), null);
    assert.equal(v2.headers.get("link"), null);
    // Errors name their version too.
    const missing = await e.call("GET", "/api/v1/bedrifter/nope");
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("x-api-version"), "1");
    assert.ok(missing.headers.get("deprecation"));
    // A version that does not exist is no route.
    assert.equal((await e.call("GET", `/api/v3/bedrifter/${id}`)).status, 404);
  } finally {
    await e.close();
  }
});

Deno.test("versions: an unversioned /api/ path selects by X-API-Version, then Accept, else the default", async () => {
  const e = await apiEdge({ readModels: false });
  try {
    const id = await bedrift(e, 2);
    const path = `/api/bedrifter/${id}`;
    const served = async (headers: Record<string, string>) => {
      const res = await e.ok("GET", path, undefined, headers);
      return res;
    };
    assert.equal((await served({})).headers.get("x-api-version"), "2");
    for (
      const [header, version] of [["1", "1"], ["2", "2"], ["1.4.2", "1"], [
        "v2",
        "2",
      ], ["2.0", "2"]]
    ) {
      const res = await served({ "x-api-version": header });
      assert.equal(res.headers.get("x-api-version"), version, header);
      assert.match(res.headers.get("vary") ?? "", /X-API-Version/);
    }
    const byAccept = await served({ accept: "application/vnd.tms.v1+json" });
    assert.equal(byAccept.headers.get("x-api-version"), "1");
    assert.equal(
      byAccept.headers.get("content-type"),
      "application/vnd.tms.v1+json",
    );
    assert.equal(typeof byAccept.body.invoiceSettings.purregebyr, "string");
    assert.ok(byAccept.headers.get("deprecation"));
    // The header wins over Accept.
    const both = await served({
      "x-api-version": "2",
      accept: "application/vnd.tms.v1+json",
    });
    assert.equal(both.headers.get("x-api-version"), "2");
    // An explicit version this node does not serve: 406.
    for (const header of ["3", "banana"]) {
      const res = await e.call("GET", path, undefined, {
        "x-api-version": header,
      });
      assert.equal(res.status, 406, header);
      assert.equal(res.body.type, "/problems/unsupported-version");
    }
    const accept3 = await e.call("GET", path, undefined, {
      accept: "application/vnd.tms.v3+json",
    });
    assert.equal(accept3.status, 406);
    // The path wins over the header.
    const pinned = await e.ok("GET", `/api/v1/bedrifter/${id}`, undefined, {
      "x-api-version": "2",
    });
    assert.equal(pinned.headers.get("x-api-version"), "1");
    // Writes and public routes work unversioned too.
    const login = await e.call(
      "POST",
      "/api/auth/login",
      {
        email: "nobody@example.no",
        password: "wrong password 123",
      },
      {},
      null,
    );
    assert.equal(login.status, 401);
    assert.equal(login.headers.get("x-api-version"), "2");
  } finally {
    await e.close();
  }
});

Deno.test("versions: TMS_API_DEFAULT_VERSION picks the version of an unversioned request", async () => {
  assert.equal(loadConfig({}).defaultApiVersion, 2);
  assert.equal(
    loadConfig({ TMS_API_DEFAULT_VERSION: "1" }).defaultApiVersion,
    1,
  );
  assert.throws(
    () => loadConfig({ TMS_API_DEFAULT_VERSION: "4" }),
    (err: unknown) =>
      err instanceof RangeError && /TMS_API_DEFAULT_VERSION/.test(err.message),
  );
  const e = await apiEdge({ readModels: false, defaultApiVersion: 1 });
  try {
    const id = await bedrift(e, 3);
    const res = await e.ok("GET", `/api/bedrifter/${id}`);
    assert.equal(res.headers.get("x-api-version"), "1");
    assert.equal(typeof res.body.invoiceSettings.purregebyr, "string");
  } finally {
    await e.close();
  }
});

Deno.test("versions: v2 has money objects (answers and bodies), _links, and lists with total", async () => {
  const e = await apiEdge();
  try {
    const b = await bedrift(e, 4);
    const draft = await e.ok("POST", "/api/v2/invoices", {
      bedriftId: b,
      kunde: { navn: "Kari Nordmann" },
    });
    const id = draft.body.id;
    assert.equal(draft.status, 201);
    assert.equal(draft.headers.get("location"), `/api/v2/invoices/${id}`);
    assert.deepEqual(draft.body._links.self, {
      href: `/api/v2/invoices/${id}`,
    });
    assert.deepEqual(draft.body._links.bedrift, {
      href: `/api/v2/bedrifter/${b}`,
    });
    assert.equal(draft.body._links.pdf, null);
    const line = await e.ok("POST", `/api/v2/invoices/${id}/lines`, {
      beskrivelse: "Kjøretime",
      antall: 2,
      enhetspris: { amount: "650.00", currency: "NOK" },
      mvaSats: 25,
    });
    assert.deepEqual(line.body.totals.brutto, {
      amount: "1625.00",
      currency: "NOK",
    });
    assert.deepEqual(line.body.lines[0].enhetspris, {
      amount: "650.00",
      currency: "NOK",
    });
    assert.deepEqual(line.body.totals.perSats[0].grunnlag, {
      amount: "1300.00",
      currency: "NOK",
    });
    await e.ok("POST", `/api/v2/invoices/${id}/send`);
    const paid = await e.ok("POST", `/api/v2/invoices/${id}/payments`, {
      amount: { amount: "625.00", currency: "NOK" },
    });
    assert.deepEqual(paid.body.utestaende, {
      amount: "1000.00",
      currency: "NOK",
    });
    assert.deepEqual(paid.body.payments[0].amount, {
      amount: "625.00",
      currency: "NOK",
    });
    assert.deepEqual(paid.body._links.pdf, {
      href: `/api/v2/invoices/${id}/pdf`,
    });
    // The same invoice in v1: strings, no links.
    const v1 = await e.ok("GET", `/api/v1/invoices/${id}`);
    assert.equal(v1.body.utestaende, "1000.00");
    assert.equal(v1.body.totals.brutto, "1625.00");
    assert.equal(v1.body._links, undefined);
    // Lists: v2 counts every match and links the next page; v1 does not.
    for (let i = 0; i < 2; i++) {
      await e.ok("POST", "/api/v1/invoices", {
        bedriftId: b,
        kunde: { navn: `K${i}` },
      });
    }
    await e.caughtUp();
    const page1 = await e.ok("GET", `/api/v2/invoices?bedriftId=${b}&limit=2`);
    assert.equal(page1.body.total, 3);
    assert.equal(page1.body.items.length, 2);
    assert.ok(page1.body.nextCursor);
    assert.equal(
      page1.body._links.next.href,
      `/api/v2/invoices?bedriftId=${b}&limit=2&cursor=${page1.body.nextCursor}`,
    );
    assert.deepEqual(page1.body.items[0]._links.self, {
      href: `/api/v2/invoices/${page1.body.items[0].id}`,
    });
    assert.equal(typeof page1.body.items[0].totals.brutto.amount, "string");
    const page2 = await e.ok("GET", page1.body._links.next.href);
    assert.equal(page2.body.items.length, 1);
    assert.equal(page2.body.total, 3);
    assert.equal(page2.body._links.next, null);
    const v1list = await e.ok("GET", `/api/v1/invoices?bedriftId=${b}&limit=2`);
    assert.deepEqual(Object.keys(v1list.body).sort(), ["items", "nextCursor"]);
    assert.equal(typeof v1list.body.items[0].totals.brutto, "string");
    // Other lists count too, within the caller's bedrift.
    const bedrifter = await e.ok("GET", "/api/v2/bedrifter");
    assert.equal(bedrifter.body.total, 1);
    const hb = await e.tokenFor("HOVEDBRUKER", b);
    const users = await e.ok("GET", "/api/v2/users", undefined, {}, hb);
    assert.equal(users.body.total, users.body.items.length);
    assert.ok(
      users.body.items.every((u: { bedriftId: string }) => u.bedriftId === b),
    );
  } finally {
    await e.close();
  }
});
