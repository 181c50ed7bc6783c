/**
 * `/api/v<n>/expenses` through the edge: register, the receipt (size, type
 * and file signature checked), approve, reject, pay; If-Match,
 * Idempotency-Key, time travel and history; the list with its filters and
 * keyset pages; v2 money objects; tenancy.
 */
import assert from "node:assert/strict";
import { economyEdge } from "../support/economy.ts";
import { jpegPhoto, pdfReceipt } from "../support/http.ts";

const API = "/api/v1/expenses";

function body(bedriftId: string, overrides: Record<string, unknown> = {}) {
  return {
    bedriftId,
    leverandor: {
      navn: "Circle K Majorstuen",
      organisasjonsnummer: "923609016",
    },
    dato: "2025-03-08",
    belop: "800.00",
    mvaSats: 25,
    kategori: "DRIVSTOFF",
    beskrivelse: "Diesel",
    ...overrides,
  };
}

Deno.test("expenses: register, approve and pay; the answers carry ETag, position and the computed amounts", async () => {
  const e = await economyEdge();
  try {
    const created = await e.call("POST", API, body(e.B));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    assert.equal(created.headers.get("location"), `${API}/${id}`);
    assert.equal(created.headers.get("etag"), '"1"');
    assert.ok(Number(created.headers.get("x-tms-position")) > 0);
    assert.deepEqual(
      [
        created.body.status,
        created.body.mva,
        created.body.brutto,
        created.body.konto,
      ],
      ["REGISTRERT", "200.00", "1000.00", "7000"],
    );
    const approved = await e.call("POST", `${API}/${id}/approve`);
    assert.equal(approved.status, 200);
    assert.deepEqual(
      [
        approved.body.status,
        approved.body.approval.mvaRegistrert,
        approved.body.approval.inngaendeMva,
        approved.body.approval.kostnad,
      ],
      ["GODKJENT", true, "200.00", "800.00"],
    );
    assert.ok(approved.body.approval.by);
    const again = await e.call("POST", `${API}/${id}/approve`);
    assert.equal(again.status, 409);
    assert.equal(again.body.code, "expense.already_approved");
    const paid = await e.call("POST", `${API}/${id}/pay`, {
      paidOn: "2025-03-20",
    });
    assert.equal(paid.status, 200);
    assert.equal(paid.body.status, "BETALT");
    assert.equal(paid.body.paid.paidOn, "2025-03-20");
  } finally {
    await e.close();
  }
});

Deno.test("expenses: bad input is 422 with field paths; an unknown bedrift 422, one not AKTIV 409", async () => {
  const e = await economyEdge();
  try {
    const bad = await e.call(
      "POST",
      API,
      body(e.B, { kategori: "REISE", belop: "12,50", mvaSats: 24 }),
    );
    assert.equal(bad.status, 422);
    assert.deepEqual(
      bad.body.errors.map((x: { path: string }) => x.path).sort(),
      ["belop", "kategori", "mvaSats"],
    );
    const future = await e.call("POST", API, body(e.B, { dato: "2999-01-01" }));
    assert.equal(future.status, 422);
    assert.equal(future.body.code, "expense.dato_in_future");
    const unknown = await e.call("POST", API, body("no-such-bedrift"));
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.code, "expense.unknown_bedrift");
    await e.call("POST", `/api/v1/bedrifter/${e.B}/status`, {
      status: "SUSPENDERT",
    });
    const suspended = await e.call("POST", API, body(e.B));
    assert.equal(suspended.status, 409);
    assert.equal(suspended.body.code, "expense.bedrift_not_active");
  } finally {
    await e.close();
  }
});

Deno.test("expenses: If-Match, Idempotency-Key, time travel and history", async () => {
  const e = await economyEdge();
  try {
    const key = { "idempotency-key": "kvittering-42" };
    const first = await e.call("POST", API, body(e.B), key);
    const retry = await e.call("POST", API, body(e.B), key);
    assert.equal(retry.status, 201);
    assert.deepEqual(retry.body, first.body);
    const id = first.body.id;
    const stale = await e.call("POST", `${API}/${id}/approve`, undefined, {
      "if-match": '"7"',
    });
    assert.equal(stale.status, 412);
    await e.call("POST", `${API}/${id}/approve`, undefined, {
      "if-match": '"1"',
    });
    await e.call("POST", `${API}/${id}/reject`, { reason: "Privat" });
    const then = await e.call("GET", `${API}/${id}?asOf=2`);
    assert.equal(then.status, 200);
    assert.equal(then.body.status, "GODKJENT");
    assert.equal(then.body.asOf.version, 2);
    const now = await e.call("GET", `${API}/${id}`);
    assert.equal(now.body.status, "AVVIST");
    assert.equal(now.body.rejected.reason, "Privat");
    const history = await e.call("GET", `${API}/${id}/history`);
    assert.deepEqual(
      history.body.items.map((c: { events: { type: string }[] }) =>
        c.events[0].type
      ),
      ["expense.registered", "expense.approved", "expense.rejected"],
    );
    // The withdrawn approval is in the rejection.
    assert.equal(
      history.body.items[2].events[0].data.withdrawn.kostnad,
      "800.00",
    );
    assert.equal((await e.call("GET", `${API}/${id}?asOf=9`)).status, 404);
  } finally {
    await e.close();
  }
});

Deno.test("expenses: the receipt is stored once, checked by size, type and signature, and read back", async () => {
  const e = await economyEdge();
  try {
    const id = (await e.call("POST", API, body(e.B))).body.id;
    const pdf = pdfReceipt(4096);
    const attached = await e.call("POST", `${API}/${id}/receipt`, pdf, {
      "content-type": "application/pdf",
    });
    assert.equal(attached.status, 201, attached.text);
    assert.equal(
      attached.headers.get("location"),
      `${API}/${id}/receipt`,
    );
    assert.equal(attached.body.receipt.contentType, "application/pdf");
    assert.equal(attached.body.receipt.size, 4096);
    const read = await e.app.request(`${API}/${id}/receipt`, {
      headers: { authorization: `Bearer ${e.admin}` },
    });
    assert.equal(read.status, 200);
    assert.equal(read.headers.get("content-type"), "application/pdf");
    assert.deepEqual(new Uint8Array(await read.arrayBuffer()), pdf);
    // A second receipt is refused; the first stays.
    const second = await e.call("POST", `${API}/${id}/receipt`, pdf, {
      "content-type": "application/pdf",
    });
    assert.equal(second.status, 409);
    assert.equal(second.body.code, "expense.receipt_exists");

    const other = (await e.call("POST", API, body(e.B))).body.id;
    // The bytes decide, not only the declared type.
    const lying = await e.call("POST", `${API}/${other}/receipt`, pdf, {
      "content-type": "image/jpeg",
    });
    assert.equal(lying.status, 422);
    assert.equal(lying.body.code, "file.content_mismatch");
    const text = await e.call(
      "POST",
      `${API}/${other}/receipt`,
      new TextEncoder().encode("kvittering"),
      { "content-type": "text/plain" },
    );
    assert.equal(text.status, 422);
    assert.equal(text.body.code, "file.unsupported_type");
    const huge = await e.call(
      "POST",
      `${API}/${other}/receipt`,
      jpegPhoto(10 * 1024 * 1024 + 70 * 1024),
      { "content-type": "image/jpeg" },
    );
    assert.equal(huge.status, 413);
    // Multipart with a `file` part works too.
    const form = new FormData();
    form.append(
      "file",
      new File([jpegPhoto(2048)], "kvittering.jpg", { type: "image/jpeg" }),
    );
    const multipart = await e.app.request(`${API}/${other}/receipt`, {
      method: "POST",
      headers: { authorization: `Bearer ${e.admin}` },
      body: form,
    });
    assert.equal(multipart.status, 201);
    assert.equal((await multipart.json()).receipt.size, 2048);
    const none = (await e.call("POST", API, body(e.B))).body.id;
    assert.equal((await e.call("GET", `${API}/${none}/receipt`)).status, 404);
  } finally {
    await e.close();
  }
});

Deno.test("expenses: the list filters by status, category and date, pages by keyset, counts in v2 and shows money objects", async () => {
  const e = await economyEdge();
  try {
    const ids: string[] = [];
    for (
      const [kategori, dato] of [
        ["DRIVSTOFF", "2025-03-01"],
        ["KONTOR", "2025-03-05"],
        ["DRIVSTOFF", "2025-03-09"],
        ["LOKALER", "2025-04-01"],
      ]
    ) {
      ids.push(
        (await e.call("POST", API, body(e.B, { kategori, dato }))).body.id,
      );
    }
    const approved = await e.call("POST", `${API}/${ids[2]}/approve`);
    const min = {
      "x-tms-min-position": approved.headers.get("x-tms-position")!,
    };
    const drivstoff = await e.call(
      "GET",
      `${API}?kategori=DRIVSTOFF&from=2025-03-01&to=2025-03-31`,
      undefined,
      min,
    );
    assert.deepEqual(
      drivstoff.body.items.map((i: { id: string }) => i.id),
      [ids[2], ids[0]],
    );
    assert.equal(drivstoff.body.items[0].status, "GODKJENT");
    assert.equal(drivstoff.body.items[0].kostnad, "800.00");
    const godkjent = await e.call("GET", `${API}?status=GODKJENT`);
    assert.deepEqual(godkjent.body.items.map((i: { id: string }) => i.id), [
      ids[2],
    ]);
    const first = await e.call("GET", `${API}?limit=3`);
    assert.equal(first.body.items.length, 3);
    const rest = await e.call(
      "GET",
      `${API}?limit=3&cursor=${first.body.nextCursor}`,
    );
    assert.deepEqual(rest.body.items.map((i: { id: string }) => i.id), [
      ids[0],
    ]);
    assert.equal(rest.body.nextCursor, null);
    const v2 = await e.call("GET", `/api/v2/expenses?kategori=KONTOR`);
    assert.equal(v2.body.total, 1);
    assert.deepEqual(v2.body.items[0].brutto, {
      amount: "1000.00",
      currency: "NOK",
    });
    const one = await e.call("GET", `/api/v2/expenses/${ids[2]}`);
    assert.deepEqual(one.body.approval.kostnad, {
      amount: "800.00",
      currency: "NOK",
    });
    assert.equal(one.body._links.receipt, null);
    // v2 takes a money object in the request body.
    const posted = await e.call(
      "POST",
      "/api/v2/expenses",
      body(e.B, { belop: { amount: "120.00", currency: "NOK" } }),
    );
    assert.equal(posted.status, 201);
    assert.deepEqual(posted.body.brutto, { amount: "150.00", currency: "NOK" });
    const bad = await e.call("GET", `${API}?from=2025-04-01&to=2025-03-01`);
    assert.equal(bad.status, 422);
  } finally {
    await e.close();
  }
});

Deno.test("expenses: another bedrift's expense is 404 to its users, who list their own only; OKONOMI approves, a TRAFIKKLARER may not", async () => {
  const e = await economyEdge();
  try {
    const id = (await e.call("POST", API, body(e.B))).body.id;
    const okonomi = await e.tokenFor("OKONOMI");
    const trafikklarer = await e.tokenFor("TRAFIKKLARER");
    const other = await e.call("POST", "/api/v1/bedrifter", {
      organisasjonsnummer: "915933149",
      navn: "Annen Trafikkskole AS",
    });
    const stranger = await e.tokenFor("HOVEDBRUKER", other.body.id);
    const get = (token: string) =>
      e.call("GET", `${API}/${id}`, undefined, {}, token);
    assert.equal((await get(okonomi)).status, 200);
    assert.equal((await get(stranger)).status, 404);
    assert.equal((await get(trafikklarer)).status, 403);
    const approve = (token: string) =>
      e.call("POST", `${API}/${id}/approve`, undefined, {}, token);
    assert.equal((await approve(stranger)).status, 404);
    assert.equal((await approve(trafikklarer)).status, 403);
    assert.equal((await approve(okonomi)).status, 200);
    await e.settle();
    const list = await e.call(
      "GET",
      `${API}?bedriftId=${e.B}`,
      undefined,
      {},
      stranger,
    );
    assert.deepEqual(list.body.items, []);
  } finally {
    await e.close();
  }
});
