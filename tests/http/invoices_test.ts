import assert from "node:assert/strict";
import { isKid } from "../../actors/validators/mod.ts";
import { addDays, osloDay } from "../../actors/validators/mod.ts";
import { domainApp, KONTONUMMER } from "../support/domain_app.ts";

type T = Awaited<ReturnType<typeof domainApp>>;

async function setup(t: T, settings: Record<string, unknown> = {}) {
  const bedrift = await t.json("POST", "/api/v1/bedrifter", {
    organisasjonsnummer: "923609016",
    navn: "Oslo Trafikkskole AS",
    postnummer: "0150",
    poststed: "Oslo",
  });
  assert.equal(bedrift.status, 201);
  const put = await t.json(
    "PUT",
    `/api/v1/bedrifter/${bedrift.body.id}/invoice-settings`,
    {
      kontonummer: KONTONUMMER,
      fakturaPrefix: "F-",
      mvaRegistrert: true,
      purregebyr: "70.00",
      ...settings,
    },
  );
  assert.equal(put.status, 200);
  return bedrift.body.id as string;
}

async function draft(t: T, bedriftId: string, lines = 1, kunde = {}) {
  const res = await t.json("POST", "/api/v1/invoices", {
    bedriftId,
    kunde: { navn: "Kari Nordmann", ...kunde },
  });
  assert.equal(res.status, 201);
  for (let i = 0; i < lines; i++) {
    const line = await t.json("POST", `/api/v1/invoices/${res.body.id}/lines`, {
      beskrivelse: "Kjøretime",
      antall: 2,
      enhetspris: "650.00",
      mvaSats: 25,
    });
    assert.equal(line.status, 200);
  }
  return res.body.id as string;
}

function problem(
  res: { status: number; headers: Headers; body: Record<string, unknown> },
  status: number,
  code?: string,
) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  if (code) {
    assert.equal(res.body.code, code);
    assert.equal(
      res.body.type,
      `/problems/${code.replaceAll(".", "-").replaceAll("_", "-")}`,
    );
  }
}

Deno.test("POST /invoices/:id/send numbers the invoice, sets KID, dates and seller", async () => {
  const t = await domainApp();
  try {
    const bedriftId = await setup(t, { kundenummer: undefined });
    const id = await draft(t, bedriftId, 1, { kundenummer: "4711" });
    const res = await t.json("POST", `/api/v1/invoices/${id}/send`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("etag"), '"3"');
    const today = osloDay(Date.now());
    assert.equal(res.body.status, "SENDT");
    assert.equal(res.body.number, 1);
    assert.equal(res.body.fakturanummer, "F-1");
    assert.ok(res.body.kid.startsWith("4711"));
    assert.ok(isKid(res.body.kid, "MOD10"));
    assert.equal(res.body.fakturadato, today);
    assert.equal(res.body.forfallsdato, addDays(today, 14));
    assert.deepEqual(res.body.selger, {
      navn: "Oslo Trafikkskole AS",
      organisasjonsnummer: "923609016",
      mvaRegistrert: true,
      kontonummer: KONTONUMMER,
      adresse: null,
      postnummer: "0150",
      poststed: "Oslo",
    });
    assert.equal(res.body.utestaende, "1625.00");
    // Sending again is a no-op; the lines are frozen.
    const again = await t.json("POST", `/api/v1/invoices/${id}/send`, {});
    assert.equal(again.status, 200);
    assert.equal(again.body.number, 1);
    assert.equal(again.body.version, 3);
    const line = await t.json("POST", `/api/v1/invoices/${id}/lines`, {
      beskrivelse: "Mer",
      antall: 1,
      enhetspris: "1.00",
      mvaSats: 25,
    });
    problem(line, 409, "invoice.not_editable");
    const got = await t.json("GET", `/api/v1/invoices/${id}`);
    assert.deepEqual(got.body, res.body);
  } finally {
    await t.close();
  }
});

Deno.test("send: refused without lines (409), without kontonummer (409), unknown invoice (404), bad body (422/400)", async () => {
  const t = await domainApp();
  try {
    const bedriftId = await setup(t);
    const empty = await draft(t, bedriftId, 0);
    problem(
      await t.json("POST", `/api/v1/invoices/${empty}/send`),
      409,
      "invoice.no_lines",
    );
    problem(await t.json("POST", "/api/v1/invoices/nope/send"), 404);
    problem(
      await t.json("POST", `/api/v1/invoices/${empty}/send`, { extra: 1 }),
      422,
    );
    const malformed = await t.app.request(`/api/v1/invoices/${empty}/send`, {
      method: "POST",
      body: "{",
    });
    assert.equal(malformed.status, 400);
    await malformed.body?.cancel();
    await t.json("PUT", `/api/v1/bedrifter/${bedriftId}/invoice-settings`, {
      kontonummer: null,
    });
    const id = await draft(t, bedriftId);
    problem(
      await t.json("POST", `/api/v1/invoices/${id}/send`),
      409,
      "invoice.kontonummer_missing",
    );
    // Neither refusal took a number.
    await t.json("PUT", `/api/v1/bedrifter/${bedriftId}/invoice-settings`, {
      kontonummer: KONTONUMMER,
    });
    const sent = await t.json("POST", `/api/v1/invoices/${id}/send`);
    assert.equal(sent.body.number, 1);
  } finally {
    await t.close();
  }
});

Deno.test("send with a stale If-Match → 412 and no number taken", async () => {
  const t = await domainApp();
  try {
    const bedriftId = await setup(t);
    const id = await draft(t, bedriftId);
    problem(
      await t.json("POST", `/api/v1/invoices/${id}/send`, undefined, {
        "If-Match": '"1"',
      }),
      412,
    );
    const ok = await t.json("POST", `/api/v1/invoices/${id}/send`, undefined, {
      "If-Match": '"2"',
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.number, 1);
  } finally {
    await t.close();
  }
});

Deno.test("POST /payments: two parts make BETALT; over-payment 409; Idempotency-Key once", async () => {
  const t = await domainApp();
  try {
    const bedriftId = await setup(t);
    const id = await draft(t, bedriftId);
    problem(
      await t.json("POST", `/api/v1/invoices/${id}/payments`, {
        amount: "100.00",
      }),
      409,
      "invoice.not_sent",
    );
    await t.json("POST", `/api/v1/invoices/${id}/send`);
    const key = { "Idempotency-Key": "bank-2025-0001" };
    const first = await t.json(
      "POST",
      `/api/v1/invoices/${id}/payments`,
      { amount: "1000.00", paidOn: "2025-03-01", reference: "Nets 1" },
      key,
    );
    assert.equal(first.status, 200);
    assert.equal(first.body.status, "DELVIS_BETALT");
    assert.equal(first.body.betalt, "1000.00");
    assert.equal(first.body.utestaende, "625.00");
    const retry = await t.json(
      "POST",
      `/api/v1/invoices/${id}/payments`,
      { amount: "1000.00", paidOn: "2025-03-01", reference: "Nets 1" },
      key,
    );
    assert.equal(retry.body.payments.length, 1);
    assert.equal(retry.body.version, first.body.version);
    problem(
      await t.json("POST", `/api/v1/invoices/${id}/payments`, {
        amount: "625.01",
      }),
      409,
      "invoice.overpayment",
    );
    problem(
      await t.json("POST", `/api/v1/invoices/${id}/payments`, {
        amount: "0.00",
      }),
      422,
    );
    problem(
      await t.json("POST", `/api/v1/invoices/${id}/payments`, {
        amount: 625,
      }),
      422,
    );
    const rest = await t.json("POST", `/api/v1/invoices/${id}/payments`, {
      amount: "625.00",
    });
    assert.equal(rest.body.status, "BETALT");
    assert.equal(rest.body.utestaende, "0.00");
    assert.equal(rest.body.paidOn, osloDay(Date.now()));
    problem(
      await t.json("POST", `/api/v1/invoices/${id}/payments`, {
        amount: "1.00",
      }),
      409,
      "invoice.already_paid",
    );
  } finally {
    await t.close();
  }
});

Deno.test("POST /remind before the due date → 409 not_overdue", async () => {
  const t = await domainApp();
  try {
    const bedriftId = await setup(t);
    const id = await draft(t, bedriftId);
    problem(
      await t.json("POST", `/api/v1/invoices/${id}/remind`),
      409,
      "invoice.not_sent",
    );
    await t.json("POST", `/api/v1/invoices/${id}/send`);
    problem(
      await t.json("POST", `/api/v1/invoices/${id}/remind`),
      409,
      "invoice.not_overdue",
    );
    problem(await t.json("POST", "/api/v1/invoices/nope/remind"), 404);
  } finally {
    await t.close();
  }
});

Deno.test("POST /cancel: a draft becomes KANSELLERT, a sent invoice is refused", async () => {
  const t = await domainApp();
  try {
    const bedriftId = await setup(t);
    const id = await draft(t, bedriftId);
    const res = await t.json("POST", `/api/v1/invoices/${id}/cancel`, {
      reason: "Feil kunde",
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "KANSELLERT");
    assert.deepEqual(res.body.cancelled.reason, "Feil kunde");
    problem(
      await t.json("POST", `/api/v1/invoices/${id}/send`),
      409,
      "invoice.not_draft",
    );
    const other = await draft(t, bedriftId);
    await t.json("POST", `/api/v1/invoices/${other}/send`);
    problem(
      await t.json("POST", `/api/v1/invoices/${other}/cancel`),
      409,
      "invoice.not_cancellable",
    );
  } finally {
    await t.close();
  }
});

Deno.test("POST /credit: a credit note with negated lines and its own number; the original KREDITERT", async () => {
  const t = await domainApp();
  try {
    const bedriftId = await setup(t);
    const draftId = await draft(t, bedriftId);
    problem(
      await t.json("POST", `/api/v1/invoices/${draftId}/credit`),
      409,
      "invoice.not_sent",
    );
    const id = await draft(t, bedriftId);
    await t.json("POST", `/api/v1/invoices/${id}/send`);
    await t.json("POST", `/api/v1/invoices/${id}/payments`, {
      amount: "500.00",
    });
    const res = await t.json("POST", `/api/v1/invoices/${id}/credit`, {
      reason: "Kurset ble avlyst",
    });
    assert.equal(res.status, 201);
    assert.equal(
      res.headers.get("location"),
      `/api/v1/invoices/${res.body.id}`,
    );
    assert.equal(res.body.kind, "KREDITNOTA");
    assert.equal(res.body.status, "SENDT");
    assert.equal(res.body.number, 2);
    assert.equal(res.body.fakturanummer, "F-2");
    assert.equal(res.body.kid, null);
    assert.equal(res.body.totals.brutto, "-1625.00");
    assert.deepEqual(res.body.kreditnotaFor, {
      invoiceId: id,
      number: 1,
      fakturanummer: "F-1",
    });
    assert.equal(res.body.credited.status, "KREDITERT");
    assert.equal(res.body.credited.kreditertAv.fakturanummer, "F-2");
    assert.equal(res.body.credited.kreditertAv.reason, "Kurset ble avlyst");
    // A retry finishes nothing twice.
    const again = await t.json("POST", `/api/v1/invoices/${id}/credit`);
    assert.equal(again.status, 201);
    assert.equal(again.body.id, res.body.id);
    assert.equal(again.body.number, 2);
    // The credit note itself cannot be credited, paid or cancelled.
    const note = res.body.id;
    problem(
      await t.json("POST", `/api/v1/invoices/${note}/credit`),
      422,
      "invoice.is_credit_note",
    );
    problem(
      await t.json("POST", `/api/v1/invoices/${note}/payments`, {
        amount: "1.00",
      }),
      422,
      "invoice.is_credit_note",
    );
    problem(
      await t.json("POST", `/api/v1/invoices/${note}/cancel`),
      409,
      "invoice.credit_note_not_cancellable",
    );
    problem(
      await t.json("POST", `/api/v1/invoices/${id}/payments`, {
        amount: "1.00",
      }),
      409,
      "invoice.closed",
    );
    // The series goes on after the credit note.
    const next = await draft(t, bedriftId);
    assert.equal(
      (await t.json("POST", `/api/v1/invoices/${next}/send`)).body.number,
      3,
    );
  } finally {
    await t.close();
  }
});

Deno.test("send: a suspended bedrift cannot send (409)", async () => {
  const t = await domainApp();
  try {
    const bedriftId = await setup(t);
    const id = await draft(t, bedriftId);
    await t.json("POST", `/api/v1/bedrifter/${bedriftId}/status`, {
      status: "SUSPENDERT",
    });
    problem(
      await t.json("POST", `/api/v1/invoices/${id}/send`),
      409,
      "invoice.bedrift_not_active",
    );
  } finally {
    await t.close();
  }
});

Deno.test("POST /invoices: the kunde's kind is inferred from the organisasjonsnummer and shown with every field", async () => {
  const t = await domainApp();
  try {
    const bedriftId = await setup(t);
    const business = await t.json("POST", "/api/v1/invoices", {
      bedriftId,
      kunde: { navn: "Bil AS", organisasjonsnummer: "974760673" },
    });
    assert.equal(business.status, 201);
    assert.deepEqual(business.body.kunde, {
      kind: "BEDRIFT",
      navn: "Bil AS",
      epost: null,
      organisasjonsnummer: "974760673",
      kundenummer: null,
      // A business is no person: no data subject.
      subjectId: null,
    });
    const consumer = await t.json("POST", "/api/v1/invoices", {
      bedriftId,
      kunde: { navn: "Kari", epost: "kari@example.no", kundenummer: "7" },
    });
    assert.deepEqual(consumer.body.kunde, {
      kind: "PRIVAT",
      navn: "Kari",
      epost: "kari@example.no",
      organisasjonsnummer: null,
      kundenummer: "7",
      // The person's data subject: per kundenummer within the bedrift.
      subjectId: `kunde-${bedriftId}-7`,
    });
    // The request body is unchanged: kind is not one of its fields.
    const stated = await t.json("POST", "/api/v1/invoices", {
      bedriftId,
      kunde: { navn: "Kari", kind: "BEDRIFT" },
    });
    assert.equal(stated.status, 422);
  } finally {
    await t.close();
  }
});
