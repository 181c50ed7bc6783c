import assert from "node:assert/strict";
import { encodeWinAnsi } from "../../actors/invoice/pdf_writer.ts";
import { domainApp, KONTONUMMER } from "../support/domain_app.ts";

type T = Awaited<ReturnType<typeof domainApp>>;

async function setup(t: T) {
  const bedrift = await t.json("POST", "/api/v1/bedrifter", {
    organisasjonsnummer: "923609016",
    navn: "Oslo Trafikkskole AS",
    adresse: "Storgata 1",
    postnummer: "0150",
    poststed: "Oslo",
  });
  assert.equal(bedrift.status, 201);
  const put = await t.json(
    "PUT",
    `/api/v1/bedrifter/${bedrift.body.id}/invoice-settings`,
    { kontonummer: KONTONUMMER, fakturaPrefix: "F-", mvaRegistrert: true },
  );
  assert.equal(put.status, 200);
  const invoice = await t.json("POST", "/api/v1/invoices", {
    bedriftId: bedrift.body.id,
    kunde: { navn: "Kari Nordmann", kundenummer: "4711" },
  });
  assert.equal(invoice.status, 201);
  const line = await t.json(
    "POST",
    `/api/v1/invoices/${invoice.body.id}/lines`,
    { beskrivelse: "Kjøretime", antall: 2, enhetspris: "650.00", mvaSats: 25 },
  );
  assert.equal(line.status, 200);
  return invoice.body.id as string;
}

function latin1(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

async function problem(res: Response, status: number, code?: string) {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  if (code) assert.equal(body.code, code);
  return body;
}

Deno.test("GET /invoices/:id/pdf renders a sent invoice as application/pdf", async () => {
  const t = await domainApp();
  try {
    const id = await setup(t);
    const sent = await t.json("POST", `/api/v1/invoices/${id}/send`);
    assert.equal(sent.status, 200);
    const res = await t.app.request(`/api/v1/invoices/${id}/pdf`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/pdf");
    assert.equal(
      res.headers.get("content-disposition"),
      'inline; filename="faktura-F-1.pdf"',
    );
    assert.equal(res.headers.get("etag"), `"${sent.body.version}"`);
    const text = latin1(new Uint8Array(await res.arrayBuffer()));
    assert.ok(text.startsWith("%PDF-1.4\n"));
    assert.ok(text.endsWith("%%EOF\n"));
    for (
      const expected of [
        "(Org.nr. 923 609 016 MVA)",
        `(${sent.body.kid})`,
        "(F-1)",
        "(8601 11 17947)",
        "(1 625,00)",
        `(${latin1(encodeWinAnsi("Kjøretime"))})`,
      ]
    ) {
      assert.ok(text.includes(expected), expected);
    }
    // Still there after a payment: every sent invoice has its PDF.
    const paid = await t.json("POST", `/api/v1/invoices/${id}/payments`, {
      amount: "1625.00",
      paidOn: sent.body.fakturadato,
    });
    assert.equal(paid.status, 200);
    assert.equal(paid.body.status, "BETALT");
    const again = await t.app.request(`/api/v1/invoices/${id}/pdf`);
    assert.equal(again.status, 200);
    await again.body?.cancel();
  } finally {
    await t.close();
  }
});

Deno.test("GET /invoices/:id/pdf of a credit note says Kreditnota and names the invoice", async () => {
  const t = await domainApp();
  try {
    const id = await setup(t);
    assert.equal(
      (await t.json("POST", `/api/v1/invoices/${id}/send`)).status,
      200,
    );
    const credit = await t.json("POST", `/api/v1/invoices/${id}/credit`, {});
    assert.equal(credit.status, 201);
    const res = await t.app.request(`/api/v1/invoices/${credit.body.id}/pdf`);
    assert.equal(res.status, 200);
    const text = latin1(new Uint8Array(await res.arrayBuffer()));
    assert.ok(text.includes("(Kreditnota) Tj"));
    assert.ok(text.includes("(Kreditnota for faktura nr. F-1) Tj"));
    assert.ok(text.includes("(-1 625,00) Tj"));
    // The credited original keeps its PDF.
    const original = await t.app.request(`/api/v1/invoices/${id}/pdf`);
    assert.equal(original.status, 200);
    await original.body?.cancel();
  } finally {
    await t.close();
  }
});

Deno.test("GET /invoices/:id/pdf: 404 unknown, 409 for a draft and a cancelled draft", async () => {
  const t = await domainApp();
  try {
    await problem(await t.app.request("/api/v1/invoices/nope/pdf"), 404);
    const id = await setup(t);
    const draft = await problem(
      await t.app.request(`/api/v1/invoices/${id}/pdf`),
      409,
      "invoice.not_sent",
    );
    assert.equal(draft.type, "/problems/invoice-not-sent");
    assert.equal(
      (await t.json("POST", `/api/v1/invoices/${id}/cancel`, {})).status,
      200,
    );
    await problem(
      await t.app.request(`/api/v1/invoices/${id}/pdf`),
      409,
      "invoice.not_sent",
    );
  } finally {
    await t.close();
  }
});
