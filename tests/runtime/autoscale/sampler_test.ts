import assert from "node:assert/strict";
import {
  aggregate,
  clockTicksPerSecond,
  EventLoopDelay,
  LatencyWindow,
  NodeSampler,
  SampleBoard,
} from "../../../runtime/autoscale/mod.ts";
import type { NodeSample } from "../../../runtime/autoscale/mod.ts";

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* burn CPU */ }
}

/** Burns 300 ms of CPU as getrusage counts it, in a process run with `flags`. */
async function cpuProbe(flags: string[]) {
  const module = new URL("../../../runtime/autoscale/mod.ts", import.meta.url);
  const script = `
    import { CpuClock, clockTicksPerSecond } from "${module.href}";
    import { cpuUsage } from "node:process";
    const rusage = () => { const u = cpuUsage(); return (u.user + u.system) / 1e6; };
    const clock = new CpuClock();
    const before = clock.seconds();
    const start = rusage();
    while (rusage() - start < 0.3) { const t = performance.now() + 5; while (performance.now() < t); }
    console.log(JSON.stringify({
      source: clock.source,
      ticks: clockTicksPerSecond(),
      used: clock.seconds() - before,
      expected: rusage() - start,
    }));`;
  // `deno eval` has every permission: run a file with the flags given.
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, script);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...flags, file],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("CPU: procfs ticks (with --allow-all) and getrusage (without) count the same work", async () => {
  // With every permission the node reads /proc/self/stat in measured ticks.
  const procfs = await cpuProbe(["-A"]);
  assert.equal(procfs.source, "procfs");
  assert.equal(procfs.ticks, 100);
  // procfs counts in 10 ms ticks.
  assert.ok(
    Math.abs(procfs.used - procfs.expected) <= 0.05,
    JSON.stringify(procfs),
  );
  // With named permissions (deno task start) Deno refuses /proc: rusage.
  const named = await cpuProbe(["--allow-read", "--allow-env"]);
  assert.equal(named.source, "process.cpuUsage");
  assert.ok(
    Math.abs(named.used - named.expected) <= 0.01,
    JSON.stringify(named),
  );
  // The tick rate is snapped to the nearest usual value from start time and uptime.
  const fake = (stat: string, uptime: string) => (path: string) =>
    path.endsWith("stat") ? stat : uptime;
  const fields = (start: number) =>
    `1 (a b) S ${Array.from({ length: 18 }, () => "0").join(" ")} ${start} 0`;
  assert.equal(clockTicksPerSecond(fake(fields(250_000), "1001.0 5"), 1), 250);
  assert.equal(
    clockTicksPerSecond(fake(fields(99_950), "1000.5 5"), 0.5),
    100,
  );
  assert.equal(clockTicksPerSecond(() => "garbage"), 100);
});

Deno.test("event-loop delay: a blocked loop shows as timer drift", async () => {
  const loop = new EventLoopDelay(20);
  loop.start();
  try {
    await new Promise((r) => setTimeout(r, 60));
    loop.take();
    busy(150);
    await new Promise((r) => setTimeout(r, 30));
    const delay = loop.take();
    assert.ok(delay >= 100, `drift ${delay} ms`);
  } finally {
    loop.stop();
  }
});

Deno.test("latency window: the p99 of one interval's asks, then empty", () => {
  const window = new LatencyWindow(1000);
  for (let i = 1; i <= 100; i++) window.record(i);
  assert.deepEqual(window.take(), { count: 100, p99: 99 });
  assert.deepEqual(window.take(), { count: 0, p99: 0 });
  // Beyond the reservoir every ask still counts; the p99 is of a sample.
  const small = new LatencyWindow(50);
  for (let i = 0; i < 5000; i++) small.record(i % 100 < 98 ? 1 : 500);
  const taken = small.take();
  assert.equal(taken.count, 5000);
});

Deno.test("sampler: a rate from the commands counter, mailboxes, actors, p99, lag against the head", async () => {
  let commands = 1000;
  let now = 10_000;
  let head = 500;
  let headFails = false;
  const samples: NodeSample[] = [];
  const sampler = new NodeSampler({
    nodeId: "node-1",
    intervalMs: 1000,
    clock: () => now,
    publish: (s) => {
      samples.push(s);
    },
    sources: {
      actors: () => ({
        commands,
        active: 42,
        queued: 17,
        maxMailboxDepth: 9,
      }),
      projections: () => [
        { position: 480, lagMs: 30 },
        { position: 450, lagMs: 120 },
      ],
      head: () =>
        headFails
          ? Promise.reject(new Error("no leader"))
          : Promise.resolve(head),
    },
  });
  await sampler.sample(); // baseline
  commands += 300;
  now += 2000;
  sampler.latency.record(5);
  sampler.latency.record(80);
  const s = await sampler.sample();
  assert.equal(s.node, "node-1");
  assert.equal(s.intervalMs, 2000);
  assert.equal(s.commands, 300);
  assert.equal(s.commandRate, 150);
  assert.equal(s.asks, 2);
  assert.equal(s.latencyP99Ms, 80);
  assert.equal(s.mailboxMax, 9);
  assert.equal(s.mailboxSum, 17);
  assert.equal(s.activeActors, 42);
  assert.equal(s.projectionLagMs, 120);
  // The slowest projection (450) against the head (500).
  assert.equal(s.consumerLag, 50);
  assert.deepEqual(s.missing, []);
  assert.ok(s.cpu !== null && s.cpu >= 0);
  // The head cannot be read: consumer lag is missing, not zero.
  headFails = true;
  now += 1000;
  head = 900;
  const failed = await sampler.sample();
  assert.equal(failed.consumerLag, null);
  assert.deepEqual(failed.missing, ["consumerLag"]);
  // Stopping says goodbye.
  await sampler.stop();
  assert.equal(samples.at(-1)?.leaving, true);
});

const sample = (node: string, at: number, over: Partial<NodeSample> = {}) => ({
  node,
  at,
  intervalMs: 1000,
  commands: 100,
  commandRate: 100,
  asks: 100,
  latencyP99Ms: 10,
  mailboxMax: 4,
  mailboxSum: 6,
  activeActors: 10,
  cpu: 0.5,
  eventLoopDelayMs: 2,
  projectionLagMs: null,
  consumerLag: null,
  missing: [],
  ...over,
} satisfies NodeSample);

Deno.test("board: per-node metrics averaged, cluster metrics at their largest, totals summed", () => {
  const metrics = aggregate([
    sample("a", 0, {
      cpu: 0.2,
      commandRate: 50,
      consumerLag: 300,
      projectionLagMs: 40,
    }),
    sample("b", 0, {
      cpu: 0.6,
      commandRate: 150,
      latencyP99Ms: 30,
      mailboxMax: 10,
    }),
  ]);
  assert.equal(metrics.nodes, 2);
  assert.equal(metrics.totalCommandRate, 200);
  assert.equal(metrics.activeActors, 20);
  assert.equal(metrics.mailboxSum, 12);
  assert.deepEqual(metrics.values, {
    cpu: 0.4,
    latencyP99Ms: 20,
    mailboxMax: 7,
    commandRate: 100,
    eventLoopDelayMs: 2,
    consumerLag: 300,
    projectionLagMs: 40,
  });
  assert.deepEqual(aggregate([sample("a", 0, { missing: ["cpu"] })]).missing, [
    "cpu",
  ]);
});

Deno.test("board: a node silent for two intervals is stale, for ten forgotten; one leaving is forgotten at once", () => {
  const board = new SampleBoard({ staleAfterMs: 2000, forgetAfterMs: 10_000 });
  board.put(sample("a", 1000));
  board.put(sample("b", 1000));
  board.put(sample("a", 500)); // older: ignored
  assert.deepEqual(board.view(2500).stale, []);
  board.put(sample("a", 3000));
  const view = board.view(3500);
  assert.deepEqual(view.stale, ["b"]);
  assert.deepEqual(view.fresh.map((s) => s.node), ["a"]);
  assert.equal(view.metrics.nodes, 1);
  board.put(sample("a", 11_000));
  assert.deepEqual(board.view(11_500).stale, []);
  assert.deepEqual(board.nodes, ["a"]);
  board.put({ ...sample("a", 12_000), leaving: true });
  assert.deepEqual(board.nodes, []);
  board.put(sample("c", 12_000));
  board.forget("c");
  assert.deepEqual(board.nodes, []);
});
