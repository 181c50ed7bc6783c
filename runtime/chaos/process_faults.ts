import { memoryLimit } from "../telemetry/mod.ts";
import type { FaultChange, FaultRegistry } from "./registry.ts";
import { FaultKinds } from "./types.ts";
import type { ActiveFault } from "./types.ts";

const MIB = 1 << 20;
/** The most a `memory_leak` ever holds, whatever it asks for. */
const MEMORY_CAP_BYTES = 1024 * MIB;

/** Options of the process faults of one node. */
export interface ProcessFaultsOptions {
  registry: FaultRegistry;
  /**
   * What `node_kill` does once it is activated (default: SIGKILL this
   * process a moment later, so the control plane's reply still goes out).
   */
  kill?: (fault: ActiveFault) => void | Promise<void>;
}

/**
 * The faults that act on the whole process, driven by the registry's
 * changes: `cpu_stress` (workers burning a share of a core each, terminated
 * when the fault ends), `memory_leak` (an allocation growing at a rate up
 * to a cap — a quarter of the memory limit, at most 1 GiB — and dropped when
 * the fault ends, so it cannot take the node down) and `node_kill`.
 */
export class ProcessFaults {
  readonly #workers = new Map<string, Worker[]>();
  readonly #leaks = new Map<
    string,
    { chunks: Uint8Array[]; timer: ReturnType<typeof setInterval> }
  >();
  readonly #kill: (fault: ActiveFault) => void | Promise<void>;
  readonly #unsubscribe: () => void;
  readonly #registry: FaultRegistry;

  constructor(options: ProcessFaultsOptions) {
    this.#registry = options.registry;
    this.#kill = options.kill ?? killThisProcess;
    this.#unsubscribe = options.registry.subscribe((change) =>
      this.#apply(change)
    );
  }

  /** Workers burning and bytes held now. */
  stats(): { cpuWorkers: number; heldBytes: number } {
    let cpuWorkers = 0;
    for (const workers of this.#workers.values()) cpuWorkers += workers.length;
    let heldBytes = 0;
    for (const leak of this.#leaks.values()) {
      heldBytes += leak.chunks.length * MIB;
    }
    return { cpuWorkers, heldBytes };
  }

  /** Stops every worker, drops every allocation, stops listening. */
  close(): void {
    this.#unsubscribe();
    for (const id of [...this.#workers.keys()]) this.#stopCpu(id);
    for (const id of [...this.#leaks.keys()]) this.#stopLeak(id);
  }

  #apply(change: FaultChange): void {
    const { fault } = change;
    if (change.type === "cleared") {
      this.#stopCpu(fault.id);
      this.#stopLeak(fault.id);
      return;
    }
    switch (fault.kind) {
      case FaultKinds.cpuStress:
        return this.#startCpu(fault);
      case FaultKinds.memoryLeak:
        return void this.#startLeak(fault);
      case FaultKinds.nodeKill:
        return void this.#kill(fault);
    }
  }

  #startCpu(fault: ActiveFault): void {
    const count = Math.min(
      fault.params.workers as number,
      navigator.hardwareConcurrency || 1,
    );
    const workers: Worker[] = [];
    for (let i = 0; i < count; i++) {
      const worker = new Worker(
        new URL("./cpu_worker.ts", import.meta.url),
        { type: "module", name: `tms-chaos-cpu-${fault.id}-${i}` },
      );
      worker.postMessage({ share: fault.params.share });
      workers.push(worker);
    }
    this.#workers.set(fault.id, workers);
  }

  #stopCpu(id: string): void {
    for (const worker of this.#workers.get(id) ?? []) worker.terminate();
    this.#workers.delete(id);
  }

  async #startLeak(fault: ActiveFault): Promise<void> {
    const limit = await memoryLimit() ?? Deno.systemMemoryInfo().total;
    // Cleared while the limit was read: nothing to hold.
    if (!this.#registry.active().some((f) => f.id === fault.id)) return;
    const cap = Math.min(
      (fault.params.mb as number) * MIB,
      Math.floor(limit / 4),
      MEMORY_CAP_BYTES,
    );
    const chunks: Uint8Array[] = [];
    const perTick = Math.max(
      1,
      Math.round(fault.params.mbPerSecond as number / 10),
    );
    const timer = setInterval(() => {
      for (let i = 0; i < perTick && (chunks.length + 1) * MIB <= cap; i++) {
        // Filled, so the pages are resident, not just reserved.
        chunks.push(new Uint8Array(MIB).fill(1));
      }
      if ((chunks.length + 1) * MIB > cap) clearInterval(timer);
    }, 100);
    Deno.unrefTimer(timer);
    this.#leaks.set(fault.id, { chunks, timer });
  }

  #stopLeak(id: string): void {
    const leak = this.#leaks.get(id);
    if (!leak) return;
    clearInterval(leak.timer);
    leak.chunks.length = 0;
    this.#leaks.delete(id);
  }
}

function killThisProcess(): void {
  setTimeout(() => Deno.kill(Deno.pid, "SIGKILL"), 200);
}
