/**
 * The ops console's page: one HTML document with its stylesheet and its
 * script inline — no build step, nothing fetched from elsewhere, so it
 * works offline — under a CSP that names that script and that stylesheet by
 * their SHA-256 (no `'unsafe-inline'`) and lets the page talk to this node
 * only. The script is the source of the functions in `console_client.ts`
 * and the render modules, as Deno transpiled them (type-checked with the
 * rest of the project).
 */
import { AUDIENCE_ROLES } from "../actors/outbound/mod.ts";
import { consoleApp } from "./console_client.ts";
import {
  badge,
  clock,
  count,
  dur,
  facts,
  h,
  num,
  renderActors,
  renderDeadLetters,
  renderHealth,
  renderLog,
  renderProjections,
  renderShards,
  table,
} from "./console_render.ts";
import {
  eventItem,
  eventRow,
  rateChart,
  renderAutoscale,
  renderChaos,
  renderStopReport,
  svg,
} from "./console_render_ops.ts";

/** Every function the page's script declares; `consoleApp(window)` starts it. */
const CLIENT: readonly ((...args: never[]) => unknown)[] = [
  h,
  num,
  count,
  dur,
  clock,
  badge,
  table,
  facts,
  renderHealth,
  renderShards,
  renderActors,
  renderLog,
  renderProjections,
  renderDeadLetters,
  svg,
  rateChart,
  renderAutoscale,
  renderChaos,
  renderStopReport,
  eventRow,
  eventItem,
  consoleApp,
];

/** The page's one script. */
export const CONSOLE_SCRIPT = `"use strict";
(() => {
${CLIENT.map((f) => f.toString()).join("\n")}
consoleApp(window);
})();
`;

/** The page's stylesheet: light, high contrast, a grid that folds to one column. */
export const CONSOLE_STYLE = `
:root { color-scheme: light; --ink: #16191d; --muted: #4a5360; --line: #c9ced6;
  --bg: #f4f6f8; --card: #ffffff; --accent: #0b57d0; --ok: #0f6b2f; --bad: #a4161a;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); }
a { color: var(--accent); }
code { font: 0.9em ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
.sr { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.skip { position: absolute; left: -9999px; top: 0; background: var(--card); padding: .5rem 1rem; z-index: 2; }
.skip:focus { left: 1rem; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: .25rem 1rem;
  padding: .6rem 1rem; background: #1d2530; color: #ffffff; }
.top h1 { font-size: 1.15rem; margin: 0; }
.top .meta { margin: 0; flex: 1 1 auto; color: #e3e8ef; }
@media (max-width: 40rem) { .top h1 { flex: 1; } .top .meta { order: 3; flex-basis: 100%; } }
.top code { color: #ffffff; }
#connection { font-weight: 600; }
#connection.live::before { content: "● "; color: #7ee2a0; }
button { font: inherit; min-height: 2.5rem; padding: .35rem .9rem; border-radius: .35rem;
  border: 1px solid #2b3440; background: #ffffff; color: var(--ink); cursor: pointer; }
button:hover:not(:disabled) { background: #e8edf3; }
button:disabled { cursor: not-allowed; opacity: .6; }
button.small { min-height: 2rem; padding: .15rem .6rem; }
.top button { background: #2f3b4a; color: #ffffff; border-color: #8a96a6; }
.top button:hover:not(:disabled) { background: #3b495b; }
button.danger { background: var(--bad); color: #ffffff; border-color: #6d0d10; font-weight: 700;
  font-size: 1.05rem; min-height: 3rem; width: 100%; }
button.danger:hover:not(:disabled) { background: #7f1013; }
main { padding: 1rem; max-width: 110rem; margin: 0 auto; }
main:focus { outline: none; }
#login-view, #refused-view { max-width: 26rem; margin: 2rem auto; background: var(--card);
  padding: 1.25rem; border: 1px solid var(--line); border-radius: .5rem; }
form label, .filters label { display: block; font-weight: 600; margin-top: .6rem; }
input, select { font: inherit; padding: .4rem .5rem; border: 1px solid #6b7583; border-radius: .3rem;
  min-height: 2.5rem; max-width: 100%; background: #ffffff; color: var(--ink); }
#login input { width: 100%; }
#login button { margin-top: 1rem; }
.error { color: var(--bad); font-weight: 600; min-height: 1em; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem .9rem; padding: 0; margin: 0 0 1rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(min(100%, 24rem), 1fr)); }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: .9rem 1rem;
  min-width: 0; }
.panel h2 { font-size: 1.1rem; margin: 0 0 .25rem; }
.panel h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
.summary { margin: 0 0 .6rem; color: var(--muted); font-weight: 600; }
@media (min-width: 52rem) { .span2 { grid-column: span 2; } }
.span-all { grid-column: 1 / -1; }
.scroll { overflow-x: auto; max-height: 22rem; overflow-y: auto; margin: .5rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .3rem .45rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { position: sticky; top: 0; background: #eef1f5; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem; margin: .4rem 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: .8rem; font-size: .85rem;
  font-weight: 600; background: #e6e9ee; color: var(--ink); }
.badge.ok { background: #d3f0dc; color: var(--ok); }
.badge.bad { background: #fbd9da; color: var(--bad); }
.empty, .note { color: var(--muted); }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: .3rem 1rem; padding: 0; margin: .3rem 0; }
.swatch { display: inline-block; min-width: 1.5rem; text-align: center; border-radius: .25rem;
  border: 1px solid #7a8492; font-weight: 700; }
.shards { list-style: none; display: grid; grid-template-columns: repeat(auto-fill, minmax(2.6rem, 1fr));
  gap: 3px; padding: 0; margin: .4rem 0; }
.shard { border: 1px solid #7a8492; border-radius: .25rem; text-align: center; font-size: .78rem;
  line-height: 1.2; padding: .15rem 0; font-variant-numeric: tabular-nums; }
.shard .who { display: block; font-weight: 700; }
.n0 { background: #cfe2ff; } .n1 { background: #d1f0dd; } .n2 { background: #fff0c2; }
.n3 { background: #f9d6d8; } .n4 { background: #e4dbf5; } .n5 { background: #cdf1f7; }
.free { background: #ffffff; border-style: dashed; }
.stop { margin: .5rem 0 1rem; }
#stop-report { margin-top: .5rem; }
.confirmations, .experiments, .probes { padding-left: 1.1rem; }
#chaos-form { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; }
#chaos-form label { margin: 0; }
#chaos-form .check { display: flex; gap: .4rem; align-items: center; min-height: 2.5rem; }
#chaos-kind { width: 100%; }
.field { display: flex; flex-direction: column; min-width: 7rem; }
.field.wide { flex: 1 1 100%; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; }
.filters label { margin: 0; }
.events-log { max-height: 24rem; overflow-y: auto; margin: .5rem 0 0; }
.events { list-style: none; padding: 0; margin: 0; }
.events li { padding: .25rem 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.events time { color: var(--muted); font-variant-numeric: tabular-nums; }
.events .pos { color: var(--muted); }
.chart-box { margin: .5rem 0; }
.chart { width: 100%; height: auto; background: #fbfcfd; border: 1px solid var(--line); }
.chart .axis { stroke: #4a5360; stroke-width: 1; }
.chart .tick, .chart .label { font-size: 11px; fill: #303841; text-anchor: end; }
.chart .label { text-anchor: middle; }
.chart .band { fill: #9cc3ff; fill-opacity: .55; }
.chart .band-past { fill: #c7d2de; fill-opacity: .7; }
.chart .measured { fill: none; stroke: #0b57d0; stroke-width: 2.5; }
.chart .forecast { fill: none; stroke: #0b57d0; stroke-width: 2; stroke-dasharray: 6 4; }
.chart .now { stroke: #7a8492; stroke-dasharray: 2 3; }
figcaption { color: var(--muted); font-size: .88rem; }
`;

/** One panel: its heading, a polite summary, and the body the script fills. */
function panel(
  id: string,
  title: string,
  options: { wide?: "span2" | "span-all"; before?: string; after?: string } =
    {},
): string {
  return `<section class="panel ${
    options.wide ?? ""
  }" id="${id}" aria-labelledby="${id}-title">
<h2 id="${id}-title">${title}</h2>
<p class="summary" id="${id}-summary" aria-live="polite"></p>
${
    options.before ?? ""
  }<div id="${id}-body"><p class="empty">Waiting for the first status…</p></div>
${options.after ?? ""}</section>`;
}

const PANELS: [string, string][] = [
  ["health", "Nodes and health"],
  ["shards", "Shard map"],
  ["actors", "Actors"],
  ["log", "Event log"],
  ["projections", "Projections"],
  ["dead-letters", "Dead letters"],
  ["autoscale", "Autoscaler"],
  ["chaos", "Chaos"],
  ["events", "Live events"],
];

const CHAOS_CONTROLS = `<div class="stop">
<button id="emergency-stop" type="button" class="danger" disabled>Emergency stop: clear every fault on every node</button>
<div id="stop-report" role="status" aria-live="polite"></div>
</div>`;

const CHAOS_FORM = `<h3 id="chaos-form-title">Start an experiment</h3>
<form id="chaos-form" aria-labelledby="chaos-form-title">
<div class="field wide"><label for="chaos-kind">Fault</label><select id="chaos-kind" required></select></div>
<div class="field"><label for="chaos-aggregate">Aggregate type (optional)</label><input id="chaos-aggregate" type="text" pattern="[a-z_]+" autocomplete="off" spellcheck="false"></div>
<div class="field"><label for="chaos-percent">Share of units (%)</label><input id="chaos-percent" type="number" min="1" max="100" value="10" required></div>
<div class="field"><label for="chaos-duration">Duration (s)</label><input id="chaos-duration" type="number" min="1" max="3600" value="60" required></div>
<div class="check"><input id="chaos-force" type="checkbox"><label for="chaos-force">Force past the blast-radius limit</label></div>
<button id="chaos-start" type="submit" disabled>Start experiment</button>
</form>
<p id="chaos-message" role="status" aria-live="polite"></p>
<details><summary>Fault types</summary><ul id="fault-types"></ul></details>`;

const EVENT_CONTROLS =
  `<div class="filters" role="search" aria-label="Filter the events">
<div class="field"><label for="filter-type">Aggregate type</label><select id="filter-type"><option value="">All</option>${
    Object.keys(AUDIENCE_ROLES).sort().map((t) =>
      `<option value="${t}">${t}</option>`
    ).join("")
  }</select></div>
<div class="field"><label for="filter-bedrift">Bedrift id</label><input id="filter-bedrift" type="text" autocomplete="off" spellcheck="false"></div>
<button id="events-pause" type="button" aria-pressed="false">Pause</button>
<p>Showing <span id="events-count">0 of 0</span></p>
</div>`;

const EVENTS_BODY =
  `<p id="events-empty" class="empty">No events yet: they appear as commits reach the feed.</p>
<div id="events-log" class="events-log" role="log" aria-label="Events, newest first" tabindex="0">
<ol id="events-list" class="events"></ol>
</div>`;

/** The page's HTML. */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TMS ops console</title>
<link rel="icon" href="data:,">
<style>${CONSOLE_STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the console</a>
<header class="top">
<h1>TMS ops console</h1>
<p class="meta">Node <code id="node-id">–</code> · updated <span id="updated">–</span> · <span id="connection" role="status" aria-live="polite">Not connected</span></p>
<button id="logout" type="button" hidden>Log out</button>
</header>
<main id="main" tabindex="-1">
<section id="login-view" aria-labelledby="login-title">
<h2 id="login-title">Log in</h2>
<p>For ADMIN users. The token stays in this page's memory only: reloading the page logs out.</p>
<form id="login">
<label for="email">E-mail</label>
<input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="login-submit" type="submit">Log in</button>
<p id="login-error" class="error" role="alert"></p>
</form>
</section>
<section id="refused-view" aria-labelledby="refused-title" hidden>
<h2 id="refused-title" tabindex="-1">Only an ADMIN may use the console</h2>
<p id="refused-reason"></p>
<p>You are logged out again. Log in with an ADMIN account; your own role can use the API it is allowed.</p>
<button id="refused-back" type="button">Log in as someone else</button>
</section>
<div id="dashboard" hidden>
<h2 id="dashboard-title" class="sr" tabindex="-1">Console panels</h2>
<nav aria-label="Panels"><ul>${
  PANELS.map(([id, title]) => `<li><a href="#${id}">${title}</a></li>`).join(
    "",
  )
}</ul></nav>
<p id="errors" class="error" role="alert" hidden></p>
<div class="grid">
${panel("health", "Nodes and health")}
${panel("shards", "Shard map")}
${panel("actors", "Actors")}
${panel("log", "Event log")}
${panel("projections", "Projections")}
${
  panel("dead-letters", "Dead letters", {
    after: `<p id="dead-letters-message" role="status" aria-live="polite"></p>`,
  })
}
${panel("autoscale", "Autoscaler", { wide: "span2" })}
${
  panel("chaos", "Chaos", {
    before: CHAOS_CONTROLS,
    after: CHAOS_FORM,
  })
}
<section class="panel span-all" id="events" aria-labelledby="events-title">
<h2 id="events-title">Live events</h2>
${EVENT_CONTROLS}
${EVENTS_BODY}
</section>
</div>
</div>
</main>
<script>${CONSOLE_SCRIPT}</script>
</body>
</html>
`;

if (/<\/script|<!--/i.test(CONSOLE_SCRIPT)) {
  throw new Error("The console's script must not hold </script or <!--");
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/**
 * The page's CSP: its script and stylesheet by hash, requests to this node
 * only (the API and the stream), a `data:` icon, nothing framed, no form
 * posted anywhere (the forms are the script's).
 */
export async function consoleCsp(): Promise<string> {
  return [
    "default-src 'none'",
    `script-src 'sha256-${await sha256(CONSOLE_SCRIPT)}'`,
    `style-src 'sha256-${await sha256(CONSOLE_STYLE)}'`,
    "img-src data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}
