/**
 * Upcasting: stored events are never rewritten; an old schema version is
 * lifted to the current one, step by step, whenever it is read.
 */
import { EventVersionError } from "./errors.ts";
import type { Commit, DomainEvent } from "./types.ts";

/**
 * One step of an event type's schema history: reads `data` as written at
 * version `from` and returns it as version `from + 1`. Pure: the same old
 * data always gives the same new data.
 *
 * @example
 * ```ts
 * const renamed: Upcaster<{ name: string }, { navn: string }> = {
 *   type: "thing.created",
 *   from: 1,
 *   upcast: ({ name }) => ({ navn: name }),
 * };
 * ```
 */
export interface Upcaster<From = unknown, To = unknown> {
  readonly type: string;
  readonly from: number;
  upcast(data: From): To;
}

/**
 * The registry of upcasters for a set of event types: their current
 * versions (the aggregates' versions maps) and the steps leading to them.
 * Built once; checks at construction that every type above v1 has a step
 * from each older version, so a missing step fails at start, not on the
 * first old event. Types it does not know pass through untouched.
 *
 * @example
 * ```ts
 * const upcasters = new EventUpcasters({ "thing.created": 2 }, [renamed]);
 * upcasters.upcast({ type: "thing.created", v: 1, data: { name: "a" } });
 * // { type: "thing.created", v: 2, data: { navn: "a" } }
 * ```
 */
export class EventUpcasters {
  readonly #current = new Map<string, number>();
  /** Per type, the step from version i + 1 at index i. */
  readonly #steps = new Map<string, ((data: unknown) => unknown)[]>();

  constructor(
    versions: Readonly<Record<string, number>>,
    upcasters: readonly Upcaster[] = [],
  ) {
    for (const [type, version] of Object.entries(versions)) {
      if (!Number.isInteger(version) || version < 1) {
        throw new TypeError(
          `Current version of ${type} must be a positive integer, got ${version}`,
        );
      }
      this.#current.set(type, version);
      this.#steps.set(type, []);
    }
    for (const step of upcasters) {
      const current = this.#current.get(step.type);
      if (current === undefined) {
        throw new TypeError(
          `Upcaster of ${step.type} for a type without a current version`,
        );
      }
      if (
        !Number.isInteger(step.from) || step.from < 1 || step.from >= current
      ) {
        throw new TypeError(
          `Upcaster of ${step.type} from v${step.from} does not lead to v${current}`,
        );
      }
      const steps = this.#steps.get(step.type)!;
      if (steps[step.from - 1]) {
        throw new TypeError(
          `Two upcasters of ${step.type} from v${step.from}`,
        );
      }
      steps[step.from - 1] = (data) => step.upcast(data);
    }
    for (const [type, current] of this.#current) {
      const steps = this.#steps.get(type)!;
      for (let from = 1; from < current; from++) {
        if (!steps[from - 1]) {
          throw new TypeError(
            `No upcaster of ${type} from v${from} to v${from + 1}`,
          );
        }
      }
    }
  }

  /** The current version of `type`, or undefined when the registry does not know it. */
  current(type: string): number | undefined {
    return this.#current.get(type);
  }

  /**
   * The event at its type's current version: the same object when it is
   * current already or of a type the registry does not know. Throws
   * `EventVersionError` for a version newer than current (or not a positive
   * integer).
   */
  upcast(event: DomainEvent): DomainEvent {
    const current = this.#current.get(event.type);
    if (current === undefined || event.v === current) return event;
    if (!Number.isInteger(event.v) || event.v < 1 || event.v > current) {
      throw new EventVersionError(event.type, event.v, current);
    }
    const steps = this.#steps.get(event.type)!;
    let data = event.data;
    for (let v = event.v; v < current; v++) data = steps[v - 1](data);
    return { type: event.type, v: current, data };
  }

  /**
   * The commit with every event current: the same object when all are
   * already (the hot path allocates nothing), else a copy with new events.
   * An `EventVersionError` names the commit. With `lenient`, an event this
   * registry cannot lift stays as stored instead, for the consumer of its
   * type to refuse (`assertCurrentVersion`).
   */
  upcastCommit(commit: Commit, options: { lenient?: boolean } = {}): Commit {
    const events = commit.events;
    for (let i = 0; i < events.length; i++) {
      const current = this.#current.get(events[i].type);
      if (current === undefined || events[i].v === current) continue;
      try {
        return { ...commit, events: this.upcastEvents(events, options) };
      } catch (error) {
        if (!(error instanceof EventVersionError)) throw error;
        throw new EventVersionError(
          error.eventType,
          error.version,
          error.known,
          {
            commit,
          },
        );
      }
    }
    return commit;
  }

  /**
   * Every event current; the same array when all are already. With
   * `lenient`, an event it cannot lift is kept as stored.
   */
  upcastEvents(
    events: DomainEvent[],
    options: { lenient?: boolean } = {},
  ): DomainEvent[] {
    let out: DomainEvent[] | null = null;
    for (let i = 0; i < events.length; i++) {
      let event: DomainEvent;
      try {
        event = this.upcast(events[i]);
      } catch (error) {
        if (!options.lenient || !(error instanceof EventVersionError)) {
          throw error;
        }
        event = events[i];
      }
      if (out === null && event !== events[i]) out = events.slice(0, i);
      out?.push(event);
    }
    return out ?? events;
  }
}

/**
 * Throws `EventVersionError` unless `event` carries the current version of
 * its type in `versions`: what a projection checks before it reads an
 * event's data, so a version it does not know is never misread.
 *
 * @example
 * ```ts
 * assertCurrentVersion(InvoiceEventVersions, event);
 * ```
 */
export function assertCurrentVersion(
  versions: Readonly<Record<string, number>>,
  event: DomainEvent,
): void {
  const current = versions[event.type];
  if (event.v !== current) {
    throw new EventVersionError(event.type, event.v, current ?? 0);
  }
}
