import { delay } from "../core/mod.ts";
import { UnavailableError } from "../core/mod.ts";
import type {
  AppendRequest,
  AppendResult,
  Commit,
  EventLog,
  SignalOptions,
  Snapshot,
} from "../core/mod.ts";

/** The operations of an `EventLog` where a fault can be injected. */
export const EventLogSeams = {
  append: "append",
  read: "read",
  snapshot: "snapshot",
} as const;
export type EventLogSeam = typeof EventLogSeams[keyof typeof EventLogSeams];

/** A fault at one seam: extra latency and/or failing the next `times` calls. */
export interface EventLogFault {
  seam: EventLogSeam;
  latencyMs?: number;
  /** How many calls fail (Infinity for an outage); 0 for latency only. */
  times?: number;
  /** For append: fail after the write landed (the caller sees an error anyway). */
  afterWrite?: boolean;
}

/**
 * A decorator that injects latency and errors at named seams of a real log:
 * the tool of the supervision tests (the node's chaos seam is
 * `ChaosEventLog` of `runtime/chaos`).
 */
export class FaultyEventLog implements EventLog {
  readonly inner: EventLog;
  #faults: (EventLogFault & { left: number })[] = [];

  constructor(inner: EventLog) {
    this.inner = inner;
  }

  /** Adds a fault; returns the function that removes it. */
  inject(fault: EventLogFault): () => void {
    const entry = { ...fault, left: fault.times ?? 0 };
    this.#faults.push(entry);
    return () => {
      this.#faults = this.#faults.filter((f) => f !== entry);
    };
  }

  /** Removes every fault (the emergency stop). */
  clear(): void {
    this.#faults = [];
  }

  async append(
    request: AppendRequest,
    options?: SignalOptions,
  ): Promise<AppendResult> {
    const fault = await this.#before(EventLogSeams.append, true);
    const result = await this.inner.append(request, options);
    if (fault) throw new UnavailableError("Injected fault after append");
    return result;
  }

  async readStream(
    type: string,
    id: string,
    afterVersion: number,
    options?: SignalOptions,
  ): Promise<Commit[]> {
    await this.#before(EventLogSeams.read);
    return await this.inner.readStream(type, id, afterVersion, options);
  }

  async readFeed(
    afterPosition: number,
    limit: number,
    options?: SignalOptions,
  ): Promise<Commit[]> {
    await this.#before(EventLogSeams.read);
    return await this.inner.readFeed(afterPosition, limit, options);
  }

  async headPosition(options?: SignalOptions): Promise<number> {
    await this.#before(EventLogSeams.read);
    return await this.inner.headPosition(options);
  }

  async loadSnapshot(
    type: string,
    id: string,
    options?: SignalOptions,
  ): Promise<Snapshot | null> {
    await this.#before(EventLogSeams.snapshot);
    return await this.inner.loadSnapshot(type, id, options);
  }

  async saveSnapshot(
    type: string,
    id: string,
    snapshot: Snapshot,
    options?: SignalOptions,
  ): Promise<void> {
    await this.#before(EventLogSeams.snapshot);
    await this.inner.saveSnapshot(type, id, snapshot, options);
  }

  watch(listener: (position: number) => void): () => void {
    return this.inner.watch(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Applies latency; throws now, or returns true to throw after the write. */
  async #before(seam: EventLogSeam, canDefer = false): Promise<boolean> {
    let failAfter = false;
    for (const fault of this.#faults) {
      if (fault.seam !== seam) continue;
      if (fault.latencyMs) await delay(fault.latencyMs);
      if (fault.left > 0) {
        fault.left--;
        if (fault.afterWrite && canDefer) failAfter = true;
        else throw new UnavailableError(`Injected ${seam} fault`);
      }
    }
    return failAfter;
  }
}
