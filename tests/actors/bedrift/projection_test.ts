import {
  bedrifterProjection,
  bedriftEvent,
} from "../../../actors/bedrift/mod.ts";
import { Feed, projectionSpec } from "../../support/mod.ts";

const spec = projectionSpec(bedrifterProjection);
const at = "2026-11-22T10:00:00.000Z";
const SELECT = `SELECT id, navn, navn_sort, status, status_reason, postnummer,
  faktura_prefix, kontonummer, purregebyr::text, mva_registrert, version, position
  FROM bedrifter ORDER BY id`;

const registered = (navn: string) =>
  bedriftEvent("bedrift.registered", {
    organisasjonsnummer: "923609016",
    details: { navn, postnummer: "0150" },
    at,
  });

Deno.test("bedrifter projection: given a registration, then one AKTIV row with the default invoice settings", async () => {
  const feed = new Feed();
  await spec.given([feed.commit("bedrift", "b1", [registered("Øst AS")])])
    .thenRows(SELECT, [{
      id: "b1",
      navn: "Øst AS",
      navn_sort: "|st as",
      status: "AKTIV",
      status_reason: null,
      postnummer: "0150",
      faktura_prefix: "",
      kontonummer: null,
      purregebyr: "0.00",
      mva_registrert: false,
      version: 1,
      position: 1,
    }]);
});

Deno.test("bedrifter projection: given changes across batches, then the row holds the latest of each field", async () => {
  const feed = new Feed();
  const first = [
    feed.commit("bedrift", "b1", [registered("Alfa AS")]),
    feed.commit("bedrift", "b2", [registered("Beta AS")]),
  ];
  const second = [
    feed.commit("bedrift", "b1", [
      bedriftEvent("bedrift.updated", { changes: { navn: "Ål AS" }, at }),
    ]),
    feed.commit("bedrift", "b1", [
      bedriftEvent("bedrift.invoice_settings_changed", {
        changes: {
          fakturaPrefix: "F-",
          kontonummer: "12345678903",
          purregebyr: "35.00",
          mvaRegistrert: true,
        },
        at,
      }),
    ]),
    feed.commit("bedrift", "b2", [
      bedriftEvent("bedrift.status_changed", {
        from: "AKTIV",
        to: "SUSPENDERT",
        reason: "Ubetalt lisens",
        at,
      }),
    ]),
  ];
  await spec.given(first, second).thenRows(SELECT, [{
    id: "b1",
    navn: "Ål AS",
    navn_sort: "}l as",
    status: "AKTIV",
    status_reason: null,
    postnummer: "0150",
    faktura_prefix: "F-",
    kontonummer: "12345678903",
    purregebyr: "35.00",
    mva_registrert: true,
    version: 3,
    position: 4,
  }, {
    id: "b2",
    navn: "Beta AS",
    navn_sort: "beta as",
    status: "SUSPENDERT",
    status_reason: "Ubetalt lisens",
    postnummer: "0150",
    faktura_prefix: "",
    kontonummer: null,
    purregebyr: "0.00",
    mva_registrert: false,
    version: 2,
    position: 5,
  }]);
});

Deno.test("bedrifter projection: a batch applied twice leaves the same rows", async () => {
  const feed = new Feed();
  await spec.given([
    feed.commit("bedrift", "b1", [registered("Alfa AS")]),
    feed.commit("bedrift", "b1", [
      bedriftEvent("bedrift.updated", { changes: { navn: "Alfa 2 AS" }, at }),
    ]),
  ]).thenIdempotent(SELECT);
});
