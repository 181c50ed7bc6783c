/**
 * The economy on a real node process (`main.ts`, embedded): the budget
 * process manager runs where the projections run, raises `budget.exceeded`
 * from an approval made over HTTP, and after a restart — its checkpoint
 * kept — raises nothing again; the ledger and a report answer from the
 * node's read models.
 */
import assert from "node:assert/strict";
import { startServer } from "../../ops/server_process.ts";
import { callJson } from "../support/http.ts";

Deno.test({
  name:
    "e2e: an approved expense over its budget raises budget.exceeded once, across a restart; the ledger posts it",
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "tms-e2e-economy-" });
    let server = await startServer({ TMS_DATA_DIR: dataDir });
    const api = (method: string, path: string, body?: unknown) =>
      callJson(server.url, method, `/api/v1${path}`, body);
    const exceeded = async (id: string) =>
      (await api("GET", `/budgets/${id}/history?limit=200`)).body.items
        .flatMap((c: { events: { type: string }[] }) => c.events)
        .filter((e: { type: string }) => e.type === "budget.exceeded").length;
    try {
      const b = (await api("POST", "/bedrifter", {
        organisasjonsnummer: "923609016",
        navn: "Oslo Trafikkskole AS",
      })).body.id;
      await api("PUT", `/bedrifter/${b}/invoice-settings`, {
        mvaRegistrert: true,
      });
      const budget = await api("POST", "/budgets", {
        bedriftId: b,
        kategori: "DRIVSTOFF",
        periode: "2025-03",
        belop: "500.00",
      });
      assert.equal(budget.status, 201);
      const expense = await api("POST", "/expenses", {
        bedriftId: b,
        leverandor: { navn: "Circle K" },
        dato: "2025-03-05",
        belop: "800.00",
        mvaSats: 25,
        kategori: "DRIVSTOFF",
      });
      assert.equal(expense.status, 201);
      const approved = await api(
        "POST",
        `/expenses/${expense.body.id}/approve`,
      );
      assert.equal(approved.status, 200);
      const id = budget.body.id;
      const deadline = Date.now() + 20_000;
      while ((await api("GET", `/budgets/${id}`)).body.over !== true) {
        assert.ok(Date.now() < deadline, "the process manager did not run");
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(await exceeded(id), 1);

      await server.stop();
      server = await startServer({ TMS_DATA_DIR: dataDir });
      const ready = await api("GET", "/budgets/" + id);
      assert.equal(ready.body.spent, "800.00");
      // The restarted node's process manager resumes after its checkpoint.
      const until = Date.now() + 20_000;
      for (;;) {
        const health = await callJson(server.url, "GET", "/health/ready");
        const [pm] = health.body.checks.processors.processors;
        if (pm && pm.position >= pm.head && pm.head > 0) break;
        assert.ok(Date.now() < until, JSON.stringify(health.body.checks));
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(await exceeded(id), 1);
      const accounts = await api(
        "GET",
        `/ledger/accounts?bedriftId=${b}&date=2025-03-31`,
      );
      assert.equal(accounts.status, 200);
      assert.deepEqual(
        accounts.body.accounts.map((a: { konto: string; saldo: string }) =>
          `${a.konto} ${a.saldo}`
        ),
        ["2400 -1000.00", "2710 200.00", "7000 800.00"],
      );
      const mva = await api(
        "GET",
        `/reports/mva?bedriftId=${b}&year=2025&term=2`,
      );
      assert.equal(mva.body.aBetale, "-200.00");
    } finally {
      await server.stop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
