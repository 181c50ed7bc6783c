/**
 * Target selection (the blast radius) and the checks of a fault's
 * parameters against its kind's spec.
 */
import { FaultScopes, faultType } from "./types.ts";
import type {
  ActiveFault,
  FaultParams,
  FaultSelector,
  FaultSpec,
} from "./types.ts";

/** What a seam asks about: the actor a call concerns, or the unit it counts. */
export interface FaultTarget {
  /** Aggregate type and id of the actor, when the call concerns one. */
  type?: string;
  id?: string;
  /** A projection's name (projection seams). */
  projection?: string;
  /** The unit `percent` counts when it is not an actor (a request's number). */
  unit?: string;
}

/** FNV-1a of a string: the stable hash of `percent` (and of shards). */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * True when `unit` falls within `percent` for a fault seeded `seed`: the same
 * unit answers the same for the fault's whole life, and two faults pick
 * different units.
 */
export function inPercent(
  seed: string,
  unit: string,
  percent: number,
): boolean {
  if (percent >= 100) return true;
  return stableHash(`${seed}|${unit}`) % 10_000 < percent * 100;
}

/**
 * True when `fault` reaches `target`. A fault narrowed to aggregate types,
 * shards or a percent of actors never reaches a call that concerns no actor
 * (a feed read), so a narrowed fault stays narrow.
 */
export function selects(
  fault: ActiveFault,
  target: FaultTarget,
  shardOf?: (type: string, id: string) => number,
): boolean {
  const s = fault.selector;
  if (s.projections) {
    if (!target.projection || !s.projections.includes(target.projection)) {
      return false;
    }
  }
  if (s.aggregateTypes || s.shards) {
    if (target.type === undefined || target.id === undefined) return false;
    if (s.aggregateTypes && !s.aggregateTypes.includes(target.type)) {
      return false;
    }
    if (s.shards) {
      if (!shardOf || !s.shards.includes(shardOf(target.type, target.id))) {
        return false;
      }
    }
  }
  if (s.percent === undefined || s.percent >= 100) return true;
  const unit = target.type !== undefined && target.id !== undefined
    ? `${target.type}:${target.id}`
    : target.projection ?? target.unit;
  return unit !== undefined && inPercent(fault.id, unit, s.percent);
}

/** True when a fault with `selector` is held by `node`. */
export function onNode(selector: FaultSelector, node: string): boolean {
  return !selector.nodes || selector.nodes.includes(node);
}

/**
 * The share (0–1) of the system a fault reaches: the share of live nodes it
 * is on, times the share of its scope it selects (percent, shards of
 * `shards`). Aggregate types and projections count as all of their scope:
 * their weight is not known in advance, and the estimate must not be low.
 */
export function blastRadius(
  spec: Pick<FaultSpec, "kind" | "selector">,
  liveNodes: readonly string[],
  shards = 64,
): number {
  const s = spec.selector ?? {};
  const live = liveNodes.length;
  const nodeShare = !s.nodes || live === 0
    ? 1
    : Math.min(1, s.nodes.filter((n) => liveNodes.includes(n)).length / live);
  const type = faultType(spec.kind);
  if (type?.scope === FaultScopes.node) return nodeShare;
  const percent = (s.percent ?? 100) / 100;
  const shardShare = s.shards ? Math.min(1, s.shards.length / shards) : 1;
  return nodeShare * percent * shardShare;
}

/**
 * Checks a fault to inject and fills its parameters' defaults; throws
 * `RangeError` naming what is wrong (an unknown kind or parameter, a value
 * out of range, a duration that is not positive or longer than `maxMs`).
 */
export function checkFaultSpec(
  spec: FaultSpec,
  maxDurationMs: number,
): { params: FaultParams; selector: FaultSelector } {
  const type = faultType(spec.kind);
  if (!type) throw new RangeError(`Unknown fault kind ${spec.kind}`);
  if (!Number.isFinite(spec.durationMs) || spec.durationMs <= 0) {
    throw new RangeError("A fault needs a positive duration");
  }
  if (spec.durationMs > maxDurationMs) {
    throw new RangeError(
      `A fault may last at most ${
        Math.floor(maxDurationMs / 1000)
      } s (the maximum experiment duration)`,
    );
  }
  const params: FaultParams = {};
  const given = spec.params ?? {};
  for (const name of Object.keys(given)) {
    if (!(name in type.params)) {
      throw new RangeError(`${spec.kind} takes no parameter ${name}`);
    }
  }
  for (const [name, p] of Object.entries(type.params)) {
    const value = given[name] ?? p.default;
    const bad = (why: string) =>
      new RangeError(
        `${spec.kind}.${name} ${why}, got ${JSON.stringify(value)}`,
      );
    if (p.type === "number") {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw bad("must be a number");
      }
      if (
        (p.min !== undefined && value < p.min) ||
        (p.max !== undefined && value > p.max)
      ) throw bad(`must be from ${p.min} to ${p.max}`);
    } else if (p.type === "boolean") {
      if (typeof value !== "boolean") throw bad("must be true or false");
    } else if (p.type === "enum") {
      if (typeof value !== "string" || !p.values!.includes(value)) {
        throw bad(`must be one of ${p.values!.join(", ")}`);
      }
    } else {
      if (
        !Array.isArray(value) || value.length === 0 ||
        !value.every((v) => p.values!.includes(v))
      ) throw bad(`must be a non-empty list of ${p.values!.join(", ")}`);
    }
    params[name] = Array.isArray(value) ? [...value] : value;
  }
  return { params, selector: checkSelector(spec.selector ?? {}) };
}

function checkSelector(selector: FaultSelector): FaultSelector {
  const out: FaultSelector = {};
  const list = (name: keyof FaultSelector, value: unknown) => {
    if (!Array.isArray(value) || value.length === 0) {
      throw new RangeError(`selector.${name} must be a non-empty list`);
    }
  };
  if (selector.nodes !== undefined) {
    list("nodes", selector.nodes);
    out.nodes = [...selector.nodes];
  }
  if (selector.aggregateTypes !== undefined) {
    list("aggregateTypes", selector.aggregateTypes);
    out.aggregateTypes = [...selector.aggregateTypes];
  }
  if (selector.projections !== undefined) {
    list("projections", selector.projections);
    out.projections = [...selector.projections];
  }
  if (selector.shards !== undefined) {
    list("shards", selector.shards);
    if (!selector.shards.every((s) => Number.isInteger(s) && s >= 0)) {
      throw new RangeError("selector.shards must be shard numbers");
    }
    out.shards = [...selector.shards];
  }
  if (selector.percent !== undefined) {
    const p = selector.percent;
    if (typeof p !== "number" || !(p > 0 && p <= 100)) {
      throw new RangeError("selector.percent must be above 0 and at most 100");
    }
    out.percent = p;
  }
  return out;
}
