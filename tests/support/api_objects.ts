/**
 * One of each kind of object, made through the API as the ADMIN of an
 * `apiEdge`: two bedrifter (A with invoice settings), an employee, a draft
 * invoice with a line, a kontroll template (a checkbox and a photo point), a
 * kontroll with a photo, and an OKONOMI user of A — for tests that need
 * real ids in paths and bodies.
 */
import assert from "node:assert/strict";
import type { ApiEdge } from "./api_edge.ts";
import { TEST_PASSWORD } from "./auth.ts";
import { KONTONUMMER } from "./domain_app.ts";
import { jpegPhoto } from "./http.ts";

/** Makes the objects; their ids. */
export async function apiObjects(e: ApiEdge) {
  const id = async (path: string, body: unknown) =>
    (await e.ok("POST", path, body)).body.id as string;
  const bedrift = (organisasjonsnummer: string) =>
    id("/api/v2/bedrifter", { organisasjonsnummer, navn: "Skole" });
  const A = await bedrift("923609016");
  const B = await bedrift("915933149");
  await e.ok("PUT", `/api/v2/bedrifter/${A}/invoice-settings`, {
    kontonummer: KONTONUMMER,
  });
  const employee = await id("/api/v2/employees", {
    bedriftId: A,
    ansattnummer: "E1",
    role: "TRAFIKKLARER",
    fornavn: "Ola",
    etternavn: "Nordmann",
    epost: "ola@example.no",
    stillingsprosent: 100,
    startDate: "2025-01-01",
  });
  const invoice = await id("/api/v2/invoices", {
    bedriftId: A,
    kunde: { navn: "Kari" },
  });
  const line = await e.ok("POST", `/api/v2/invoices/${invoice}/lines`, {
    beskrivelse: "Kjøretime",
    antall: 1,
    enhetspris: { amount: "650.00", currency: "NOK" },
    mvaSats: 25,
  });
  const point = { kind: "VISUELL", licenceClass: "B" };
  const mal = await id("/api/v2/kontroll-maler", {
    bedriftId: A,
    navn: "Mal",
    sjekkpunkter: [
      { ...point, id: "lys", tittel: "Lys", answerType: "CHECKBOX" },
      { ...point, id: "foto", tittel: "Foto", answerType: "PHOTO" },
    ],
  });
  const kontroll = await id("/api/v2/kontroller", {
    malId: mal,
    registreringsnummer: "EL12345",
    instructorId: employee,
  });
  const photo = await e.app.request(
    `/api/v2/kontroller/${kontroll}/photos?pointId=foto`,
    {
      method: "POST",
      headers: {
        authorization: `Bearer ${e.admin}`,
        "content-type": "image/jpeg",
      },
      body: jpegPhoto(64),
    },
  );
  assert.equal(photo.status, 201);
  const user = await id("/api/v2/users", {
    email: "okonomi@a.no",
    password: TEST_PASSWORD,
    role: "OKONOMI",
    bedriftId: A,
  });
  return {
    A,
    B,
    employee,
    invoice,
    lineId: line.body.lines[0].lineId as string,
    mal,
    kontroll,
    fileId: (await photo.json()).photo.id as string,
    user,
  };
}
