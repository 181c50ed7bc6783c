/**
 * `GET /docs` renders: Swagger UI, its assets served by the node itself,
 * loaded in a real headless Chromium (Debian's `chromium`, driven by
 * `playwright-core`) over a real socket, shows the operations of every
 * resource of the v2 document, and switches to v1. Without Chromium this
 * test fails: `.ci/run` installs it.
 */
import assert from "node:assert/strict";
import { loadPlaywright } from "../../deps.ts";
import { testApp } from "../support/app.ts";

const CHROMIUM = Deno.env.get("TMS_CHROMIUM") ?? "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

Deno.test({
  name:
    "docs: Swagger UI at /docs shows every resource's operations in headless Chromium",
  // Playwright keeps the browser's pipes and timers beyond its own calls.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const t = await testApp();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      t.app.fetch,
    );
    const base = `http://127.0.0.1:${server.addr.port}`;
    const { chromium } = await loadPlaywright();
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: FLAGS,
    });
    try {
      const doc = await (await fetch(`${base}/openapi/v2.json`)).json();
      const expected = new Map<string, string[]>();
      for (
        const ops of Object.values(doc.paths) as Record<
          string,
          { tags: string[]; operationId: string }
        >[]
      ) {
        for (const op of Object.values(ops)) {
          const list = expected.get(op.tags[0]) ?? [];
          list.push(op.operationId);
          expected.set(op.tags[0], list);
        }
      }
      assert.ok(expected.size >= 10, [...expected.keys()].join());
      const page = await browser.newPage();
      const external: string[] = [];
      page.on("request", (request) => {
        if (!request.url().startsWith(base)) external.push(request.url());
      });
      await page.goto(`${base}/docs`);
      await page.waitForSelector(".opblock", { timeout: 30_000 });
      for (const [tag, operations] of expected) {
        for (const operationId of operations) {
          const id = `operations-${tag}-${operationId}`;
          const found = await page.$(`[id="${id}"]`);
          assert.ok(found, `${tag}: ${operationId} is not on the page`);
        }
      }
      const title = await page.textContent(".info .title");
      assert.match(title ?? "", /TMS API/);
      // Offline: nothing but this node was asked for.
      assert.deepEqual(external, []);
      // The v1 document is a choice too: its operations are marked deprecated.
      await page.selectOption(".topbar select", { label: "v1" });
      await page.waitForSelector(`[id="operations-Invoices-getInvoiceV1"]`, {
        timeout: 30_000,
      });
      assert.ok(await page.$(".opblock-deprecated"));
      await page.close();
    } finally {
      await browser.close();
      await server.shutdown();
      await t.close();
    }
  },
});
