import { kontrollMalDecider } from "../../../actors/kontroll_mal/decider.ts";
import { kontrollMalerProjection } from "../../../actors/kontroll_mal/projection.ts";
import type { KontrollMalCommand } from "../../../actors/kontroll_mal/types.ts";
import { Feed, projectionSpec } from "../../support/mod.ts";
import { history } from "../../support/history.ts";

const spec = projectionSpec(kontrollMalerProjection);
const AT = "2025-03-03T08:00:00.000Z";
const point = (id: string, required: boolean, licenceClass: "B" | "BE") => ({
  id,
  tittel: `Punkt ${id}`,
  beskrivelse: "",
  kind: "VISUELL" as const,
  answerType: "CHECKBOX" as const,
  required,
  signedOffBy: "LAERER" as const,
  licenceClass,
});
const commands: KontrollMalCommand[] = [
  {
    type: "create",
    id: "m1",
    bedriftId: "b1",
    navn: "Klasse B",
    sjekkpunkter: [point("lys", true, "B"), point("dekk", false, "BE")],
    at: AT,
  },
  {
    type: "update",
    navn: "Klasse B og BE",
    sjekkpunkter: [
      point("lys", true, "B"),
      point("dekk", true, "BE"),
      point("olje", true, "B"),
    ],
    at: AT,
  },
  { type: "archive", at: AT },
];
const SELECT = `SELECT id, navn, status, revision, antall_sjekkpunkter,
  antall_pakrevde, licence_classes, version FROM kontroll_maler`;

Deno.test("kontroll_maler projection: a template's revisions, counts and archive", async () => {
  const feed = new Feed();
  const [created, updated, archived] = history(kontrollMalDecider, commands)
    .map((events) => feed.commit("kontroll_mal", "m1", events));
  await spec.given([created]).thenRows(SELECT, [{
    id: "m1",
    navn: "Klasse B",
    status: "AKTIV",
    revision: 1,
    antall_sjekkpunkter: 2,
    antall_pakrevde: 1,
    licence_classes: ["B", "BE"],
    version: 1,
  }]);
  await spec.given([created], [updated, archived]).thenRows(SELECT, [{
    id: "m1",
    navn: "Klasse B og BE",
    status: "ARKIVERT",
    revision: 2,
    antall_sjekkpunkter: 3,
    antall_pakrevde: 3,
    licence_classes: ["B", "BE"],
    version: 3,
  }]);
  await spec.given([created, updated, archived]).thenIdempotent(SELECT);
});
