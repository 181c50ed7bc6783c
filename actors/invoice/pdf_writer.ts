/**
 * A small, pure PDF 1.4 writer: pages of text, lines and filled rectangles in
 * the standard fonts Helvetica and Helvetica-Bold with WinAnsiEncoding, so
 * Norwegian letters (æ ø å Æ Ø Å) need no embedded font. Content streams are
 * not compressed: the bytes stay searchable. Coordinates are points from the
 * top-left corner of the page (y grows downwards); `text` takes the baseline.
 */

/** The two fonts a page can use. */
export const PdfFonts = {
  regular: "Helvetica",
  bold: "Helvetica-Bold",
} as const;
export type PdfFont = keyof typeof PdfFonts;

/** A4 in points. */
export const A4 = { width: 595.28, height: 841.89 } as const;

/** An RGB colour, each component 0..1. */
export type PdfColor = readonly [number, number, number];

/** How `PdfPage.text` draws. */
export interface PdfTextOptions {
  font?: PdfFont;
  /** Font size in points (default 10). */
  size?: number;
  /** `x` is the left edge (default), the right edge or the centre. */
  align?: "left" | "right" | "center";
  color?: PdfColor;
}

// Advance widths (1/1000 em) of the Adobe AFM metrics: WinAnsi codes 32..126
// and 160..255 (Latin-1), as space-separated numbers.
const widths = (list: string) => list.split(" ").map(Number);
const ASCII_WIDTHS: Record<PdfFont, number[]> = {
  regular: widths(
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 " +
      "556 556 556 556 556 556 556 556 556 556 278 278 584 584 584 556 " +
      "1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 " +
      "667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 " +
      "333 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 " +
      "556 556 333 500 278 556 500 722 500 500 500 334 260 334 584",
  ),
  bold: widths(
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 " +
      "556 556 556 556 556 556 556 556 556 556 333 333 584 584 584 611 " +
      "975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 " +
      "667 778 722 667 611 722 667 944 667 667 611 333 278 333 584 556 " +
      "333 556 611 556 611 556 333 611 611 278 278 556 278 889 611 611 " +
      "611 611 389 556 333 611 556 778 556 556 500 389 280 389 584",
  ),
};
const LATIN1_WIDTHS: Record<PdfFont, number[]> = {
  regular: widths(
    "278 333 556 556 556 556 260 556 333 737 370 556 584 333 737 333 " +
      "400 584 333 333 333 556 537 278 333 333 365 556 834 834 834 611 " +
      "667 667 667 667 667 667 1000 722 667 667 667 667 278 278 278 278 " +
      "722 722 778 778 778 778 778 584 778 722 722 722 722 667 667 611 " +
      "556 556 556 556 556 556 889 500 556 556 556 556 278 278 278 278 " +
      "556 556 556 556 556 556 556 584 611 556 556 556 556 500 556 500",
  ),
  bold: widths(
    "278 333 556 556 556 556 280 556 333 737 370 556 584 333 737 333 " +
      "400 584 333 333 333 611 556 278 333 333 365 556 834 834 834 611 " +
      "722 722 722 722 722 722 1000 722 667 667 667 667 278 278 278 278 " +
      "722 722 778 778 778 778 778 584 778 722 722 722 722 667 667 611 " +
      "556 556 556 556 556 556 889 556 556 556 556 556 278 278 278 278 " +
      "611 611 611 611 611 611 611 584 611 611 611 611 611 556 611 556",
  ),
};

// The WinAnsi codes 128..159 that differ from Latin-1, with a width.
const WIN_ANSI_EXTRA: Record<string, [code: number, width: number]> = {
  "€": [0x80, 556],
  "‚": [0x82, 222],
  "„": [0x84, 333],
  "…": [0x85, 1000],
  "‘": [0x91, 222],
  "’": [0x92, 222],
  "“": [0x93, 333],
  "”": [0x94, 333],
  "•": [0x95, 350],
  "–": [0x96, 556],
  "—": [0x97, 1000],
  "™": [0x99, 1000],
};
const EXTRA_BY_CODE = new Map(
  Object.values(WIN_ANSI_EXTRA).map(([code, width]) => [code, width]),
);

const QUESTION = 0x3f;

/**
 * Encodes text as WinAnsi bytes: ASCII and Latin-1 map to themselves, the
 * typographic extras (€, dashes, quotes) to their codes 128..159, anything
 * else to `?`. Control characters become spaces.
 */
export function encodeWinAnsi(text: string): Uint8Array {
  const out: number[] = [];
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    if (cp < 0x20 || cp === 0x7f) out.push(0x20);
    else if (cp < 0x7f || (cp >= 0xa0 && cp <= 0xff)) out.push(cp);
    else out.push(WIN_ANSI_EXTRA[char]?.[0] ?? QUESTION);
  }
  return new Uint8Array(out);
}

/** Width of `text` in points in `font` at `size`. */
export function textWidth(text: string, font: PdfFont, size: number): number {
  let units = 0;
  for (const code of encodeWinAnsi(text)) {
    if (code >= 0x20 && code < 0x7f) units += ASCII_WIDTHS[font][code - 0x20];
    else if (code >= 0xa0) units += LATIN1_WIDTHS[font][code - 0xa0];
    else units += EXTRA_BY_CODE.get(code) ?? 556;
  }
  return (units * size) / 1000;
}

/**
 * The bytes of a PDF literal string `( … )` for `text`: WinAnsi, with `(`,
 * `)` and `\` escaped.
 */
export function pdfString(text: string): Uint8Array {
  const out: number[] = [0x28];
  for (const byte of encodeWinAnsi(text)) {
    if (byte === 0x28 || byte === 0x29 || byte === 0x5c) out.push(0x5c);
    out.push(byte);
  }
  out.push(0x29);
  return new Uint8Array(out);
}

/** A number as PDF writes it: at most 3 decimals, no exponent. */
function num(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError("Not a finite number");
  const fixed = value.toFixed(3).replace(/\.?0+$/, "");
  return fixed === "-0" ? "0" : fixed;
}

function color(c: PdfColor): string {
  return c.map(num).join(" ");
}

/** One page: drawing operations collected in order. */
export class PdfPage {
  readonly width: number;
  readonly height: number;
  readonly #ops: Uint8Array[] = [];

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
  }

  /** Draws `text` with its baseline at `y` (from the top). */
  text(x: number, y: number, text: string, options: PdfTextOptions = {}) {
    const font = options.font ?? "regular";
    const size = options.size ?? 10;
    const width = textWidth(text, font, size);
    const left = options.align === "right"
      ? x - width
      : options.align === "center"
      ? x - width / 2
      : x;
    const fontRef = font === "bold" ? "F2" : "F1";
    this.#raw(
      `BT ${color(options.color ?? [0, 0, 0])} rg /${fontRef} ${num(size)} Tf ${
        num(left)
      } ${num(this.height - y)} Td `,
    );
    this.#ops.push(pdfString(text));
    this.#raw(" Tj ET\n");
  }

  /** A straight line. */
  line(
    x1: number,
    y1: number,
    x2: number,
    y2: number,
    options: { width?: number; color?: PdfColor } = {},
  ) {
    this.#raw(
      `${color(options.color ?? [0, 0, 0])} RG ${num(options.width ?? 0.5)} w ${
        num(x1)
      } ${num(this.height - y1)} m ${num(x2)} ${num(this.height - y2)} l S\n`,
    );
  }

  /** A filled rectangle; `y` is its top edge. */
  rect(
    x: number,
    y: number,
    width: number,
    height: number,
    options: { fill: PdfColor },
  ) {
    this.#raw(
      `${color(options.fill)} rg ${num(x)} ${num(this.height - y - height)} ${
        num(width)
      } ${num(height)} re f\n`,
    );
  }

  /** The content stream's bytes. */
  content(): Uint8Array {
    return concat(this.#ops);
  }

  #raw(text: string) {
    this.#ops.push(ascii(text));
  }
}

/** Document metadata (the `/Info` dictionary). */
export interface PdfInfo {
  title?: string;
  author?: string;
  subject?: string;
  /** Written as the PDF date `D:YYYYMMDDHHmmSSZ`; absent keeps output stable. */
  creationDate?: Date;
}

/**
 * A PDF document of one or more pages.
 *
 * @example
 * ```ts
 * const doc = new PdfDocument({ title: "Faktura F-1" });
 * const page = doc.addPage();
 * page.text(50, 60, "Kjøretime", { font: "bold", size: 14 });
 * const bytes = doc.toBytes(); // starts with %PDF-1.4
 * ```
 */
export class PdfDocument {
  readonly #pages: PdfPage[] = [];
  readonly #info: PdfInfo;

  constructor(info: PdfInfo = {}) {
    this.#info = info;
  }

  /** Appends a page (A4 by default). */
  addPage(size: { width: number; height: number } = A4): PdfPage {
    const page = new PdfPage(size.width, size.height);
    this.#pages.push(page);
    return page;
  }

  get pages(): readonly PdfPage[] {
    return this.#pages;
  }

  /** The file: header, objects, cross-reference table, trailer. */
  toBytes(): Uint8Array {
    if (this.#pages.length === 0) throw new RangeError("A PDF needs a page");
    const objects: Uint8Array[] = [];
    const add = (body: Uint8Array | string) => {
      objects.push(typeof body === "string" ? ascii(body) : body);
      return objects.length;
    };
    const catalog = add("");
    const pages = add("");
    const fonts = Object.values(PdfFonts).map((name) =>
      add(
        `<< /Type /Font /Subtype /Type1 /BaseFont /${name} /Encoding /WinAnsiEncoding >>`,
      )
    );
    const kids: number[] = [];
    for (const page of this.#pages) {
      const content = page.content();
      const stream = add(concat([
        ascii(`<< /Length ${content.byteLength} >>\nstream\n`),
        content,
        ascii("\nendstream"),
      ]));
      kids.push(add(
        `<< /Type /Page /Parent ${pages} 0 R /MediaBox [0 0 ${
          num(page.width)
        } ${num(page.height)}] /Resources << /Font << /F1 ${fonts[0]} 0 R /F2 ${
          fonts[1]
        } 0 R >> >> /Contents ${stream} 0 R >>`,
      ));
    }
    objects[catalog - 1] = ascii(`<< /Type /Catalog /Pages ${pages} 0 R >>`);
    objects[pages - 1] = ascii(
      `<< /Type /Pages /Kids [${
        kids.map((k) => `${k} 0 R`).join(" ")
      }] /Count ${kids.length} >>`,
    );
    const info = add(this.#infoDictionary());

    const parts: Uint8Array[] = [
      // The comment of high bytes marks the file as binary for transfer tools.
      concat([ascii("%PDF-1.4\n%"), new Uint8Array([0xe2, 0xe3, 0xcf, 0xd3])]),
      ascii("\n"),
    ];
    let offset = parts.reduce((n, p) => n + p.byteLength, 0);
    const offsets: number[] = [];
    objects.forEach((body, i) => {
      const chunk = concat([
        ascii(`${i + 1} 0 obj\n`),
        body,
        ascii("\nendobj\n"),
      ]);
      offsets.push(offset);
      parts.push(chunk);
      offset += chunk.byteLength;
    });
    const xref = [
      `xref\n0 ${objects.length + 1}\n`,
      "0000000000 65535 f \n",
      ...offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`),
      `trailer\n<< /Size ${
        objects.length + 1
      } /Root ${catalog} 0 R /Info ${info} 0 R >>\n`,
      `startxref\n${offset}\n%%EOF\n`,
    ].join("");
    parts.push(ascii(xref));
    return concat(parts);
  }

  #infoDictionary(): Uint8Array {
    const entries: Uint8Array[] = [ascii("<< /Producer (TMS)")];
    const put = (key: string, value: string | undefined) => {
      if (value === undefined) return;
      entries.push(ascii(` /${key} `), pdfString(value));
    };
    put("Title", this.#info.title);
    put("Author", this.#info.author);
    put("Subject", this.#info.subject);
    if (this.#info.creationDate) {
      const iso = this.#info.creationDate.toISOString();
      put("CreationDate", `D:${iso.slice(0, 19).replace(/[-T:]/g, "")}Z`);
    }
    entries.push(ascii(" >>"));
    return concat(entries);
  }
}

function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
