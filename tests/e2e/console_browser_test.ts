/**
 * The ops console in a real headless Chromium (Debian's `chromium`, driven
 * by `playwright-core`) against two real node processes on a nats-server
 * started here, sharing a PostgreSQL schema (so one holds the projector
 * lease), with `TMS_CHAOS=on` and `TMS_AUTOSCALE=recommend` every second.
 * An ADMIN logs in with the keyboard and sees every panel with real data;
 * a write appears in the event stream and the projections come back to lag
 * 0; the filters narrow the stream; an experiment started from the console
 * injects a `log_error` on bedrifts on both nodes, a write then dead-letters,
 * the emergency stop clears both nodes with one click and shows their
 * confirmations, and the dead letter's retry resolves it; an autoscale
 * decision is listed. A non-ADMIN is refused. No request leaves the node
 * and the browser reports no CSP violation and no script error. axe-core
 * finds no serious or critical violation at 1280×800 and at 390×844. A
 * screenshot is written to a temporary directory (and to docs/console.png
 * with `TMS_UPDATE_SCREENSHOT=1`).
 */
import assert from "node:assert/strict";
import { axeCoreSource } from "../../deps.ts";
import { LOCAL_ADMIN, startServer } from "../../ops/server_process.ts";
import type { ServerProcess } from "../../ops/server_process.ts";
import { PostgresStore } from "../../runtime/sql/mod.ts";
import { NatsServer } from "../support/nats_server.ts";
import { registerBedrifter, send } from "../support/cluster.ts";
import { TEST_DATABASE_URL } from "../support/sql_stores.ts";
import { TEST_PASSWORD } from "../support/auth.ts";
import { launchChromium } from "../support/browser.ts";
import type { Browser, Page } from "../support/browser.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Polls `probe` until it gives a value (not null/false); fails with `what` on timeout. */
async function until<T>(
  what: string,
  probe: () => Promise<T | null | false | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null && value !== false && value !== undefined) {
        return value;
      }
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}

/** The text of `selector` (empty when absent). */
async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? "";
}

/** Waits until the text of `selector` matches `pattern`; returns it. */
async function textMatching(
  page: Page,
  selector: string,
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<string> {
  return await until(`${selector} to match ${pattern}`, async () => {
    const t = await text(page, selector);
    return pattern.test(t) ? t : null;
  }, timeoutMs);
}

/** Logs in through the form with the keyboard only. */
async function logIn(page: Page, email: string, password: string) {
  await page.focus("#email");
  await page.keyboard.type(email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(password);
  await page.keyboard.press("Enter");
}

/** The node holding the projector lease (its console shows the projections' lag). */
async function projectorOf(nodes: ServerProcess[]): Promise<ServerProcess> {
  return await until("a projector", async () => {
    for (const node of nodes) {
      const res = await fetch(`${node.url}/health/ready`);
      const body = await res.json();
      if (body.checks?.projections?.role === "projector") return node;
    }
    return null;
  });
}

async function dropSchema(schema: string): Promise<void> {
  const admin = await PostgresStore.open({
    databaseUrl: TEST_DATABASE_URL,
    maxConnections: 1,
  });
  try {
    await admin.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.close();
  }
}

Deno.test({
  name:
    "e2e: the ops console shows every panel live, stops chaos with one click, retries a dead letter, refuses a non-ADMIN, and passes axe-core",
  // Playwright keeps the browser's pipes and timers beyond its own calls.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const nats = await NatsServer.start();
    const dir = await Deno.makeTempDir({ prefix: "tms-console-" });
    const schema = `tms_console_${crypto.randomUUID().slice(0, 8)}`;
    const env = (id: string) => ({
      TMS_NATS_URL: nats.url,
      TMS_NODE_ID: id,
      TMS_DATA_DIR: `${dir}/${id}`,
      TMS_LEASE_TTL_MS: "2000",
      TMS_REQUEST_TIMEOUT_MS: "5000",
      DATABASE_URL: TEST_DATABASE_URL,
      TMS_READ_SCHEMA: schema,
      TMS_CHAOS: "on",
      TMS_AUTOSCALE: "recommend",
      TMS_AUTOSCALE_INTERVAL_MS: "1000",
    });
    const nodes: ServerProcess[] = [];
    let browser: Browser | null = null;
    try {
      nodes.push(
        ...await Promise.all([
          startServer(env("node-a")),
          startServer(env("node-b")),
        ]),
      );
      const node = await projectorOf(nodes);
      const base = node.url;
      const [first] = await registerBedrifter(base, 2, 11);
      browser = await launchChromium();

      // --- The console under its own CSP, every request watched. ---
      const context = await browser.newContext({
        viewport: { width: 1280, height: 800 },
      });
      const external: string[] = [];
      await context.route((url) => !url.href.startsWith(base), (route) => {
        external.push(route.request().url());
        return route.abort();
      });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) {
          problems.push(`CSP: ${message.text()}`);
        }
      });
      page.on("pageerror", (error) => problems.push(`error: ${error.message}`));
      await page.addInitScript(
        `document.addEventListener("securitypolicyviolation", (e) => console.error("Content Security Policy violation: " + e.violatedDirective));`,
      );
      const response = await page.goto(`${base}/console`);
      assert.equal(response?.status(), 200);
      assert.equal(await page.title(), "TMS ops console");
      await logIn(page, LOCAL_ADMIN.email, LOCAL_ADMIN.password);
      await page.locator("#dashboard").waitFor({ state: "visible" });
      await textMatching(page, "#connection", /^Live$/);

      // Nodes and health: both live nodes, this node's components.
      const health = await textMatching(
        page,
        "#health-body",
        /node-a[\s\S]*node-b/,
      );
      assert.match(health, /eventLog[\s\S]*cluster[\s\S]*nats/);
      assert.match(await text(page, "#node-id"), /^node-[ab]$/);
      // The shard map: 64 shards split between the two nodes.
      await until("the shards split between node-a and node-b", async () => {
        const split = /^64 shards: node-a (\d+), node-b (\d+)/.exec(
          await text(page, "#shards-summary"),
        );
        return split !== null && Number(split[1]) + Number(split[2]) === 64;
      });
      assert.equal(await page.locator("#shards-body .shard").count(), 64);
      // Actors, the log (JetStream: head and rate), the projector lease.
      await textMatching(
        page,
        "#actors-summary",
        /^\d+ active actors?, 0 parked/,
      );
      const log = await textMatching(
        page,
        "#log-body",
        /jetstream[\s\S]*Head position\d+/,
      );
      assert.match(log, /Commits\/s/);
      await textMatching(
        page,
        "#projections-body",
        /this node is projector; holder node-[ab]/,
      );
      assert.ok(await page.locator("#projections-body tbody tr").count() >= 10);
      // No dead letters yet: the empty state.
      await textMatching(
        page,
        "#dead-letters-summary",
        /^No open dead letters$/,
      );
      assert.match(
        await text(page, "#dead-letters-body"),
        /nothing has failed/,
      );
      // The autoscaler decides every second in recommend mode.
      await textMatching(page, "#autoscale-summary", /^Autoscaler recommend: /);
      const decision = await textMatching(
        page,
        "#autoscale-body tbody",
        /decided\s*(hold|scale_up|scale_down) \d+ → \d+/,
      );
      assert.match(decision, /cpu [\d.]+\/[\d.]+ → \d+/);
      // The measured rate drawn from at least two samples. Not "visible": on
      // a node with no commands in the window the line is flat, a box of
      // zero height, which Playwright counts as hidden.
      const measured = page.locator(
        "#autoscale-body svg.chart polyline.measured",
      );
      await measured.waitFor({ state: "attached" });
      await until(
        "two measured samples in the chart",
        async () =>
          ((await measured.getAttribute("points")) ?? "").trim().split(/\s+/)
            .length >= 2,
      );
      // Chaos: on, both nodes answer, every fault type offered.
      await textMatching(
        page,
        "#chaos-summary",
        /^No faults active on 2 nodes; 0 experiments running$/,
      );
      await until(
        "the fault types",
        async () => await page.locator("#chaos-kind option").count() >= 14,
      );

      // --- A write appears in the stream; the projections catch up. ---
      const [fresh] = await registerBedrifter(base, 1, 40);
      const row = page.locator(`#events-list li`, { hasText: fresh });
      await row.first().waitFor({ timeout: 15_000 });
      assert.match(
        await row.first().textContent() ?? "",
        /bedrift\.registered\.v1/,
      );
      const head = Number(
        await until("the head", async () => {
          const res = await fetch(`${base}/health/ready`);
          return (await res.json()).checks?.eventLog?.position;
        }),
      );
      await until("the projections at the write with lag 0", async () => {
        const cells = await page.locator("#projections-body tbody tr", {
          hasText: "bedrifter",
        }).first().locator("td").allTextContents();
        const [name, state, position, lag] = cells;
        const summary = await text(page, "#projections-summary");
        return name === "bedrifter" && state === "live" &&
          Number(position.replaceAll(",", "")) >= head && lag === "0" &&
          /projections caught up \(lag 0\)$/.test(summary);
      });
      // The filters: by aggregate type, by bedrift.
      await page.selectOption("#filter-type", "invoice");
      await page.locator("#events-empty").waitFor({ state: "visible" });
      await page.selectOption("#filter-type", "bedrift");
      await page.fill("#filter-bedrift", fresh);
      await until("one bedrift's events", async () => {
        const items = await page.locator("#events-list li")
          .allTextContents();
        return items.length >= 1 && items.every((t) => t.includes(fresh));
      });
      await page.fill("#filter-bedrift", "");
      await page.selectOption("#filter-type", "");

      // --- Chaos from the console; a dead letter; the emergency stop. ---
      await page.selectOption("#chaos-kind", "log_error");
      await page.fill("#chaos-aggregate", "bedrift");
      await page.fill("#chaos-percent", "100");
      await page.fill("#chaos-duration", "120");
      await page.check("#chaos-force");
      await page.click("#chaos-start");
      await textMatching(page, "#chaos-message", /^Experiment \S+ started\.$/);
      await textMatching(
        page,
        "#chaos-summary",
        /^\d+ faults? active on 2 nodes; 1 experiment running$/,
      );
      await textMatching(page, "#chaos-body .experiments", /projection lag/);
      // A write to a bedrift fails for good: its actor parks, a dead letter.
      const failed = await send(`${base}/api/v1/bedrifter/${first}`, "PATCH", {
        poststed: "Under kaos",
      });
      assert.equal(failed.status, 503, JSON.stringify(failed.body));
      await textMatching(
        page,
        "#dead-letters-summary",
        /^1 open dead letter$/,
      );
      const retry = page.locator("#dead-letters-body button[data-retry]");
      await retry.waitFor();
      // One click clears every fault on both nodes, each confirming.
      await page.click("#emergency-stop");
      const report = await textMatching(
        page,
        "#stop-report",
        /2 nodes confirmed/,
        10_000,
      );
      assert.match(report, /node-a: cleared \d+ faults?/);
      assert.match(report, /node-b: cleared \d+ faults?/);
      await textMatching(
        page,
        "#chaos-summary",
        /^No faults active on 2 nodes; 0 experiments running$/,
      );
      await textMatching(page, "#chaos-body", /aborted|emergency/);
      // The retry: asked again under its command id, it commits.
      await until("the dead letter resolved", async () => {
        const body = await text(page, "#dead-letters-body");
        if (/resolved/.test(body)) return true;
        if (await retry.count() > 0 && await retry.first().isEnabled()) {
          await retry.first().click();
        }
        return false;
      }, 45_000);
      await textMatching(
        page,
        "#dead-letters-summary",
        /^No open dead letters$/,
      );
      assert.match(await text(page, "#dead-letters-message"), /requested/);
      const shot = `${await Deno.makeTempDir({
        prefix: "tms-console-shot-",
      })}/console.png`;
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`console screenshot: ${shot}`);
      if (Deno.env.get("TMS_UPDATE_SCREENSHOT") === "1") {
        await page.screenshot({
          path: `${ROOT}docs/console.png`,
          fullPage: true,
        });
      }
      assert.deepEqual(external, []);
      assert.deepEqual(problems, []);
      await context.close();

      // --- A non-ADMIN is refused. ---
      const hovedbruker = `hb-${crypto.randomUUID().slice(0, 8)}@console.test`;
      const created = await send(`${base}/api/v1/users`, "POST", {
        email: hovedbruker,
        password: TEST_PASSWORD,
        role: "HOVEDBRUKER",
        bedriftId: first,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const refusedPage = await browser.newPage();
      await refusedPage.goto(`${base}/console`);
      await logIn(refusedPage, hovedbruker, TEST_PASSWORD);
      await refusedPage.locator("#refused-view").waitFor({ state: "visible" });
      assert.ok(await refusedPage.locator("#dashboard").isHidden());
      assert.match(
        await text(refusedPage, "#refused-reason"),
        /HOVEDBRUKER may not GET \/console\/status/,
      );
      await refusedPage.close();

      // --- axe-core at 1280×800 and 390×844 (its script needs the CSP bypassed). ---
      const axeContext = await browser.newContext({
        bypassCSP: true,
        viewport: { width: 1280, height: 800 },
      });
      const axePage = await axeContext.newPage();
      await axePage.goto(`${base}/console`);
      // Keyboard first: the skip link is the first stop.
      await axePage.keyboard.press("Tab");
      assert.equal(
        await axePage.evaluate("document.activeElement.className"),
        "skip",
      );
      await logIn(axePage, LOCAL_ADMIN.email, LOCAL_ADMIN.password);
      await textMatching(axePage, "#connection", /^Live$/);
      await textMatching(axePage, "#autoscale-body", /decided/);
      await axePage.locator("#events-list li").first().waitFor();
      await axePage.addScriptTag({ content: await axeCoreSource() });
      for (
        const viewport of [{ width: 1280, height: 800 }, {
          width: 390,
          height: 844,
        }]
      ) {
        await axePage.setViewportSize(viewport);
        const violations = await axePage.evaluate(
          `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) })))`,
        ) as { id: string; impact: string; nodes: string[] }[];
        const serious = violations.filter((v) =>
          v.impact === "serious" || v.impact === "critical"
        );
        assert.deepEqual(
          serious,
          [],
          `${viewport.width}×${viewport.height}: ${JSON.stringify(serious)}`,
        );
        if (violations.length > 0) {
          console.log(
            `axe at ${viewport.width}: minor or moderate: ${
              violations.map((v) => v.id).join(", ")
            }`,
          );
        }
      }
      // At phone width the page does not scroll sideways.
      assert.ok(
        await axePage.evaluate(
          "document.documentElement.scrollWidth <= window.innerWidth",
        ),
      );
      await axeContext.close();
    } finally {
      await browser?.close();
      await Promise.all(nodes.map((n) => n.stop()));
      await nats.dispose();
      await dropSchema(schema).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
