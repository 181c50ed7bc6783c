/**
 * Reads of an actor's past straight from the log, on whichever node asks
 * (not through the mailbox, so they work for an actor another node owns):
 * its state at a version or an instant, and its commits. Both judge tenancy
 * on the state replayed, like the mailbox's own check.
 */
import type { Commit, EventLog, Principal } from "../core/mod.ts";
import { replayTo } from "./state.ts";
import type { AnyDefinition, AsOf, Replayed } from "./state.ts";
import type { ReadOptions } from "./types.ts";

/**
 * True when `principal` has another tenant than the actor's `state` (or, for
 * one that does not exist yet, the `command`'s): the second tenancy check,
 * whatever the edge did. No principal, a platform principal or an actor type
 * that is not tenant-scoped: never foreign.
 */
export function isForeign(
  def: AnyDefinition,
  principal: Principal | undefined,
  state: unknown,
  command: unknown,
  id: string,
): boolean {
  if (!principal || principal.tenant === null || !def.tenantOf) return false;
  const tenant = def.tenantOf(state, command, id);
  return tenant !== undefined && tenant !== principal.tenant;
}

/** `ActorSystem.readAt`: the state at `asOf`, null when absent or foreign. */
export async function readAt<S>(
  log: EventLog,
  def: AnyDefinition,
  type: string,
  id: string,
  asOf: AsOf,
  options: ReadOptions,
): Promise<(Replayed & { state: S }) | null> {
  options.signal?.throwIfAborted();
  const replayed = await replayTo(log, def, type, id, asOf);
  if (replayed === null) return null;
  if (isForeign(def, options.principal, replayed.state, undefined, id)) {
    return null;
  }
  return replayed as Replayed & { state: S };
}

/** `ActorSystem.history`: commits after `afterVersion`, null when empty or foreign. */
export async function history(
  log: EventLog,
  def: AnyDefinition,
  type: string,
  id: string,
  options: ReadOptions & { afterVersion?: number; limit?: number },
): Promise<{ commits: Commit[]; version: number } | null> {
  const commits = await log.readStream(type, id, 0, {
    signal: options.signal,
  });
  if (commits.length === 0) return null;
  let state = def.decider.initialState;
  for (const commit of commits) {
    for (const event of commit.events) {
      state = def.decider.evolve(state, event);
    }
  }
  if (isForeign(def, options.principal, state, undefined, id)) return null;
  const after = options.afterVersion ?? 0;
  return {
    commits: commits.filter((c) => c.version > after).slice(
      0,
      options.limit ?? commits.length,
    ),
    version: commits[commits.length - 1].version,
  };
}
