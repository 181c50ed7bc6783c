/**
 * The node's parts of the health supervisor: the start-up tracker of
 * `/health/startup` and the readiness components `main.ts` adds beside the
 * log and the actors — SQL, disk space, active faults.
 */
import type { ReadinessCheck } from "../http/mod.ts";
import type { FaultRegistry } from "../runtime/chaos/mod.ts";
import { FaultKinds } from "../runtime/chaos/mod.ts";
import { withTimeout } from "../runtime/core/mod.ts";
import type { SqlExecutor } from "../runtime/sql/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import type { ProjectionEngine } from "../runtime/projection/mod.ts";

/** Phases of a node's start. */
export type StartupPhase = "starting" | "migrating" | "catching_up" | "done";

/**
 * Where a node's start is: `/health/startup` passes once migrations ran and
 * the projections run here reached the feed head the log had at start (a
 * node that does not project is done once it serves).
 */
export class StartupTracker {
  #phase: StartupPhase = "starting";
  readonly #startedAt = Date.now();
  #doneAt: number | null = null;
  #target: number | null = null;
  #error: string | null = null;

  set(phase: StartupPhase, target?: number): void {
    this.#phase = phase;
    if (target !== undefined) this.#target = target;
    if (phase === "done") this.#doneAt ??= Date.now();
  }

  /** A catch-up that failed (the check stays 503 and says why). */
  fail(error: unknown): void {
    this.#error = error instanceof Error ? error.message : String(error);
  }

  get done(): boolean {
    return this.#phase === "done";
  }

  check(): ReadinessCheck {
    return {
      ok: this.done,
      phase: this.#phase,
      startedAt: new Date(this.#startedAt).toISOString(),
      ...(this.#target === null ? {} : { catchUpTo: this.#target }),
      ...(this.#doneAt === null ? {} : {
        tookMs: this.#doneAt - this.#startedAt,
      }),
      ...(this.#error ? { error: this.#error } : {}),
    };
  }
}

/** The SQL component: a `SELECT 1` within a second. */
export async function sqlCheck(store: SqlExecutor): Promise<ReadinessCheck> {
  const started = performance.now();
  try {
    await store.query("SELECT 1", [], { signal: withTimeout(1000) });
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, error: String(error) };
  }
}

/** Free space below this fails the disk component. */
const MIN_FREE_BYTES = 64 * 1024 * 1024;
const DISK_CACHE_MS = 10_000;

/**
 * The disk component of `dir` (`df -Pk`, read at most every 10 s): free
 * and total bytes; not ok below 64 MiB free or while a `disk_full` fault is
 * active. Unknown (no `df`, no permission) counts as ok.
 */
export function diskCheck(
  dir: string,
  registry?: FaultRegistry,
): () => Promise<ReadinessCheck> {
  let cached: { at: number; free: number; total: number } | null = null;
  let unknown: string | null = null;
  return async () => {
    if (!cached || Date.now() - cached.at > DISK_CACHE_MS) {
      try {
        const out = await new Deno.Command("df", {
          args: ["-Pk", dir],
          stdout: "piped",
          stderr: "null",
        }).output();
        const line = new TextDecoder().decode(out.stdout).trim().split("\n")
          .at(-1)!.split(/\s+/);
        const total = Number(line[1]) * 1024;
        const free = Number(line[3]) * 1024;
        if (!out.success || !Number.isFinite(free)) throw new Error("no df");
        cached = { at: Date.now(), free, total };
        unknown = null;
      } catch (error) {
        unknown = error instanceof Error ? error.message : String(error);
      }
    }
    const injected = registry?.counts()[FaultKinds.diskFull] ?? 0;
    if (!cached) {
      return {
        ok: injected === 0,
        path: dir,
        unknown,
        injectedFull: injected > 0,
      };
    }
    return {
      ok: cached.free >= MIN_FREE_BYTES && injected === 0,
      path: dir,
      freeBytes: cached.free,
      totalBytes: cached.total,
      injectedFull: injected > 0,
    };
  };
}

/** The active-faults component: informational, never failing. */
export function faultsCheck(registry: FaultRegistry): ReadinessCheck {
  const faults = registry.active();
  return {
    ok: true,
    active: faults.length,
    faults: faults.map((f) => ({
      id: f.id,
      kind: f.kind,
      expiresAt: new Date(f.expiresAt).toISOString(),
      experimentId: f.experimentId,
    })),
  };
}

/**
 * Waits (in the background) until the projections run here reached the
 * head the log had at start: then `/health/startup` passes. A node that
 * does not project is started at once.
 */
export async function catchUp(
  log: EventLog,
  engine: ProjectionEngine | undefined,
  startup: StartupTracker,
  signal: AbortSignal,
): Promise<void> {
  if (!engine) return startup.set("done");
  try {
    const head = await log.headPosition({ signal });
    startup.set("catching_up", head);
    await engine.waitFor(head, { signal });
    startup.set("done");
  } catch (error) {
    if (!signal.aborted) startup.fail(error);
  }
}
