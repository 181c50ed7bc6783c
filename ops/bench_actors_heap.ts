/**
 * The heap figures of the `actors` bench section, in a process of their own
 * run with `--v8-flags=--expose-gc` (a full GC before every sample) so that
 * nothing else of the bench sits in its heap:
 *
 * - `per-actor <n>`: `n` actors of one commit each in a `MemoryEventLog`,
 *   then every one activated by a read (all stay active); the heap after
 *   minus the heap before, over `n`;
 * - `flat <touched> <maxActive> <every>`: one command to each of `touched`
 *   distinct actors, `maxActive` at most active, over a log that keeps
 *   nothing (`DiscardEventLog`: what grows is the actor system's); the heap
 *   after GC every `every` actors.
 *
 * Prints one JSON line (`HeapFigures`) on stdout.
 */
import { ActorSystem } from "../runtime/actor/mod.ts";
import { MemoryEventLog } from "../runtime/log/memory/mod.ts";
import { COUNTER, DiscardEventLog } from "./bench_actors_support.ts";
import type { HeapFigures } from "./bench_actors_support.ts";

const ROOT = new URL("../", import.meta.url).pathname;
/** Messages in flight while actors are activated or touched. */
const IN_FLIGHT = 256;

/** Runs the child for `args` and returns what it measured. */
export async function heapChild(args: string[]): Promise<HeapFigures> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--v8-flags=--expose-gc",
      "--allow-read",
      `${ROOT}ops/bench_actors_heap.ts`,
      ...args,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) {
    throw new Error(`Heap child ${args.join(" ")} failed (${output.code})`);
  }
  const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
  return JSON.parse(lines.at(-1)!) as HeapFigures;
}

/** Heap used after two full collections (the second frees what finalizers let go). */
function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("Run with --v8-flags=--expose-gc");
  gc();
  gc();
  return Deno.memoryUsage().heapUsed;
}

/** Runs `work(i)` for i in [from, to) with `IN_FLIGHT` at a time. */
async function pooled(
  from: number,
  to: number,
  work: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, to - from) }, async () => {
      while (next < to) await work(next++);
    }),
  );
}

async function perActor(n: number): Promise<HeapFigures["perActor"]> {
  const log = new MemoryEventLog();
  await pooled(0, n, (i) =>
    log.append({
      type: COUNTER.type,
      id: `a${i}`,
      expectedVersion: 0,
      commandId: crypto.randomUUID(),
      events: [{ type: "counter.incremented", v: 1, data: { by: 1 } }],
    }));
  const system = new ActorSystem({ log, maxActive: n * 2 }).register(COUNTER);
  // One warm activation, so that code and shared structures are in both samples.
  await system.read(COUNTER.type, "warm-up");
  const before = heapAfterGc();
  await pooled(0, n, (i) => system.read(COUNTER.type, `a${i}`));
  const after = heapAfterGc();
  const active = system.stats().active;
  await system.shutdown();
  return { actors: n, bytesPerActor: (after - before) / n, active };
}

async function flat(
  touched: number,
  maxActive: number,
  every: number,
): Promise<HeapFigures["flat"]> {
  const system = new ActorSystem({ log: new DiscardEventLog(), maxActive })
    .register(COUNTER);
  const samples: NonNullable<HeapFigures["flat"]>["samples"] = [];
  const started = performance.now();
  for (let from = 0; from < touched; from += every) {
    const to = Math.min(touched, from + every);
    await pooled(from, to, (i) => system.ask(COUNTER.type, `a${i}`, { by: 1 }));
    samples.push({
      touched: to,
      heapUsed: heapAfterGc(),
      active: system.stats().active,
    });
  }
  const seconds = (performance.now() - started) / 1000;
  await system.shutdown();
  return { touched, maxActive, samples, seconds };
}

if (import.meta.main) {
  const [mode, ...rest] = Deno.args;
  const numbers = rest.map(Number);
  let figures: HeapFigures;
  if (mode === "per-actor") {
    figures = { perActor: await perActor(numbers[0]) };
  } else if (mode === "flat") {
    figures = { flat: await flat(numbers[0], numbers[1], numbers[2]) };
  } else {
    throw new Error(
      `Unknown mode ${mode}: per-actor <n> | flat <touched> <maxActive> <every>`,
    );
  }
  console.log(JSON.stringify(figures));
}
