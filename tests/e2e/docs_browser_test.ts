/**
 * `GET /docs` renders: Swagger UI, its assets served by the node itself,
 * loaded in a real headless Chromium (Debian's `chromium`, driven by
 * `playwright-core`) over a real socket, shows the operations of every
 * resource of the v2 document, and switches to v1 — under the page's own
 * Content-Security-Policy, which the browser enforces: a script, style,
 * image or request it blocked would fail the test. A problem page renders
 * under the API's strict policy. Without Chromium this test fails:
 * `.ci/run` installs it.
 */
import assert from "node:assert/strict";
import { launchChromium } from "../support/browser.ts";
import { testApp } from "../support/app.ts";

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
    const browser = await launchChromium();
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
      // Chromium reports every CSP refusal on the console.
      const refused: string[] = [];
      page.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) {
          refused.push(message.text());
        }
      });
      const response = await page.goto(`${base}/docs`);
      const csp = response?.headers()["content-security-policy"] ?? "";
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/]+=*'/);
      assert.match(csp, /frame-ancestors 'none'/);
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
      // A problem page, as a browser gets it, under the API's policy.
      const problemPage = await page.goto(`${base}/problems/not-found`);
      assert.match(
        problemPage?.headers()["content-security-policy"] ?? "",
        /^default-src 'none'; frame-ancestors 'none'/,
      );
      assert.match(await page.textContent("h1") ?? "", /Not found/);
      assert.deepEqual(refused, []);
      await page.close();
    } finally {
      await browser.close();
      await server.shutdown();
      await t.close();
    }
  },
});
