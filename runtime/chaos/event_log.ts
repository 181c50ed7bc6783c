import { delay, UnavailableError } from "../core/mod.ts";
import type {
  AppendRequest,
  AppendResult,
  Commit,
  EventLog,
  SignalOptions,
  Snapshot,
} from "../core/mod.ts";
import type { FaultRegistry } from "./registry.ts";
import type { Seam } from "./seam.ts";
import type { FaultTarget } from "./selector.ts";
import { DISK_FULL_RETRY_S, FaultKinds } from "./types.ts";
import type { LogOperation } from "./types.ts";

/**
 * The event log's chaos seam: a decorator that, while the registry holds a
 * `log_latency`, `log_error`, `log_outage` or `disk_full` fault, delays or
 * fails the calls it selects with `UnavailableError` — which the actors
 * retry and the edge answers with 503 and `Retry-After`, never 500. With no
 * such fault a call costs one check and goes straight to the inner log (its
 * promise returned as it is).
 *
 * @example
 * ```ts
 * const log = new ChaosEventLog(await KvEventLog.open(path), registry);
 * ```
 */
export class ChaosEventLog implements EventLog {
  readonly inner: EventLog;
  readonly #seam: Seam;
  readonly #registry: FaultRegistry;

  constructor(inner: EventLog, registry: FaultRegistry) {
    this.inner = inner;
    this.#seam = registry.seams.log;
    this.#registry = registry;
  }

  append(
    request: AppendRequest,
    options?: SignalOptions,
  ): Promise<AppendResult> {
    if (!this.#seam.armed) return this.inner.append(request, options);
    return this.#append(request, options);
  }

  readStream(
    type: string,
    id: string,
    afterVersion: number,
    options?: SignalOptions,
  ): Promise<Commit[]> {
    if (!this.#seam.armed) {
      return this.inner.readStream(type, id, afterVersion, options);
    }
    return this.#faulted(
      "read",
      { type, id },
      () => this.inner.readStream(type, id, afterVersion, options),
    );
  }

  readFeed(
    afterPosition: number,
    limit: number,
    options?: SignalOptions,
  ): Promise<Commit[]> {
    if (!this.#seam.armed) {
      return this.inner.readFeed(afterPosition, limit, options);
    }
    return this.#faulted(
      "read",
      {},
      () => this.inner.readFeed(afterPosition, limit, options),
    );
  }

  headPosition(options?: SignalOptions): Promise<number> {
    if (!this.#seam.armed) return this.inner.headPosition(options);
    return this.#faulted("read", {}, () => this.inner.headPosition(options));
  }

  loadSnapshot(
    type: string,
    id: string,
    options?: SignalOptions,
  ): Promise<Snapshot | null> {
    if (!this.#seam.armed) return this.inner.loadSnapshot(type, id, options);
    return this.#faulted(
      "snapshot",
      { type, id },
      () => this.inner.loadSnapshot(type, id, options),
    );
  }

  saveSnapshot(
    type: string,
    id: string,
    snapshot: Snapshot,
    options?: SignalOptions,
  ): Promise<void> {
    if (!this.#seam.armed) {
      return this.inner.saveSnapshot(type, id, snapshot, options);
    }
    return this.#faulted(
      "snapshot",
      { type, id },
      () => this.inner.saveSnapshot(type, id, snapshot, options),
      true,
    );
  }

  watch(listener: (position: number) => void): () => void {
    return this.inner.watch(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async #append(
    request: AppendRequest,
    options?: SignalOptions,
  ): Promise<AppendResult> {
    const failAfter = await this.#before(
      "append",
      { type: request.type, id: request.id },
      true,
      options?.signal,
    );
    const result = await this.inner.append(request, options);
    if (failAfter) {
      throw new UnavailableError(
        "Injected event-log error after the append landed",
      );
    }
    return result;
  }

  async #faulted<T>(
    operation: LogOperation,
    target: FaultTarget,
    call: () => Promise<T>,
    write = false,
  ): Promise<T> {
    await this.#before(operation, target, write, undefined);
    return await call();
  }

  /**
   * Applies the faults selecting this call: throws for an outage, a full disk
   * (writes) or an error; waits out latency. True when an append is to fail
   * after it lands.
   */
  async #before(
    operation: LogOperation,
    target: FaultTarget,
    write: boolean,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    let latencyMs = 0;
    let failAfter = false;
    for (const fault of this.#seam.faults) {
      if (fault.kind === FaultKinds.logOutage) {
        throw new UnavailableError(
          "The event log is unavailable (injected outage)",
        );
      }
    }
    for (const fault of this.#seam.select(target)) {
      const p = fault.params;
      switch (fault.kind) {
        case FaultKinds.diskFull:
          if (write) {
            throw new UnavailableError(
              "No space left on the device: the event log refuses writes (injected disk_full)",
              { retryAfter: DISK_FULL_RETRY_S },
            );
          }
          break;
        case FaultKinds.logLatency:
          if ((p.operations as string[]).includes(operation)) {
            latencyMs = Math.max(latencyMs, p.latencyMs as number);
          }
          break;
        case FaultKinds.logError:
          if (
            (p.operations as string[]).includes(operation) &&
            this.#seam.roll(p.rate as number)
          ) {
            if (operation === "append" && p.afterWrite) failAfter = true;
            else {
              throw new UnavailableError(
                `Injected event-log ${operation} error`,
              );
            }
          }
          break;
      }
    }
    if (latencyMs > 0) await this.#latency(latencyMs, signal);
    return failAfter;
  }

  /**
   * Waits out injected latency; a latency fault cleared (expired, stopped,
   * the emergency stop) ends every such wait at once, so nothing is still
   * held back by a fault that is gone. The caller's abort rejects as usual.
   */
  async #latency(ms: number, signal: AbortSignal | undefined): Promise<void> {
    const changed = new AbortController();
    const unsubscribe = this.#registry.subscribe((change) => {
      if (
        change.type === "cleared" && change.fault.kind === FaultKinds.logLatency
      ) {
        changed.abort();
      }
    });
    try {
      await delay(ms, {
        signal: signal
          ? AbortSignal.any([signal, changed.signal])
          : changed.signal,
      });
    } catch (error) {
      if (!changed.signal.aborted || signal?.aborted) throw error;
    } finally {
      unsubscribe();
    }
  }
}
