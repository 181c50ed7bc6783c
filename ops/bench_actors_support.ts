/**
 * What the `actors` bench section and its heap child process share: the
 * trivial counter actor, a log that keeps nothing, and the arithmetic of
 * the figures (medians, spreads).
 */
import type { ActorDefinition } from "../runtime/actor/mod.ts";
import type {
  AppendRequest,
  AppendResult,
  Commit,
  DomainEvent,
  EventLog,
  Snapshot,
} from "../runtime/core/mod.ts";

/** The counter's one event. */
export type Incremented = DomainEvent<"counter.incremented", { by: number }>;

/** The trivial actor of the section: a counter, one event per command. */
export const COUNTER: ActorDefinition<{ by: number }, Incremented, number> = {
  type: "counter",
  decider: {
    initialState: 0,
    decide: (command) => [{
      type: "counter.incremented",
      v: 1,
      data: { by: command.by },
    }],
    evolve: (state, event) => state + event.data.by,
  },
};

/**
 * An `EventLog` that keeps nothing: every stream reads as empty, every append
 * is accepted at the version asked for. The heap of an `ActorSystem` over it
 * is the actor system's own, whatever the number of streams touched.
 */
export class DiscardEventLog implements EventLog {
  #position = 0;

  append(request: AppendRequest): Promise<AppendResult> {
    return Promise.resolve({
      version: request.expectedVersion + 1,
      position: ++this.#position,
      timestamp: Date.now(),
    });
  }
  readStream(): Promise<Commit[]> {
    return Promise.resolve([]);
  }
  readFeed(): Promise<Commit[]> {
    return Promise.resolve([]);
  }
  headPosition(): Promise<number> {
    return Promise.resolve(this.#position);
  }
  loadSnapshot(): Promise<Snapshot | null> {
    return Promise.resolve(null);
  }
  saveSnapshot(): Promise<void> {
    return Promise.resolve();
  }
  watch(): () => void {
    return () => {};
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * `log` as if it had no snapshots: loads answer none, saves are dropped. The
 * same stream then activates by full replay.
 */
export function withoutSnapshots(log: EventLog): EventLog {
  return {
    append: (request, options) => log.append(request, options),
    readStream: (type, id, after, options) =>
      log.readStream(type, id, after, options),
    readFeed: (after, limit, options) => log.readFeed(after, limit, options),
    headPosition: (options) => log.headPosition(options),
    loadSnapshot: () => Promise.resolve(null),
    saveSnapshot: () => Promise.resolve(),
    watch: (listener) => log.watch(listener),
    close: () => log.close(),
  };
}

/**
 * How far apart the samples are: `(max − min) / min`, and the extremes.
 * 0.1 is the ±10 % of "flat".
 */
export function spread(
  samples: readonly number[],
): { min: number; max: number; spread: number } {
  if (samples.length === 0) throw new RangeError("No samples");
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  return { min, max, spread: (max - min) / min };
}

/** What the heap child process answers (bytes). */
export interface HeapFigures {
  /** Heap per active actor over `actors` activations. */
  perActor?: { actors: number; bytesPerActor: number; active: number };
  /** Heap after GC at each `every` actors touched. */
  flat?: {
    touched: number;
    maxActive: number;
    samples: { touched: number; heapUsed: number; active: number }[];
    seconds: number;
  };
}
