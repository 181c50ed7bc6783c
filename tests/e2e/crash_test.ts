import { authHeaders } from "../../ops/server_process.ts";
import assert from "node:assert/strict";
import { organisasjonsnummerFor } from "../../ops/orgnr.ts";
import { startServer } from "../../ops/server_process.ts";

function orgnrs(count: number): string[] {
  const out: string[] = [];
  for (let seed = 1; out.length < count; seed++) {
    const n = organisasjonsnummerFor(seed);
    if (n) out.push(n);
  }
  return out;
}

async function post(url: string, body: unknown) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...authHeaders(url) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test({
  name: "e2e: acknowledged writes survive SIGKILL of the server process",
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "tms-e2e-" });
    try {
      let server = await startServer({
        TMS_DATA_DIR: dataDir,
        TMS_SNAPSHOT_EVERY: "3",
      });
      const numbers = orgnrs(400);

      // Phase 1: a settled set of writes.
      const first = await Promise.all(
        numbers.slice(0, 50).map((n, i) =>
          post(`${server.url}/api/v1/bedrifter`, {
            organisasjonsnummer: n,
            navn: `Skole ${i}`,
          })
        ),
      );
      assert.ok(first.every((r) => r.status === 201));
      const bedriftId = first[0].body.id;
      const invoice = await post(`${server.url}/api/v1/invoices`, {
        bedriftId,
        kunde: { navn: "Kari Nordmann" },
      });
      assert.equal(invoice.status, 201);
      for (let i = 0; i < 7; i++) {
        const line = await post(
          `${server.url}/api/v1/invoices/${invoice.body.id}/lines`,
          {
            beskrivelse: `Kjøretime ${i}`,
            antall: 1,
            enhetspris: "650.00",
            mvaSats: 25,
          },
        );
        assert.equal(line.status, 200);
      }

      // Phase 2: writes in flight when the process is killed.
      const acknowledged: { id: string; organisasjonsnummer: string }[] = [];
      const inFlight = numbers.slice(50).map(async (n, i) => {
        try {
          const r = await post(`${server.url}/api/v1/bedrifter`, {
            organisasjonsnummer: n,
            navn: `Skole ${50 + i}`,
          });
          if (r.status === 201) {
            acknowledged.push({ id: r.body.id, organisasjonsnummer: n });
          }
        } catch { /* connection cut by the kill */ }
      });
      await new Promise((r) => setTimeout(r, 40));
      const status = await server.stop("SIGKILL");
      assert.equal(status.signal, "SIGKILL");
      await Promise.all(inFlight);

      server = await startServer({
        TMS_DATA_DIR: dataDir,
        TMS_SNAPSHOT_EVERY: "3",
      });
      try {
        for (const r of first) {
          const res = await fetch(
            `${server.url}/api/v1/bedrifter/${r.body.id}`,
            {
              headers: authHeaders(
                `${server.url}/api/v1/bedrifter/${r.body.id}`,
              ),
            },
          );
          assert.equal(res.status, 200);
          assert.deepEqual(await res.json(), r.body);
        }
        for (const a of acknowledged) {
          const res = await fetch(`${server.url}/api/v1/bedrifter/${a.id}`, {
            headers: authHeaders(`${server.url}/api/v1/bedrifter/${a.id}`),
          });
          assert.equal(res.status, 200, `acknowledged ${a.id} lost`);
          assert.equal(
            (await res.json()).organisasjonsnummer,
            a.organisasjonsnummer,
          );
        }
        const inv = await fetch(
          `${server.url}/api/v1/invoices/${invoice.body.id}`,
          {
            headers: authHeaders(
              `${server.url}/api/v1/invoices/${invoice.body.id}`,
            ),
          },
        );
        const body = await inv.json();
        assert.equal(body.version, 8);
        assert.equal(body.lines.length, 7);
        assert.equal(body.totals.brutto, "5687.50");
        // The node keeps working after the crash, and uniqueness still holds.
        const again = await post(`${server.url}/api/v1/bedrifter`, {
          organisasjonsnummer: numbers[0],
          navn: "Duplikat",
        });
        assert.equal(again.status, 409);
        const line = await post(
          `${server.url}/api/v1/invoices/${invoice.body.id}/lines`,
          {
            beskrivelse: "Etter krasj",
            antall: 1,
            enhetspris: "100.00",
            mvaSats: 25,
          },
        );
        assert.equal(line.status, 200);
        assert.equal(line.body.version, 9);
      } finally {
        await server.stop();
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
