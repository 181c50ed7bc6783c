/**
 * The example client in docs/: the committed documents are what the code
 * declares (`deno task docs:client` regenerates them and the types), and the
 * client typed from them works against a node over a real socket.
 */
import assert from "node:assert/strict";
import { apiDocument } from "../../ops/docs_client.ts";
import { API_VERSIONS } from "../../http/versions.ts";
import { TmsClient, TmsProblem, total } from "../../docs/client/example.ts";
import { TEST_ADMIN } from "../support/auth.ts";
import { testApp } from "../support/app.ts";

Deno.test("docs client: docs/openapi/v<n>.json is the document the routes declare", async () => {
  for (const version of API_VERSIONS) {
    const committed = await Deno.readTextFile(
      new URL(`../../docs/openapi/v${version}.json`, import.meta.url),
    );
    assert.deepEqual(
      JSON.parse(committed),
      JSON.parse(await apiDocument(version)),
      `docs/openapi/v${version}.json is stale: run deno task docs:client`,
    );
  }
});

Deno.test("docs client: the generated types' client talks to a node", async () => {
  const t = await testApp();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    t.app.fetch,
  );
  try {
    const tms = new TmsClient(`http://127.0.0.1:${server.addr.port}`);
    await tms.login({ email: TEST_ADMIN.email, password: TEST_ADMIN.password });
    const bedrift = await tms.registerBedrift({
      organisasjonsnummer: "923609016",
      navn: "Oslo Trafikkskole AS",
    }, "client-1");
    assert.deepEqual(bedrift.invoiceSettings.purregebyr, {
      amount: "0.00",
      currency: "NOK",
    });
    const draft = await tms.draftInvoice({
      bedriftId: bedrift.id,
      kunde: { navn: "Kari Nordmann" },
    });
    const line = await tms.addLine(draft.id, {
      beskrivelse: "Kjøretime",
      antall: 1,
      enhetspris: { amount: "650.00", currency: "NOK" },
      mvaSats: 25,
    });
    assert.equal(line.totals.brutto.amount, "812.50");
    assert.deepEqual(
      total([line.totals.netto, line.totals.mva]),
      line.totals.brutto,
    );
    const before = await tms.getInvoice(draft.id, { asOf: "1" });
    assert.equal(before.lines.length, 0);
    await assert.rejects(
      () => tms.getInvoice("no-such-invoice"),
      (error: unknown) => error instanceof TmsProblem && error.status === 404,
    );
  } finally {
    await server.shutdown();
    await t.close();
  }
});
