import assert from "node:assert/strict";
import { invoiceBalance } from "../../../actors/invoice/balance.ts";
import { DEFAULT_RATES } from "../../../actors/invoice/dated_rates.ts";
import { invoiceDecider } from "../../../actors/invoice/decider.ts";
import { invoiceEvent } from "../../../actors/invoice/events.ts";
import { invoiceKid } from "../../../actors/invoice/kid.ts";
import { kundeOf } from "../../../actors/invoice/kunde.ts";
import type { InvoiceEvent } from "../../../actors/invoice/events.ts";
import type {
  InvoiceCommand,
  InvoiceLine,
  KundeInput,
  Selger,
} from "../../../actors/invoice/types.ts";
import { isKid } from "../../../actors/validators/mod.ts";
import { DomainError, NotFoundError } from "../../../runtime/core/mod.ts";
import { deciderSpec } from "../../support/decider_spec.ts";

// Each rule violation's code; at the edge a DomainError becomes
// `/problems/<code with - for . and _>` with its status (409 unless noted 422),
// NotFoundError a 404 (asserted in invoice_routes_test.ts).

const spec = deciderSpec(invoiceDecider);
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
const selger: Selger = {
  navn: "Oslo Trafikkskole AS",
  organisasjonsnummer: "923609016",
  mvaRegistrert: true,
  kontonummer: "86011117947",
  adresse: null,
  postnummer: "0150",
  poststed: "Oslo",
};
const drafted = (kunde: KundeInput = { navn: "Kari" }): InvoiceEvent =>
  invoiceEvent("invoice.drafted", {
    bedriftId: "b1",
    kunde: kundeOf(kunde),
    at,
  });
const lineAdded: InvoiceEvent = {
  type: "invoice.line_added",
  v: 1,
  data: { line, at },
};
const kid1 = invoiceKid(null, 1, "MOD10");
const sendCommand = (
  overrides: Partial<Extract<InvoiceCommand, { type: "send" }>> = {},
): InvoiceCommand => ({
  type: "send",
  number: 1,
  fakturanummer: "F-1",
  kid: kid1,
  kidAlgoritme: "MOD10",
  fakturadato: "2025-01-10",
  forfallsdato: "2025-01-24",
  selger,
  at,
  ...overrides,
});
const sent: InvoiceEvent = {
  type: "invoice.sent",
  v: 1,
  data: {
    kind: "FAKTURA",
    number: 1,
    fakturanummer: "F-1",
    kid: kid1,
    kidAlgoritme: "MOD10",
    fakturadato: "2025-01-10",
    forfallsdato: "2025-01-24",
    selger,
    totals: {
      netto: "650.00",
      mva: "162.50",
      brutto: "812.50",
      perSats: [{ mvaSats: 25, grunnlag: "650.00", mva: "162.50" }],
    },
    at,
  },
};
const draft = [drafted(), lineAdded];
const open = [...draft, sent];
const pay = (
  amount: string,
  paymentId = `p-${amount}`,
  paidOn = "2025-01-20",
): InvoiceCommand => ({
  type: "register_payment",
  paymentId,
  amount,
  paidOn,
  at,
});
const paymentRegistered = (
  amount: string,
  utestaende: string,
  paymentId = `p-${amount}`,
): InvoiceEvent => ({
  type: "invoice.payment_registered",
  v: 1,
  data: {
    paymentId,
    amount,
    paidOn: "2025-01-20",
    reference: null,
    utestaende,
    at,
  },
});
const remind = (
  on: string,
  purregebyr = "70.00",
  gebyrTak: string | null = "35.00",
): InvoiceCommand => ({
  type: "remind",
  on,
  purregebyr,
  gebyrTak,
  renteSatser: DEFAULT_RATES.forsinkelsesrente,
  at,
});
const cancelled: InvoiceEvent = {
  type: "invoice.cancelled",
  v: 1,
  data: { reason: null, at },
};
const noteRef = { invoiceId: "k1", number: 2, fakturanummer: "F-2" };
const credited: InvoiceEvent = {
  type: "invoice.credited",
  v: 1,
  data: { creditNote: noteRef, amount: "812.50", reason: null, at },
};
const original = { invoiceId: "i1", number: 1, fakturanummer: "F-1" };
const createNote: InvoiceCommand = {
  type: "create_credit_note",
  bedriftId: "b1",
  kunde: kundeOf({ navn: "Kari" }),
  original,
  lines: [line],
  at,
};
const noteDrafted: InvoiceEvent = invoiceEvent("invoice.drafted", {
  bedriftId: "b1",
  kunde: kundeOf({ navn: "Kari" }),
  at,
  kreditnotaFor: original,
});
const noteLine: InvoiceEvent = {
  type: "invoice.line_added",
  v: 1,
  data: {
    line: {
      ...line,
      antall: "-1",
      netto: "-650.00",
      mva: "-162.50",
      brutto: "-812.50",
    },
    at,
  },
};

Deno.test("send: a draft with lines is sent with number, KID, dates and seller", () => {
  spec.given(draft).when(sendCommand()).then([sent]);
  spec.given(draft).when(sendCommand()).thenState((s) => {
    assert.equal(s.status, "SENDT");
    assert.equal(s.sent?.fakturanummer, "F-1");
    assert.equal(s.sent?.forfallsdato, "2025-01-24");
    assert.equal(s.sent?.sentAt, at);
    assert.ok(isKid(s.sent!.kid!, "MOD10"));
  });
});

Deno.test("send: repeating the send with the same number is a no-op", () => {
  spec.given(open).when(sendCommand()).then([]);
});

Deno.test("send: rule violations", () => {
  spec.given([drafted()]).when(sendCommand()).thenThrows(
    DomainError,
    "invoice.no_lines",
  );
  spec.given([...draft, cancelled]).when(sendCommand()).thenThrows(
    DomainError,
    "invoice.not_draft",
  );
  spec.given(open).when(sendCommand({ number: 2, fakturanummer: "F-2" }))
    .thenThrows(DomainError, "invoice.not_draft");
  spec.given([]).when(sendCommand()).thenThrows(NotFoundError);
  const invalid: [
    Partial<Extract<InvoiceCommand, { type: "send" }>>,
    string,
  ][] = [
    [{ number: 0, fakturanummer: "F-0" }, "invoice.invalid_number"],
    [{ fakturanummer: "F-7" }, "invoice.invalid_fakturanummer"],
    [{ kid: "123" }, "invoice.invalid_kid"],
    [{ kid: null }, "invoice.invalid_kid"],
    // deno-lint-ignore no-explicit-any
    [{ kidAlgoritme: "MOD12" as any }, "invoice.invalid_kid"],
    [{ fakturadato: "2025-02-30" }, "invoice.invalid_date"],
    [{ forfallsdato: "2025-01-09" }, "invoice.invalid_forfallsdato"],
    [
      { selger: { ...selger, organisasjonsnummer: "923609017" } },
      "invoice.invalid_selger",
    ],
    [
      { selger: { ...selger, kontonummer: "86011117948" } },
      "invoice.invalid_selger",
    ],
    [
      { selger: { ...selger, kontonummer: null } },
      "invoice.kontonummer_missing",
    ],
  ];
  for (const [overrides, code] of invalid) {
    spec.given(draft).when(sendCommand(overrides)).thenThrows(
      DomainError,
      code,
    );
  }
});

Deno.test("payment: a part makes DELVIS_BETALT, the rest makes BETALT", () => {
  spec.given(open).when(pay("300.00")).thenState((s, events) => {
    assert.deepEqual(events, [paymentRegistered("300.00", "512.50")]);
    assert.equal(s.status, "DELVIS_BETALT");
    assert.equal(invoiceBalance(s).utestaende, "512.50");
  });
  spec.given([...open, paymentRegistered("300.00", "512.50")]).when(
    pay("512.50"),
  ).thenState((s, events) => {
    assert.deepEqual(events, [
      paymentRegistered("512.50", "0.00"),
      {
        type: "invoice.paid",
        v: 1,
        data: { paidOn: "2025-01-20", betalt: "812.50", at },
      },
    ]);
    assert.equal(s.status, "BETALT");
    assert.equal(s.paidOn, "2025-01-20");
  });
  spec.given(open).when(pay("812.5")).thenState((s) =>
    assert.equal(s.status, "BETALT")
  );
});

Deno.test("payment: over-payment is refused, nothing is recorded", () => {
  spec.given(open).when(pay("812.51")).thenThrows(
    DomainError,
    "invoice.overpayment",
  );
  spec.given([...open, paymentRegistered("800.00", "12.50")]).when(
    pay("20.00"),
  ).thenThrows(DomainError, "invoice.overpayment");
});

Deno.test("payment: the same payment id is a no-op, another amount under it is refused", () => {
  const given = [...open, paymentRegistered("300.00", "512.50", "p1")];
  spec.given(given).when(pay("300.00", "p1")).then([]);
  spec.given(given).when(pay("300", "p1")).then([]);
  spec.given(given).when(pay("200.00", "p1")).thenThrows(
    DomainError,
    "invoice.payment_exists",
  );
});

Deno.test("payment: bad amounts and dates (422), wrong states (409), credit notes (422)", () => {
  for (const amount of ["0", "0.00", "-5.00", "1.001", "abc"]) {
    spec.given(open).when(pay(amount)).thenThrows(
      DomainError,
      "invoice.invalid_amount",
    );
  }
  spec.given(open).when(pay("10.00", "p", "2025-13-01")).thenThrows(
    DomainError,
    "invoice.invalid_date",
  );
  spec.given(draft).when(pay("10.00")).thenThrows(
    DomainError,
    "invoice.not_sent",
  );
  const paid = [...open, paymentRegistered("812.50", "0.00"), {
    type: "invoice.paid",
    v: 1,
    data: { paidOn: "2025-01-20", betalt: "812.50", at },
  } as InvoiceEvent];
  spec.given(paid).when(pay("1.00")).thenThrows(
    DomainError,
    "invoice.already_paid",
  );
  spec.given([...draft, cancelled]).when(pay("1.00")).thenThrows(
    DomainError,
    "invoice.closed",
  );
  spec.given([...open, credited]).when(pay("1.00")).thenThrows(
    DomainError,
    "invoice.closed",
  );
  spec.given([noteDrafted, noteLine]).when(pay("1.00")).thenThrows(
    DomainError,
    "invoice.is_credit_note",
  );
  spec.given([]).when(pay("1.00")).thenThrows(NotFoundError);
});

Deno.test("remind: only after the due date; the first step within 14 days has no fee", () => {
  spec.given(open).when(remind("2025-01-24")).thenThrows(
    DomainError,
    "invoice.not_overdue",
  );
  spec.given(open).when(remind("2025-01-25")).thenState((s, events) => {
    assert.deepEqual(events, [{
      type: "invoice.reminded",
      v: 1,
      data: {
        step: 1,
        on: "2025-01-25",
        gebyr: "0.00",
        rente: "0.28", // 812.50 × 12.50 % × 1/365
        renteFra: "2025-01-24",
        utestaende: "812.78",
        at,
      },
    }]);
    assert.equal(s.status, "PURRET");
  });
});

Deno.test("remind: the fee from 14 days after due, capped for consumers, not for companies", () => {
  spec.given(open).when(remind("2025-02-07")).thenState((_, [event]) => {
    assert.equal(event.type, "invoice.reminded");
    if (event.type !== "invoice.reminded") return;
    assert.equal(event.data.gebyr, "35.00");
    assert.equal(event.data.rente, "3.90"); // 812.50 × 12.5 % × 14 / 365
  });
  const company = [
    drafted({ navn: "Bil AS", organisasjonsnummer: "974760673" }),
    lineAdded,
    sent,
  ];
  spec.given(company).when(remind("2025-02-07")).thenState((s) => {
    assert.equal(s.reminders[0].gebyr, "70.00");
    assert.equal(invoiceBalance(s).gebyrer, "70.00");
  });
  // No cap configured for the date: the bedrift's fee.
  spec.given(open).when(remind("2025-02-07", "50.00", null)).thenState((s) =>
    assert.equal(s.reminders[0].gebyr, "50.00")
  );
});

Deno.test("remind: 14 days between steps, at most two fees, at most three reminders", () => {
  const run = (dates: string[]) => {
    let events: InvoiceEvent[] = [...open];
    for (const on of dates) {
      const state = events.reduce(
        invoiceDecider.evolve,
        invoiceDecider.initialState,
      );
      events = [...events, ...invoiceDecider.decide(remind(on), state)];
    }
    return events;
  };
  const three = run(["2025-01-25", "2025-02-08", "2025-02-22"]);
  spec.given(run(["2025-01-25"])).when(remind("2025-02-07")).thenThrows(
    DomainError,
    "invoice.reminder_too_soon",
  );
  spec.given(three).when(remind("2025-03-30")).thenThrows(
    DomainError,
    "invoice.reminder_limit_reached",
  );
  const s = three.reduce(invoiceDecider.evolve, invoiceDecider.initialState);
  assert.deepEqual(s.reminders.map((r) => r.gebyr), ["0.00", "35.00", "35.00"]);
  assert.deepEqual(s.reminders.map((r) => r.renteFra), [
    "2025-01-24",
    "2025-01-25",
    "2025-02-08",
  ]);
  const fees = run(["2025-02-07", "2025-02-21", "2025-03-07"]).reduce(
    invoiceDecider.evolve,
    invoiceDecider.initialState,
  );
  assert.deepEqual(fees.reminders.map((r) => r.gebyr), [
    "35.00",
    "35.00",
    "0.00",
  ]);
});

Deno.test("remind: a partly paid invoice stays DELVIS_BETALT; interest on the unpaid part", () => {
  spec.given([...open, paymentRegistered("412.50", "400.00")]).when(
    remind("2025-02-07"),
  ).thenState((s) => {
    assert.equal(s.status, "DELVIS_BETALT");
    assert.equal(s.reminders[0].rente, "1.92"); // 400 × 12.5 % × 14 / 365
    assert.equal(invoiceBalance(s).utestaende, "436.92");
  });
});

Deno.test("remind: wrong states and bad input", () => {
  spec.given(draft).when(remind("2025-02-07")).thenThrows(
    DomainError,
    "invoice.not_sent",
  );
  spec.given([...open, credited]).when(remind("2025-02-07")).thenThrows(
    DomainError,
    "invoice.closed",
  );
  spec.given([noteDrafted, noteLine]).when(remind("2025-02-07")).thenThrows(
    DomainError,
    "invoice.is_credit_note",
  );
  spec.given(open).when(remind("2025-02-07", "-1.00")).thenThrows(
    DomainError,
    "invoice.invalid_amount",
  );
  spec.given(open).when(remind("07.02.2025")).thenThrows(
    DomainError,
    "invoice.invalid_date",
  );
  spec.given([]).when(remind("2025-02-07")).thenThrows(NotFoundError);
});

Deno.test("cancel: a draft becomes KANSELLERT; again is a no-op; a sent invoice is credited instead", () => {
  spec.given(draft).when({ type: "cancel", reason: " Feil kunde ", at })
    .thenState((s, events) => {
      assert.deepEqual(events, [{
        type: "invoice.cancelled",
        v: 1,
        data: { reason: "Feil kunde", at },
      }]);
      assert.equal(s.status, "KANSELLERT");
    });
  spec.given([...draft, cancelled]).when({ type: "cancel", at }).then([]);
  spec.given(open).when({ type: "cancel", at }).thenThrows(
    DomainError,
    "invoice.not_cancellable",
  );
  spec.given([noteDrafted, noteLine]).when({ type: "cancel", at }).thenThrows(
    DomainError,
    "invoice.credit_note_not_cancellable",
  );
  spec.given([]).when({ type: "cancel", at }).thenThrows(NotFoundError);
});

Deno.test("credit note: drafted with the original's lines negated and a reference to it", () => {
  spec.given([]).when(createNote).then([noteDrafted, noteLine]);
  spec.given([]).when(createNote).thenState((s) => {
    assert.equal(s.kind, "KREDITNOTA");
    assert.deepEqual(s.kreditnotaFor, original);
    assert.equal(s.totals.brutto, "-812.50");
    assert.deepEqual(s.totals.perSats, [
      { mvaSats: 25, grunnlag: "-650.00", mva: "-162.50" },
    ]);
  });
  spec.given([noteDrafted, noteLine]).when(createNote).then([]);
  spec.given(draft).when(createNote).thenThrows(
    DomainError,
    "invoice.already_drafted",
  );
  spec.given([]).when({ ...createNote, lines: [] } as InvoiceCommand)
    .thenThrows(DomainError, "invoice.no_lines");
});

Deno.test("credit note: its lines are fixed, it is sent without KID", () => {
  spec.given([noteDrafted, noteLine]).when({
    type: "add_line",
    lineId: "x",
    beskrivelse: "Ekstra",
    antall: "1",
    enhetspris: "1.00",
    mvaSats: 25,
    at,
  }).thenThrows(DomainError, "invoice.not_editable");
  spec.given([noteDrafted, noteLine]).when({
    type: "remove_line",
    lineId: "l1",
    at,
  }).thenThrows(DomainError, "invoice.not_editable");
  spec.given([noteDrafted, noteLine]).when(
    sendCommand({
      number: 2,
      fakturanummer: "F-2",
      kid: null,
      forfallsdato: "2025-01-10",
      selger: { ...selger, kontonummer: null },
    }),
  ).thenState((s, [event]) => {
    assert.equal(s.status, "SENDT");
    assert.equal(s.sent?.kid, null);
    assert.equal(
      event.type === "invoice.sent" && event.data.kind,
      "KREDITNOTA",
    );
  });
  spec.given([noteDrafted, noteLine]).when(
    sendCommand({ number: 2, fakturanummer: "F-2" }),
  ).thenThrows(DomainError, "invoice.invalid_kid");
});

Deno.test("credit: a sent (or paid) invoice becomes KREDITERT; again with the same note is a no-op", () => {
  const credit: InvoiceCommand = { type: "credit", creditNote: noteRef, at };
  spec.given(open).when(credit).thenState((s, events) => {
    assert.deepEqual(events, [credited]);
    assert.equal(s.status, "KREDITERT");
    assert.deepEqual(s.kreditertAv, { ...noteRef, reason: null, at });
  });
  spec.given([...open, paymentRegistered("812.50", "0.00")]).when(credit)
    .thenState((s) => assert.equal(s.status, "KREDITERT"));
  spec.given([...open, credited]).when(credit).then([]);
});

Deno.test("credit: rule violations", () => {
  const credit: InvoiceCommand = { type: "credit", creditNote: noteRef, at };
  spec.given(draft).when(credit).thenThrows(DomainError, "invoice.not_sent");
  spec.given([...draft, cancelled]).when(credit).thenThrows(
    DomainError,
    "invoice.closed",
  );
  spec.given([...open, credited]).when({
    ...credit,
    creditNote: { ...noteRef, invoiceId: "k2" },
  }).thenThrows(DomainError, "invoice.already_credited");
  spec.given([noteDrafted, noteLine]).when(credit).thenThrows(
    DomainError,
    "invoice.is_credit_note",
  );
  spec.given([]).when(credit).thenThrows(NotFoundError);
});

Deno.test("draft: a kundenummer must be digits", () => {
  spec.given([]).when({
    type: "draft",
    bedriftId: "b1",
    kunde: { navn: "Kari", kundenummer: "12a" },
    at,
  }).thenThrows(DomainError, "invoice.invalid_kundenummer");
});
