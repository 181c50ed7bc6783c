import assert from "node:assert/strict";
import { bedriftDecider } from "../../../actors/bedrift/decider.ts";
import { DEFAULT_INVOICE_SETTINGS } from "../../../actors/bedrift/types.ts";
import type { BedriftEvent } from "../../../actors/bedrift/events.ts";
import { DomainError, NotFoundError } from "../../../runtime/core/mod.ts";
import { deciderSpec } from "../../support/decider_spec.ts";

const spec = deciderSpec(bedriftDecider);
const at = "2026-11-22T10:00:00.000Z";
const details = {
  navn: "Oslo Trafikkskole AS",
  postnummer: "0150",
  poststed: "Oslo",
};
const registered: BedriftEvent = {
  type: "bedrift.registered",
  v: 1,
  data: { organisasjonsnummer: "923609016", details, at },
};
const suspended: BedriftEvent = {
  type: "bedrift.status_changed",
  v: 1,
  data: { from: "AKTIV", to: "SUSPENDERT", reason: "Ubetalt lisens", at },
};
const wound: BedriftEvent = {
  type: "bedrift.status_changed",
  v: 1,
  data: { from: "AKTIV", to: "AVVIKLET", reason: null, at },
};

Deno.test("register: given nothing, when register, then registered", () => {
  spec.given([]).when({
    type: "register",
    organisasjonsnummer: "923609016",
    details,
    at,
  }).then([registered]);
});

Deno.test("register: state is AKTIV with default invoice settings", () => {
  spec.given([]).when({
    type: "register",
    organisasjonsnummer: "923609016",
    details,
    at,
  })
    .thenState((state) => {
      assert.equal(state.status, "AKTIV");
      assert.equal(state.details.navn, "Oslo Trafikkskole AS");
      assert.deepEqual(state.invoiceSettings, DEFAULT_INVOICE_SETTINGS);
      assert.equal(state.invoiceSettings.forfallsdager, 14);
    });
});

Deno.test("register: twice is refused", () => {
  spec.given([registered]).when({
    type: "register",
    organisasjonsnummer: "923609016",
    details,
    at,
  }).thenThrows(DomainError, "bedrift.already_registered");
});

Deno.test("register: a wrong MOD11 check digit is refused (422)", () => {
  for (const orgnr of ["923609017", "12345678", "abcdefghi"]) {
    spec.given([]).when({
      type: "register",
      organisasjonsnummer: orgnr,
      details,
      at,
    })
      .thenThrows(DomainError, "bedrift.invalid_organisasjonsnummer");
  }
});

Deno.test("register: an empty navn or bad postnummer is refused", () => {
  spec.given([]).when({
    type: "register",
    organisasjonsnummer: "923609016",
    details: { navn: "  " },
    at,
  }).thenThrows(DomainError, "bedrift.navn_required");
  spec.given([]).when({
    type: "register",
    organisasjonsnummer: "923609016",
    details: { navn: "X", postnummer: "123" },
    at,
  }).thenThrows(DomainError, "bedrift.invalid_postnummer");
});

Deno.test("update: only changed fields are recorded", () => {
  spec.given([registered]).when({
    type: "update",
    changes: {
      navn: "Oslo Trafikkskole AS",
      poststed: "OSLO",
      telefon: "22334455",
    },
    at,
  }).then([{
    type: "bedrift.updated",
    v: 1,
    data: { changes: { poststed: "OSLO", telefon: "22334455" }, at },
  }]);
});

Deno.test("update: no change gives no event", () => {
  spec.given([registered]).when({
    type: "update",
    changes: { navn: details.navn },
    at,
  }).then(
    [],
  );
});

Deno.test("update: an unregistered bedrift is not found", () => {
  spec.given([]).when({ type: "update", changes: { navn: "X" }, at })
    .thenThrows(NotFoundError);
});

Deno.test("update: an avviklet bedrift cannot change", () => {
  spec.given([registered, wound]).when({
    type: "update",
    changes: { navn: "Y" },
    at,
  })
    .thenThrows(DomainError, "bedrift.avviklet");
});

Deno.test("status: AKTIV → SUSPENDERT → AKTIV → AVVIKLET", () => {
  spec.given([registered]).when({
    type: "change_status",
    status: "SUSPENDERT",
    reason: "Ubetalt lisens",
    at,
  }).then([suspended]);
  spec.given([registered, suspended]).when({
    type: "change_status",
    status: "AKTIV",
    at,
  })
    .thenState((state) => assert.equal(state.status, "AKTIV"));
  spec.given([registered, suspended]).when({
    type: "change_status",
    status: "AVVIKLET",
    at,
  })
    .thenState((state) => assert.equal(state.status, "AVVIKLET"));
});

Deno.test("status: AVVIKLET is terminal", () => {
  for (const status of ["AKTIV", "SUSPENDERT"] as const) {
    spec.given([registered, wound]).when({ type: "change_status", status, at })
      .thenThrows(DomainError, "bedrift.invalid_status_transition");
  }
});

Deno.test("status: the same status is a no-op", () => {
  spec.given([registered]).when({ type: "change_status", status: "AKTIV", at })
    .then([]);
});

Deno.test("status: an unregistered bedrift is not found", () => {
  spec.given([]).when({ type: "change_status", status: "AKTIV", at })
    .thenThrows(NotFoundError);
});

Deno.test("invoice settings: valid changes are recorded and applied", () => {
  spec.given([registered]).when({
    type: "change_invoice_settings",
    changes: {
      fakturaPrefix: "OT-",
      kontonummer: "86011117947",
      forfallsdager: 10,
    },
    at,
  }).thenState((state, events) => {
    assert.equal(events[0].type, "bedrift.invoice_settings_changed");
    assert.equal(state.invoiceSettings.fakturaPrefix, "OT-");
    assert.equal(state.invoiceSettings.kontonummer, "86011117947");
    assert.equal(state.invoiceSettings.forfallsdager, 10);
    assert.equal(state.invoiceSettings.kidAlgoritme, "MOD10");
  });
});

Deno.test("invoice settings: bad kontonummer, forfallsdager, start number or fee are refused", () => {
  const cases = [
    [{ kontonummer: "86011117948" }, "bedrift.invalid_kontonummer"],
    [{ kontonummer: "8601111794" }, "bedrift.invalid_kontonummer"],
    [{ forfallsdager: -1 }, "bedrift.invalid_forfallsdager"],
    [{ forfallsdager: 1.5 }, "bedrift.invalid_forfallsdager"],
    [{ fakturaStartNummer: 0 }, "bedrift.invalid_faktura_start_nummer"],
    [{ purregebyr: "35" }, "bedrift.invalid_purregebyr"],
  ] as const;
  for (const [changes, code] of cases) {
    spec.given([registered]).when({
      type: "change_invoice_settings",
      changes,
      at,
    })
      .thenThrows(DomainError, code);
  }
});

Deno.test("invoice settings: an avviklet bedrift cannot change them", () => {
  spec.given([registered, wound]).when({
    type: "change_invoice_settings",
    changes: { forfallsdager: 30 },
    at,
  }).thenThrows(DomainError, "bedrift.avviklet");
});
