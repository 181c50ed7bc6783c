/**
 * Every rule violation of the invoice lifecycle and the number series, through
 * the edge's one error mapping: the HTTP status and problem type a client sees.
 */
import assert from "node:assert/strict";
import { Hono } from "../../deps.ts";
import {
  DEFAULT_RATES,
  invoiceDecider,
  invoiceEvent,
  invoiceKid,
  kundeOf,
} from "../../actors/invoice/mod.ts";
import type {
  InvoiceCommand,
  InvoiceEvent,
  InvoiceLine,
} from "../../actors/invoice/mod.ts";
import {
  invoiceSequenceDecider,
  MAX_SEQUENCE_NUMBER,
} from "../../actors/invoice_sequence/mod.ts";
import { onError } from "../../http/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";

const at = "2025-01-10T09:00:00.000Z";
const line: InvoiceLine = {
  lineId: "l1",
  beskrivelse: "Kjøretime",
  antall: "1",
  enhetspris: "650.00",
  mvaSats: 25,
  netto: "650.00",
  mva: "162.50",
  brutto: "812.50",
};
const selger = {
  navn: "Oslo Trafikkskole AS",
  organisasjonsnummer: "923609016",
  mvaRegistrert: true,
  kontonummer: "86011117947",
};
const send = (o: Record<string, unknown> = {}) =>
  ({
    type: "send",
    number: 1,
    fakturanummer: "F-1",
    kid: invoiceKid(null, 1, "MOD10"),
    kidAlgoritme: "MOD10",
    fakturadato: "2025-01-10",
    forfallsdato: "2025-01-24",
    selger,
    at,
    ...o,
  }) as InvoiceCommand;
const drafted: InvoiceEvent = invoiceEvent("invoice.drafted", {
  bedriftId: "b1",
  kunde: kundeOf({ navn: "Kari" }),
  at,
});
const lined: InvoiceEvent = {
  type: "invoice.line_added",
  v: 1,
  data: { line, at },
};
const sent = invoiceDecider.decide(
  send(),
  [drafted, lined].reduce(invoiceDecider.evolve, invoiceDecider.initialState),
);
const draft = [drafted, lined];
const open = [...draft, ...sent];
const note: InvoiceEvent[] = [
  invoiceEvent("invoice.drafted", {
    bedriftId: "b1",
    kunde: kundeOf({ navn: "Kari" }),
    at,
    kreditnotaFor: { invoiceId: "i1", number: 1, fakturanummer: "F-1" },
  }),
  lined,
];
const pay = (amount: string, paymentId = "p1"): InvoiceCommand => ({
  type: "register_payment",
  paymentId,
  amount,
  paidOn: "2025-01-20",
  at,
});
const paid = [
  ...open,
  ...invoiceDecider.decide(
    pay("812.50"),
    open.reduce(invoiceDecider.evolve, invoiceDecider.initialState),
  ),
];
const remind = (on: string, purregebyr = "70.00"): InvoiceCommand => ({
  type: "remind",
  on,
  purregebyr,
  gebyrTak: "35.00",
  renteSatser: DEFAULT_RATES.forsinkelsesrente,
  at,
});
const reminded = (dates: string[]) => {
  let events = [...open];
  for (const on of dates) {
    const state = events.reduce(
      invoiceDecider.evolve,
      invoiceDecider.initialState,
    );
    events = [...events, ...invoiceDecider.decide(remind(on), state)];
  }
  return events;
};
const cancelled: InvoiceEvent = {
  type: "invoice.cancelled",
  v: 1,
  data: { reason: null, at },
};
const noteRef = { invoiceId: "k1", number: 2, fakturanummer: "F-2" };
const credit: InvoiceCommand = { type: "credit", creditNote: noteRef, at };
const credited: InvoiceEvent = {
  type: "invoice.credited",
  v: 1,
  data: { creditNote: noteRef, amount: "812.50", reason: null, at },
};

/** The problem the edge answers for what `run` throws. */
async function edge(run: () => unknown) {
  const app = new Hono();
  app.get("/", () => {
    run();
    throw new Error("no rule was broken");
  });
  app.onError(onError);
  const res = await app.request("/");
  const body = await res.json();
  return { status: res.status, type: body.type, code: body.code };
}

function when<C, E, S>(
  decider: Decider<C, E, S>,
  given: E[],
  command: C,
) {
  return () =>
    decider.decide(
      command,
      given.reduce(decider.evolve, decider.initialState),
    );
}

const cases: [string, () => unknown, number, string?][] = [
  ["send: unknown invoice", when(invoiceDecider, [], send()), 404],
  [
    "send: no lines",
    when(invoiceDecider, [drafted], send()),
    409,
    "invoice.no_lines",
  ],
  [
    "send: not a draft",
    when(invoiceDecider, [...draft, cancelled], send()),
    409,
    "invoice.not_draft",
  ],
  [
    "send: bad number",
    when(invoiceDecider, draft, send({ number: 0, fakturanummer: "F-0" })),
    422,
    "invoice.invalid_number",
  ],
  [
    "send: bad fakturanummer",
    when(invoiceDecider, draft, send({ fakturanummer: "F-9" })),
    422,
    "invoice.invalid_fakturanummer",
  ],
  [
    "send: bad KID",
    when(invoiceDecider, draft, send({ kid: "12" })),
    422,
    "invoice.invalid_kid",
  ],
  [
    "send: bad date",
    when(invoiceDecider, draft, send({ fakturadato: "x" })),
    422,
    "invoice.invalid_date",
  ],
  [
    "send: due before date",
    when(invoiceDecider, draft, send({ forfallsdato: "2025-01-01" })),
    422,
    "invoice.invalid_forfallsdato",
  ],
  [
    "send: bad seller",
    when(invoiceDecider, draft, send({ selger: { ...selger, navn: " " } })),
    422,
    "invoice.invalid_selger",
  ],
  [
    "send: no kontonummer",
    when(
      invoiceDecider,
      draft,
      send({ selger: { ...selger, kontonummer: null } }),
    ),
    422,
    "invoice.kontonummer_missing",
  ],
  [
    "pay: bad amount",
    when(invoiceDecider, open, pay("0.00")),
    422,
    "invoice.invalid_amount",
  ],
  [
    "pay: over-payment",
    when(invoiceDecider, open, pay("900.00")),
    409,
    "invoice.overpayment",
  ],
  [
    "pay: other payment under the id",
    when(invoiceDecider, paid, pay("1.00")),
    409,
    "invoice.payment_exists",
  ],
  [
    "pay: draft",
    when(invoiceDecider, draft, pay("1.00")),
    409,
    "invoice.not_sent",
  ],
  [
    "pay: paid",
    when(invoiceDecider, paid, pay("1.00", "p2")),
    409,
    "invoice.already_paid",
  ],
  [
    "pay: credited",
    when(invoiceDecider, [...open, credited], pay("1.00")),
    409,
    "invoice.closed",
  ],
  [
    "pay: credit note",
    when(invoiceDecider, note, pay("1.00")),
    422,
    "invoice.is_credit_note",
  ],
  [
    "remind: not overdue",
    when(invoiceDecider, open, remind("2025-01-24")),
    409,
    "invoice.not_overdue",
  ],
  [
    "remind: too soon",
    when(invoiceDecider, reminded(["2025-01-25"]), remind("2025-01-30")),
    409,
    "invoice.reminder_too_soon",
  ],
  [
    "remind: limit",
    when(
      invoiceDecider,
      reminded(["2025-01-25", "2025-02-08", "2025-02-22"]),
      remind("2025-03-30"),
    ),
    409,
    "invoice.reminder_limit_reached",
  ],
  [
    "remind: bad fee",
    when(invoiceDecider, open, remind("2025-02-07", "x")),
    422,
    "invoice.invalid_amount",
  ],
  [
    "cancel: sent",
    when(invoiceDecider, open, { type: "cancel", at }),
    409,
    "invoice.not_cancellable",
  ],
  [
    "cancel: credit note",
    when(invoiceDecider, note, { type: "cancel", at }),
    409,
    "invoice.credit_note_not_cancellable",
  ],
  [
    "credit note: exists",
    when(invoiceDecider, draft, {
      type: "create_credit_note",
      bedriftId: "b1",
      kunde: kundeOf({ navn: "K" }),
      original: noteRef,
      lines: [line],
      at,
    }),
    409,
    "invoice.already_drafted",
  ],
  [
    "credit note: no lines",
    when(invoiceDecider, [], {
      type: "create_credit_note",
      bedriftId: "b1",
      kunde: kundeOf({ navn: "K" }),
      original: noteRef,
      lines: [],
      at,
    }),
    422,
    "invoice.no_lines",
  ],
  [
    "credit note: edit",
    when(invoiceDecider, note, { type: "remove_line", lineId: "l1", at }),
    409,
    "invoice.not_editable",
  ],
  [
    "credit: draft",
    when(invoiceDecider, draft, credit),
    409,
    "invoice.not_sent",
  ],
  [
    "credit: cancelled",
    when(invoiceDecider, [...draft, cancelled], credit),
    409,
    "invoice.closed",
  ],
  [
    "credit: credited by another",
    when(invoiceDecider, [...open, credited], {
      ...credit,
      creditNote: { ...noteRef, invoiceId: "k2" },
    }),
    409,
    "invoice.already_credited",
  ],
  [
    "credit: credit note",
    when(invoiceDecider, note, credit),
    422,
    "invoice.is_credit_note",
  ],
  [
    "draft: bad kundenummer",
    when(invoiceDecider, [], {
      type: "draft",
      bedriftId: "b1",
      kunde: { navn: "K", kundenummer: "x" },
      at,
    }),
    422,
    "invoice.invalid_kundenummer",
  ],
  [
    "sequence: exhausted",
    when(invoiceSequenceDecider, [{
      type: "invoice_sequence.reserved",
      v: 1,
      data: { invoiceId: "a", number: MAX_SEQUENCE_NUMBER, at },
    }], { type: "reserve", invoiceId: "b", startNummer: 1, at }),
    409,
    "invoice_sequence.exhausted",
  ],
];

for (const [name, run, status, code] of cases) {
  Deno.test(`edge problem: ${name} → ${status}${code ? ` ${code}` : ""}`, async () => {
    const problem = await edge(run);
    assert.equal(problem.status, status);
    if (code) {
      assert.equal(problem.code, code);
      assert.equal(
        problem.type,
        `/problems/${code.replaceAll(".", "-").replaceAll("_", "-")}`,
      );
    } else {
      assert.equal(problem.type, "/problems/not-found");
    }
  });
}
