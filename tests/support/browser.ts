/**
 * The browser of the browser tests: Debian's `chromium` (`TMS_CHROMIUM`
 * names another), driven by `playwright-core`, which downloads none.
 * Without it these tests fail, never skip: `.ci/run` installs it.
 */
import { loadPlaywright } from "../../deps.ts";

/** The Chromium binary. */
export const CHROMIUM = Deno.env.get("TMS_CHROMIUM") ?? "/usr/bin/chromium";

/** Headless, no sandbox (CI runs as root), and nothing it would fetch by itself. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches the browser. */
export async function launchChromium() {
  const { chromium } = await loadPlaywright();
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_FLAGS,
  });
}

/** A launched browser. */
export type Browser = Awaited<ReturnType<typeof launchChromium>>;
/** A page of it. */
export type Page = Awaited<ReturnType<Browser["newPage"]>>;
