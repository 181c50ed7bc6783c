import assert from "node:assert/strict";
import { expenseDecider } from "../../../actors/expense/decider.ts";
import { expenseEvent } from "../../../actors/expense/events.ts";
import type { ExpenseEvent } from "../../../actors/expense/events.ts";
import type { ExpenseCommand } from "../../../actors/expense/types.ts";
import { DomainError, NotFoundError } from "../../../runtime/core/mod.ts";
import { deciderSpec } from "../../support/decider_spec.ts";

const spec = deciderSpec(expenseDecider);
const at = "2025-03-10T09:00:00.000Z";
const later = "2025-03-12T09:00:00.000Z";

const register = (
  overrides: Partial<Extract<ExpenseCommand, { type: "register" }>> = {},
): ExpenseCommand => ({
  type: "register",
  bedriftId: "b1",
  leverandor: {
    navn: " Circle K Majorstuen ",
    organisasjonsnummer: "923609016",
  },
  dato: "2025-03-08",
  belop: "800.00",
  mvaSats: 25,
  kategori: "DRIVSTOFF",
  beskrivelse: "Diesel, EL12345",
  by: "u-okonomi",
  at,
  ...overrides,
});

const registered = expenseEvent("expense.registered", {
  bedriftId: "b1",
  leverandor: { navn: "Circle K Majorstuen", organisasjonsnummer: "923609016" },
  dato: "2025-03-08",
  belop: "800.00",
  mvaSats: 25,
  mva: "200.00",
  brutto: "1000.00",
  kategori: "DRIVSTOFF",
  konto: "7000",
  beskrivelse: "Diesel, EL12345",
  registeredBy: "u-okonomi",
  at,
});

const approval = {
  bedriftId: "b1",
  kategori: "DRIVSTOFF" as const,
  konto: "7000",
  dato: "2025-03-08",
  belop: "800.00",
  mvaSats: 25 as const,
  mva: "200.00",
  brutto: "1000.00",
};
const approved = expenseEvent("expense.approved", {
  ...approval,
  mvaRegistrert: true,
  inngaendeMva: "200.00",
  kostnad: "800.00",
  approvedBy: "u-hb",
  at: later,
});
const paid = expenseEvent("expense.paid", {
  paidOn: "2025-03-20",
  amount: "1000.00",
  paidBy: "u-okonomi",
  at: later,
});
const rejected: ExpenseEvent = expenseEvent("expense.rejected", {
  reason: "Privat kjøring",
  rejectedBy: "u-hb",
  withdrawn: null,
  at: later,
});

Deno.test("expense register: given nothing, when register, then registered with MVA and gross rounded to øre, booked to the category's account", () => {
  spec.given([]).when(register()).then([registered]);
  spec.given([]).when(
    register({ belop: "99.99", mvaSats: 15, kategori: "KONTOR" }),
  )
    .thenState((state, events) => {
      const data = (events[0] as typeof registered).data;
      assert.equal(data.mva, "15.00"); // 14.9985 half up
      assert.equal(data.brutto, "114.99");
      assert.equal(data.konto, "6800");
      assert.equal(state.status, "REGISTRERT");
    });
});

Deno.test("expense register: an empty supplier, a bad organisasjonsnummer, amount, rate, category or date is refused (422)", () => {
  const cases: [
    Partial<Extract<ExpenseCommand, { type: "register" }>>,
    string,
  ][] = [
    [{ leverandor: { navn: "  " } }, "expense.leverandor_navn_required"],
    [
      { leverandor: { navn: "X", organisasjonsnummer: "923609017" } },
      "expense.invalid_leverandor_organisasjonsnummer",
    ],
    [{ belop: "0.00" }, "expense.invalid_amount"],
    [{ belop: "-5.00" }, "expense.invalid_amount"],
    [{ belop: "1.005" }, "expense.invalid_amount"],
    [{ mvaSats: 24 }, "expense.invalid_mva_sats"],
    [{ kategori: "REISE" }, "expense.invalid_kategori"],
    [{ dato: "2025-02-30" }, "expense.invalid_date"],
    [{ dato: "2025-03-11" }, "expense.dato_in_future"],
  ];
  for (const [overrides, code] of cases) {
    spec.given([]).when(register(overrides)).thenThrows(DomainError, code);
  }
});

Deno.test("expense register: twice is refused (409)", () => {
  spec.given([registered]).when(register()).thenThrows(
    DomainError,
    "expense.already_registered",
  );
});

Deno.test("expense approve: an MVA-registered bedrift deducts the input MVA; the cost is the amount excl. MVA", () => {
  spec.given([registered]).when({
    type: "approve",
    mvaRegistrert: true,
    by: "u-hb",
    at: later,
  }).then([approved]);
});

Deno.test("expense approve: without MVA registration the MVA is part of the cost", () => {
  spec.given([registered]).when({
    type: "approve",
    mvaRegistrert: false,
    by: "u-hb",
    at: later,
  }).then([expenseEvent("expense.approved", {
    ...approval,
    mvaRegistrert: false,
    inngaendeMva: "0.00",
    kostnad: "1000.00",
    approvedBy: "u-hb",
    at: later,
  })]);
});

Deno.test("expense approve: only a registered expense; a missing one is 404", () => {
  const approve: ExpenseCommand = { type: "approve", mvaRegistrert: true, at };
  spec.given([]).when(approve).thenThrows(NotFoundError);
  spec.given([registered, approved]).when(approve).thenThrows(
    DomainError,
    "expense.already_approved",
  );
  spec.given([registered, rejected]).when(approve).thenThrows(
    DomainError,
    "expense.rejected",
  );
  spec.given([registered, approved, paid]).when(approve).thenThrows(
    DomainError,
    "expense.already_paid",
  );
});

Deno.test("expense pay: an approved expense is paid in full on its day", () => {
  spec.given([registered, approved]).when({
    type: "pay",
    paidOn: "2025-03-20",
    by: "u-okonomi",
    at: later,
  }).thenState((state, events) => {
    assert.deepEqual(events, [paid]);
    assert.equal(state.status, "BETALT");
    assert.equal(state.paid?.paidOn, "2025-03-20");
  });
});

Deno.test("expense pay: not before approval, not twice, not a bad date", () => {
  const pay: ExpenseCommand = { type: "pay", paidOn: "2025-03-20", at };
  spec.given([registered]).when(pay).thenThrows(
    DomainError,
    "expense.not_approved",
  );
  spec.given([registered, approved, paid]).when(pay).thenThrows(
    DomainError,
    "expense.already_paid",
  );
  spec.given([registered, rejected]).when(pay).thenThrows(
    DomainError,
    "expense.rejected",
  );
  spec.given([registered, approved]).when({ ...pay, paidOn: "20.03.2025" })
    .thenThrows(DomainError, "expense.invalid_date");
});

Deno.test("expense reject: a registered expense is rejected with nothing to withdraw", () => {
  spec.given([registered]).when({
    type: "reject",
    reason: " Privat kjøring ",
    by: "u-hb",
    at: later,
  }).then([rejected]);
});

Deno.test("expense reject: an approved, unpaid expense is rejected and its approval withdrawn", () => {
  spec.given([registered, approved]).when({
    type: "reject",
    by: "u-hb",
    at: later,
  }).thenState((state, events) => {
    assert.deepEqual(events, [expenseEvent("expense.rejected", {
      reason: null,
      rejectedBy: "u-hb",
      withdrawn: {
        ...approval,
        mvaRegistrert: true,
        inngaendeMva: "200.00",
        kostnad: "800.00",
      },
      at: later,
    })]);
    assert.equal(state.status, "AVVIST");
  });
});

Deno.test("expense reject: a paid or rejected expense is not rejected", () => {
  const reject: ExpenseCommand = { type: "reject", at };
  spec.given([registered, approved, paid]).when(reject).thenThrows(
    DomainError,
    "expense.already_paid",
  );
  spec.given([registered, rejected]).when(reject).thenThrows(
    DomainError,
    "expense.rejected",
  );
});

Deno.test("expense receipt: attached once; the same file again changes nothing; another is refused", () => {
  const receipt = {
    fileId: "f1",
    contentType: "application/pdf",
    size: 1234,
    sha256: "ab".repeat(32),
  };
  const attached = expenseEvent("expense.receipt_attached", {
    ...receipt,
    at,
  });
  spec.given([registered]).when({ type: "attach_receipt", receipt, at })
    .then([attached]);
  spec.given([registered, approved, paid]).when({
    type: "attach_receipt",
    receipt,
    at,
  }).then([attached]);
  spec.given([registered, attached]).when({
    type: "attach_receipt",
    receipt,
    at,
  }).then([]);
  spec.given([registered, attached]).when({
    type: "attach_receipt",
    receipt: { ...receipt, fileId: "f2" },
    at,
  }).thenThrows(DomainError, "expense.receipt_exists");
  spec.given([registered, rejected]).when({
    type: "attach_receipt",
    receipt,
    at,
  }).thenThrows(DomainError, "expense.rejected");
});
