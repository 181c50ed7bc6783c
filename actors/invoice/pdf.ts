import { InvoiceErrorCode } from "./types.ts";
import { Decimal } from "../../deps.ts";
import { DomainError } from "../../runtime/core/mod.ts";
import { A4, PdfDocument, textWidth } from "./pdf_writer.ts";
import type { PdfColor, PdfPage } from "./pdf_writer.ts";
import { InvoiceKind, InvoiceStatus } from "./types.ts";
import type { InvoiceLine, InvoiceState, SentInfo } from "./types.ts";

/** What a customer whose personal data was erased (GDPR) prints as. */
export const ERASED_KUNDE = "(personopplysninger slettet)";

const MARGIN = 50;
const RIGHT = A4.width - MARGIN;
const BOTTOM = A4.height - 70;
const ROW = 16;
const GREY: PdfColor = [0.4, 0.4, 0.4];
const SHADE: PdfColor = [0.92, 0.92, 0.92];
const RULE: PdfColor = [0.7, 0.7, 0.7];

/** Table columns: right edges of the numbers, left edge of the text. */
const COLUMNS = {
  beskrivelse: MARGIN + 6,
  antall: 330,
  enhetspris: 405,
  mva: 450,
  belop: RIGHT - 6,
} as const;
const DESCRIPTION_WIDTH = 250;

/** `1234567.5` → `1 234 567,50`; negative with a minus sign. */
export function formatKroner(value: Decimal.Value): string {
  const amount = new Decimal(value).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  const [whole, fraction] = amount.abs().toFixed(2).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  return `${
    amount.isNegative() && !amount.isZero() ? "-" : ""
  }${grouped},${fraction}`;
}

/** `1.5` → `1,5`. */
function formatAntall(value: string): string {
  return new Decimal(value).toString().replace(".", ",");
}

/** `2025-01-31` → `31.01.2025`. */
export function formatDato(isoDate: string): string {
  const [y, m, d] = isoDate.slice(0, 10).split("-");
  return `${d}.${m}.${y}`;
}

/** `923609016` → `923 609 016`. */
export function formatOrgnr(orgnr: string): string {
  return orgnr.replace(/^(\d{3})(\d{3})(\d{3})$/, "$1 $2 $3");
}

/** `86011117947` → `8601 11 17947`. */
export function formatKontonummer(konto: string): string {
  return konto.replace(/^(\d{4})(\d{2})(\d{5})$/, "$1 $2 $3");
}

/**
 * The seller's organisation number as Norwegian documents print it:
 * `Org.nr. 923 609 016 MVA` when MVA-registered (bokføringsforskriften
 * § 5-1-1), without `MVA` otherwise.
 */
export function sellerOrgLine(orgnr: string, mvaRegistrert: boolean): string {
  return `Org.nr. ${formatOrgnr(orgnr)}${mvaRegistrert ? " MVA" : ""}`;
}

/** Splits `text` into lines no wider than `width` at `size` points. */
function wrap(text: string, width: number, size: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = current ? `${current} ${word}` : word;
    if (textWidth(candidate, "regular", size) <= width) {
      current = candidate;
      continue;
    }
    if (current) lines.push(current);
    current = word;
    // A single word wider than the column is cut.
    while (textWidth(current, "regular", size) > width) {
      let cut = current.length - 1;
      while (
        cut > 1 && textWidth(current.slice(0, cut), "regular", size) > width
      ) cut--;
      lines.push(current.slice(0, cut));
      current = current.slice(cut);
    }
  }
  if (current) lines.push(current);
  return lines.length ? lines : [""];
}

/**
 * Renders a sent invoice (or credit note) as an A4 PDF: seller with its
 * organisation number (`MVA` when registered), customer, number, dates, KID,
 * account number, the lines, MVA per rate and totals; a credit note is headed
 * `Kreditnota` and names the invoice it credits. Pure: the same state gives
 * the same bytes. Throws `DomainError` (`invoice.not_sent`, 409) for a draft
 * or a cancelled draft, which have no number.
 *
 * @example
 * ```ts
 * const bytes = renderInvoicePdf(state); // Uint8Array, "%PDF-1.4…"
 * ```
 */
export function renderInvoicePdf(state: InvoiceState): Uint8Array {
  const sent = state.sent;
  if (
    !sent || state.status === InvoiceStatus.UTKAST ||
    state.status === InvoiceStatus.KANSELLERT
  ) {
    throw new DomainError(
      InvoiceErrorCode.NOT_SENT,
      `Only a sent invoice has a PDF; this one is ${state.status ?? "unknown"}`,
    );
  }
  const credit = state.kind === InvoiceKind.KREDITNOTA;
  const title = `${credit ? "Kreditnota" : "Faktura"} ${sent.fakturanummer}`;
  const doc = new PdfDocument({
    title,
    author: sent.selger.navn,
    subject: `${title} til ${state.kunde.navn ?? ERASED_KUNDE}`,
  });
  let page = doc.addPage();
  let y = header(page, state, sent, credit);
  y = tableHeader(page, y);
  for (const line of state.lines) {
    const texts = wrap(line.beskrivelse, DESCRIPTION_WIDTH, 9);
    const height = texts.length * 12 + 4;
    if (y + height > BOTTOM) {
      page = doc.addPage();
      page.text(MARGIN, 60, `${title} (forts.)`, { font: "bold", size: 11 });
      y = tableHeader(page, 80);
    }
    tableRow(page, y, line, texts);
    y += height;
  }
  page.line(MARGIN, y, RIGHT, y, { color: RULE });
  y += 6;
  const totalsHeight = (3 + state.totals.perSats.length) * ROW + 110;
  if (y + totalsHeight > BOTTOM) {
    page = doc.addPage();
    page.text(MARGIN, 60, `${title} (forts.)`, { font: "bold", size: 11 });
    y = 80;
  }
  y = totals(page, y, state, credit);
  payment(page, y + 24, state, sent, credit);
  doc.pages.forEach((p, i) => footer(p, sent, i + 1, doc.pages.length));
  return doc.toBytes();
}

function header(
  page: PdfPage,
  state: InvoiceState,
  sent: SentInfo,
  credit: boolean,
): number {
  const selger = sent.selger;
  page.text(MARGIN, 70, selger.navn, { font: "bold", size: 15 });
  let y = 88;
  const place = [selger.postnummer, selger.poststed].filter(Boolean).join(" ");
  for (const line of [selger.adresse, place]) {
    if (!line) continue;
    page.text(MARGIN, y, line, { size: 10 });
    y += 13;
  }
  page.text(
    MARGIN,
    y,
    sellerOrgLine(selger.organisasjonsnummer, selger.mvaRegistrert),
    { size: 10 },
  );
  page.text(RIGHT, 72, credit ? "Kreditnota" : "Faktura", {
    font: "bold",
    size: 22,
    align: "right",
  });

  const customerTop = 160;
  page.text(MARGIN, customerTop, "Kunde", { size: 8, color: GREY });
  page.text(MARGIN, customerTop + 15, state.kunde.navn ?? ERASED_KUNDE, {
    font: "bold",
    size: 11,
  });
  let cy = customerTop + 29;
  const kundeLines = [
    state.kunde.organisasjonsnummer
      ? `Org.nr. ${formatOrgnr(state.kunde.organisasjonsnummer)}`
      : null,
    state.kunde.kundenummer ? `Kundenr. ${state.kunde.kundenummer}` : null,
    state.kunde.epost ?? null,
  ];
  for (const line of kundeLines) {
    if (!line) continue;
    page.text(MARGIN, cy, line, { size: 10 });
    cy += 13;
  }

  const facts: [string, string][] = [
    [credit ? "Kreditnotanr." : "Fakturanr.", sent.fakturanummer],
    [credit ? "Dato" : "Fakturadato", formatDato(sent.fakturadato)],
  ];
  if (!credit) facts.push(["Forfallsdato", formatDato(sent.forfallsdato)]);
  if (sent.kid) facts.push(["KID", sent.kid]);
  if (sent.selger.kontonummer) {
    facts.push(["Kontonr.", formatKontonummer(sent.selger.kontonummer)]);
  }
  if (state.kreditnotaFor) {
    facts.push(["Krediterer faktura", state.kreditnotaFor.fakturanummer]);
  }
  let fy = customerTop;
  const labelX = 360;
  for (const [label, value] of facts) {
    page.text(labelX, fy, label, { size: 9, color: GREY });
    page.text(RIGHT, fy, value, { size: 10, align: "right" });
    fy += 15;
  }
  let top = Math.max(cy, fy) + 10;
  if (state.kreditnotaFor) {
    page.text(
      MARGIN,
      top + 6,
      `Kreditnota for faktura nr. ${state.kreditnotaFor.fakturanummer}`,
      { font: "bold", size: 10 },
    );
    top += 20;
  }
  return top + 14;
}

function tableHeader(page: PdfPage, y: number): number {
  page.rect(MARGIN, y, RIGHT - MARGIN, 20, { fill: SHADE });
  const base = y + 13.5;
  const bold = { font: "bold" as const, size: 9 };
  page.text(COLUMNS.beskrivelse, base, "Beskrivelse", bold);
  page.text(COLUMNS.antall, base, "Antall", { ...bold, align: "right" });
  page.text(COLUMNS.enhetspris, base, "Enhetspris", {
    ...bold,
    align: "right",
  });
  page.text(COLUMNS.mva, base, "MVA", { ...bold, align: "right" });
  page.text(COLUMNS.belop, base, "Beløp eks. MVA", {
    ...bold,
    align: "right",
  });
  return y + 24;
}

function tableRow(
  page: PdfPage,
  y: number,
  line: InvoiceLine,
  texts: string[],
) {
  const base = y + 10;
  texts.forEach((text, i) =>
    page.text(COLUMNS.beskrivelse, base + i * 12, text, { size: 9 })
  );
  const right = { size: 9, align: "right" as const };
  page.text(COLUMNS.antall, base, formatAntall(line.antall), right);
  page.text(COLUMNS.enhetspris, base, formatKroner(line.enhetspris), right);
  page.text(COLUMNS.mva, base, `${line.mvaSats} %`, right);
  page.text(COLUMNS.belop, base, formatKroner(line.netto), right);
}

function totals(
  page: PdfPage,
  y: number,
  state: InvoiceState,
  credit: boolean,
): number {
  const labelX = 330;
  const row = (label: string, value: string, bold = false) => {
    y += ROW;
    const font = bold ? "bold" as const : "regular" as const;
    page.text(labelX, y, label, { font, size: bold ? 11 : 10 });
    page.text(RIGHT - 6, y, value, {
      font,
      size: bold ? 11 : 10,
      align: "right",
    });
  };
  row("Sum eks. MVA", formatKroner(state.totals.netto));
  for (const rate of state.totals.perSats) {
    row(
      `MVA ${rate.mvaSats} % av ${formatKroner(rate.grunnlag)}`,
      formatKroner(rate.mva),
    );
  }
  row("Sum MVA", formatKroner(state.totals.mva));
  y += 6;
  page.line(labelX, y, RIGHT, y, { color: RULE });
  row(
    credit ? "Kreditert beløp NOK" : "Å betale NOK",
    formatKroner(state.totals.brutto),
    true,
  );
  return y;
}

function payment(
  page: PdfPage,
  y: number,
  state: InvoiceState,
  sent: SentInfo,
  credit: boolean,
) {
  page.rect(MARGIN, y, RIGHT - MARGIN, 58, { fill: SHADE });
  const lines: string[] = credit
    ? [
      `Beløpet godskrives kunden og motregnes faktura nr. ${
        state.kreditnotaFor?.fakturanummer ?? "-"
      }.`,
    ]
    : [
      `Betales til konto ${
        formatKontonummer(sent.selger.kontonummer ?? "-")
      } innen ${formatDato(sent.forfallsdato)}.`,
      sent.kid
        ? `Bruk KID ${sent.kid} ved betaling.`
        : `Merk betalingen med fakturanr. ${sent.fakturanummer}.`,
    ];
  page.text(MARGIN + 10, y + 18, "Betalingsinformasjon", {
    font: "bold",
    size: 10,
  });
  lines.forEach((line, i) =>
    page.text(MARGIN + 10, y + 33 + i * 13, line, { size: 10 })
  );
}

function footer(
  page: PdfPage,
  sent: SentInfo,
  number: number,
  count: number,
) {
  const y = A4.height - 40;
  page.line(MARGIN, y - 12, RIGHT, y - 12, { color: RULE });
  const selger = sent.selger;
  page.text(
    MARGIN,
    y,
    `${selger.navn} · ${
      sellerOrgLine(selger.organisasjonsnummer, selger.mvaRegistrert)
    }`,
    { size: 8, color: GREY },
  );
  page.text(RIGHT, y, `Side ${number} av ${count}`, {
    size: 8,
    color: GREY,
    align: "right",
  });
}
