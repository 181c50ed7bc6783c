import type { Commit } from "./types.ts";

/** A read-model row that remembers the stream version and feed position it reflects. */
export interface VersionedRow {
  version: number;
  position: number;
}

/**
 * Folds a batch of commits into rows keyed by stream id. A commit the row
 * already reflects (its version is not newer) is skipped, so applying a batch
 * twice changes nothing. Returns the ids of the rows that changed.
 *
 * @example
 * ```ts
 * const changed = foldRows(commits, rows, evolve);
 * if (changed.length > 0) await tx.query(UPSERT, [JSON.stringify(changed.map((id) => rows.get(id)))]);
 * ```
 */
export function foldRows<R extends VersionedRow, E>(
  commits: readonly Commit[],
  rows: Map<string, R>,
  evolve: (row: R | null, commit: Commit, event: E) => R | null,
): string[] {
  const changed = new Set<string>();
  for (const commit of commits) {
    let row = rows.get(commit.id) ?? null;
    if (row && commit.version <= row.version) continue;
    for (const event of commit.events as E[]) row = evolve(row, commit, event);
    if (row === null) continue;
    row.version = commit.version;
    row.position = commit.position;
    rows.set(commit.id, row);
    changed.add(commit.id);
  }
  return [...changed];
}
