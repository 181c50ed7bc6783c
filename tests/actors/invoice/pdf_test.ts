import assert from "node:assert/strict";
import {
  formatKroner,
  invoiceDecider,
  renderInvoicePdf,
  sellerOrgLine,
} from "../../../actors/invoice/mod.ts";
import type {
  InvoiceCommand,
  InvoiceState,
  Selger,
} from "../../../actors/invoice/mod.ts";
import { DomainError } from "../../../runtime/core/mod.ts";
import {
  encodeWinAnsi,
  PdfDocument,
  pdfString,
  textWidth,
} from "../../../actors/invoice/pdf_writer.ts";
import { generateKid } from "../../../actors/validators/mod.ts";

const at = "2026-11-02T09:00:00.000Z";
const KID = generateKid("471100000007", "MOD10");
const selger: Selger = {
  navn: "Øvre Åsen Trafikkskole AS",
  organisasjonsnummer: "923609016",
  mvaRegistrert: true,
  kontonummer: "86011117947",
  adresse: "Storgata 1",
  postnummer: "0150",
  poststed: "Oslo",
};

function fold(commands: InvoiceCommand[]): InvoiceState {
  let state = invoiceDecider.initialState;
  for (const command of commands) {
    for (const event of invoiceDecider.decide(command, state)) {
      state = invoiceDecider.evolve(state, event);
    }
  }
  return state;
}

const line = (
  lineId: string,
  beskrivelse: string,
  antall: string,
  enhetspris: string,
  mvaSats: number,
): InvoiceCommand => ({
  type: "add_line",
  lineId,
  beskrivelse,
  antall,
  enhetspris,
  mvaSats,
  at,
});

const send = (overrides: Partial<Selger> = {}): InvoiceCommand => ({
  type: "send",
  number: 7,
  fakturanummer: "F-7",
  kid: KID,
  kidAlgoritme: "MOD10",
  fakturadato: "2026-11-02",
  forfallsdato: "2026-11-16",
  selger: { ...selger, ...overrides },
  at,
});

const draft: InvoiceCommand = {
  type: "draft",
  bedriftId: "b1",
  kunde: { navn: "Kari Nordmann", kundenummer: "4711" },
  at,
};

function sentInvoice(lines = 1, overrides: Partial<Selger> = {}) {
  const commands: InvoiceCommand[] = [draft];
  for (let i = 0; i < lines; i++) {
    commands.push(line(`l${i}`, "Kjøretime klasse B", "2", "650.00", 25));
  }
  commands.push(line("x", "Lærebok (trafikk) \\ 2026", "1", "399.00", 0));
  commands.push(send(overrides));
  return fold(commands);
}

/** Bytes as a binary string: one char per byte, offsets preserved. */
function binary(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

/** WinAnsi text as the binary string it becomes in a content stream. */
function win(text: string): string {
  return binary(encodeWinAnsi(text));
}

interface ParsedPdf {
  text: string;
  objects: number;
  pages: number;
  /** The decoded content streams, one per page, in page order. */
  contents: string[];
}

/** Checks the file structure the way a strict reader would; returns its parts. */
function parsePdf(bytes: Uint8Array): ParsedPdf {
  const text = binary(bytes);
  assert.ok(text.startsWith("%PDF-1.4\n"), "header");
  assert.ok(text.endsWith("%%EOF\n"), "EOF marker");
  const startxref = /startxref\n(\d+)\n%%EOF\n$/.exec(text);
  assert.ok(startxref, "startxref");
  const xrefAt = Number(startxref[1]);
  assert.equal(text.slice(xrefAt, xrefAt + 5), "xref\n");
  const head = /^xref\n0 (\d+)\n/.exec(text.slice(xrefAt));
  assert.ok(head, "xref subsection");
  const size = Number(head[1]);
  let at = xrefAt + head[0].length;
  const entries: number[] = [];
  for (let i = 0; i < size; i++) {
    const entry = text.slice(at, at + 20);
    assert.match(entry, /^\d{10} \d{5} [nf] \n$/, `xref entry ${i}`);
    entries.push(Number(entry.slice(0, 10)));
    at += 20;
  }
  assert.equal(text.slice(at, at + 8), "trailer\n");
  const trailer = /<< \/Size (\d+) \/Root (\d+) 0 R \/Info (\d+) 0 R >>/.exec(
    text.slice(at),
  );
  assert.ok(trailer, "trailer dictionary");
  assert.equal(Number(trailer[1]), size);
  for (let i = 1; i < size; i++) {
    assert.ok(
      text.startsWith(`${i} 0 obj\n`, entries[i]),
      `xref offset of object ${i} points at "${i} 0 obj"`,
    );
  }
  const object = (n: number) =>
    text.slice(entries[n], text.indexOf("\nendobj\n", entries[n]));
  assert.match(object(Number(trailer[2])), /\/Type \/Catalog/);
  const pagesRef = /\/Pages (\d+) 0 R/.exec(object(Number(trailer[2])))!;
  const pagesObj = object(Number(pagesRef[1]));
  const kids = [...pagesObj.matchAll(/(\d+) 0 R/g)].map((m) => Number(m[1]));
  assert.match(pagesObj, new RegExp(`/Count ${kids.length}`));
  const contents = kids.map((kid) => {
    const page = object(kid);
    assert.match(page, /\/MediaBox \[0 0 595\.28 841\.89\]/);
    assert.match(page, /\/F1 \d+ 0 R \/F2 \d+ 0 R/);
    const ref = Number(/\/Contents (\d+) 0 R/.exec(page)![1]);
    const stream = object(ref);
    const length = Number(/\/Length (\d+)/.exec(stream)![1]);
    const start = stream.indexOf("stream\n") + 7;
    assert.equal(stream.slice(start + length), "\nendstream");
    return stream.slice(start, start + length);
  });
  for (const font of ["Helvetica", "Helvetica-Bold"]) {
    assert.ok(
      text.includes(
        `/Subtype /Type1 /BaseFont /${font} /Encoding /WinAnsiEncoding`,
      ),
      font,
    );
  }
  return { text, objects: size - 1, pages: kids.length, contents };
}

/** True when the content stream shows `text` (a `( … ) Tj`). */
function shows(content: string, text: string): boolean {
  return content.includes(binary(pdfString(text)) + " Tj");
}

Deno.test("pdf writer: WinAnsi bytes for Norwegian letters, escapes and widths", () => {
  assert.deepEqual(
    [...encodeWinAnsi("æøåÆØÅ")],
    [0xe6, 0xf8, 0xe5, 0xc6, 0xd8, 0xc5],
  );
  assert.deepEqual([...encodeWinAnsi("€–“”")], [0x80, 0x96, 0x93, 0x94]);
  assert.deepEqual([...encodeWinAnsi("a\u4e2db\n")], [0x61, 0x3f, 0x62, 0x20]);
  assert.equal(binary(pdfString("a(b)c\\d")), "(a\\(b\\)c\\\\d)");
  assert.equal(binary(pdfString("Kjøretime")), "(Kj\xf8retime)");
  // AFM: "Faktura" in Helvetica is 611+556+500+556+278+333+556 units.
  assert.equal(textWidth("Faktura", "regular", 10), 33.9);
  assert.equal(textWidth("Å", "bold", 1000), 722);
  assert.equal(textWidth("ø", "regular", 1000), 611);
});

Deno.test("pdf writer: pages, objects and offsets of a hand-made document", () => {
  const doc = new PdfDocument({ title: "Prøve (1)" });
  doc.addPage().text(50, 50, "Første side");
  const second = doc.addPage();
  second.text(545, 50, "Andre", { font: "bold", align: "right" });
  second.line(50, 60, 545, 60);
  second.rect(50, 70, 100, 20, { fill: [0.9, 0.9, 0.9] });
  const pdf = parsePdf(doc.toBytes());
  assert.equal(pdf.pages, 2);
  assert.ok(shows(pdf.contents[0], "Første side"));
  assert.match(pdf.contents[0], /\/F1 10 Tf 50 791\.89 Td/);
  assert.match(pdf.contents[1], /\/F2 10 Tf/);
  assert.match(pdf.contents[1], / re f\n/);
  assert.ok(pdf.text.includes(`/Title ${binary(pdfString("Prøve (1)"))}`));
  assert.throws(() => new PdfDocument().toBytes(), RangeError);
});

Deno.test("invoice pdf: seller with org.nr + MVA, customer, number, dates, KID, account, lines, MVA per rate, totals", () => {
  const state = sentInvoice(1);
  const bytes = renderInvoicePdf(state);
  const pdf = parsePdf(bytes);
  assert.equal(pdf.pages, 1);
  const content = pdf.contents[0];
  for (
    const expected of [
      "Faktura",
      "Øvre Åsen Trafikkskole AS",
      "Storgata 1",
      "0150 Oslo",
      "Org.nr. 923 609 016 MVA",
      "Kari Nordmann",
      "Kundenr. 4711",
      "F-7",
      "02.11.2026",
      "16.11.2026",
      KID,
      "8601 11 17947",
      "Kjøretime klasse B",
      "1 300,00",
      "650,00",
      "25 %",
      "0 %",
      "Lærebok (trafikk) \\ 2026",
      "Sum eks. MVA",
      "1 699,00",
      "MVA 25 % av 1 300,00",
      "325,00",
      "MVA 0 % av 399,00",
      "Å betale NOK",
      "2 024,00",
      `Bruk KID ${KID} ved betaling.`,
      "Side 1 av 1",
    ]
  ) {
    assert.ok(shows(content, expected), `shows "${expected}"`);
  }
  // The raw WinAnsi bytes, not UTF-8.
  assert.ok(content.includes(`(${win("Kjøretime")}`));
  assert.ok(content.includes("(L\xe6rebok \\(trafikk\\) \\\\ 2026) Tj"));
  assert.ok(!content.includes("\xc3\xb8"), "no UTF-8 in the content");
  // Deterministic: the same state renders the same bytes.
  assert.deepEqual(renderInvoicePdf(state), bytes);
});

Deno.test("invoice pdf: a seller not registered for MVA has no MVA after the org.nr", () => {
  const pdf = parsePdf(
    renderInvoicePdf(sentInvoice(1, { mvaRegistrert: false })),
  );
  assert.ok(shows(pdf.contents[0], "Org.nr. 923 609 016"));
  assert.ok(!pdf.contents[0].includes("923 609 016 MVA"));
  assert.equal(sellerOrgLine("923609016", true), "Org.nr. 923 609 016 MVA");
  assert.equal(formatKroner("-1234567.5"), "-1 234 567,50");
  assert.equal(formatKroner("0"), "0,00");
});

Deno.test("invoice pdf: many lines flow over pages with the table header and page numbers", () => {
  const pdf = parsePdf(renderInvoicePdf(sentInvoice(90)));
  assert.ok(pdf.pages >= 2, String(pdf.pages));
  pdf.contents.forEach((content, i) => {
    assert.ok(shows(content, `Side ${i + 1} av ${pdf.pages}`));
    assert.ok(shows(content, "Beskrivelse"));
  });
  const all = pdf.contents.join("");
  assert.equal(all.split(binary(pdfString("Kjøretime klasse B"))).length, 91);
  assert.ok(shows(pdf.contents.at(-1)!, "Å betale NOK"));
  // 90 × 1 300,00 + 399,00 net, 90 × 325,00 MVA.
  const last = pdf.contents.at(-1)!;
  assert.ok(shows(last, "117 399,00"));
  assert.ok(shows(last, "29 250,00"));
  assert.ok(shows(last, "146 649,00"));
});

Deno.test("invoice pdf: a credit note is headed Kreditnota and names the credited invoice", () => {
  const original = sentInvoice(1);
  const credit = fold([
    {
      type: "create_credit_note",
      bedriftId: "b1",
      kunde: original.kunde,
      original: { invoiceId: "inv-1", number: 7, fakturanummer: "F-7" },
      lines: original.lines,
      at,
    },
    {
      type: "send",
      number: 8,
      fakturanummer: "F-8",
      kid: null,
      kidAlgoritme: "MOD10",
      fakturadato: "2026-11-03",
      forfallsdato: "2026-11-03",
      selger,
      at,
    },
  ]);
  const content = parsePdf(renderInvoicePdf(credit)).contents[0];
  for (
    const expected of [
      "Kreditnota",
      "Kreditnota for faktura nr. F-7",
      "F-8",
      "Krediterer faktura",
      "-1 300,00",
      "-2 024,00",
      "Kreditert beløp NOK",
    ]
  ) {
    assert.ok(shows(content, expected), `shows "${expected}"`);
  }
  assert.ok(!shows(content, "Faktura"));
});

Deno.test("invoice pdf: a draft or a cancelled draft has no PDF (invoice.not_sent)", () => {
  const drafted = fold([draft, line("l1", "Kjøretime", "1", "650.00", 25)]);
  const cancelled = fold([draft, { type: "cancel", at }]);
  for (const state of [drafted, cancelled, invoiceDecider.initialState]) {
    assert.throws(() => renderInvoicePdf(state), (error: unknown) => {
      assert.ok(error instanceof DomainError);
      assert.equal(error.code, "invoice.not_sent");
      return true;
    });
  }
});
