/**
 * What a backup holds and how it proves it: the entry names, the manifest
 * (counts, last position, SHA-256 of every part, a state hash per stream),
 * and the state hasher that folds a stream's commits with its decider.
 */
import { createHash } from "node:crypto";
import type { Commit, Decider, DomainEvent } from "../core/mod.ts";

/** Format name and version in every archive's header and manifest. */
export const BACKUP_FORMAT = "tms-backup";
export const BACKUP_FORMAT_VERSION = 1;

/** A data backup, or the separate export of personal-data keys. */
export const BackupKinds = { data: "data", keys: "keys" } as const;
export type BackupKind = typeof BackupKinds[keyof typeof BackupKinds];

/** Entry names inside the archive (a gzip-compressed tar). */
export const BackupEntries = {
  /** First entry: format, kind, mode, position, time. */
  header: "tms-backup.json",
  /** Feed segments: NDJSON commits as stored, in feed order. */
  commits: (n: number) => `commits/${String(n).padStart(6, "0")}.ndjson`,
  /** Snapshot segments: NDJSON `{ type, id, snapshot }`. */
  snapshots: (n: number) => `snapshots/${String(n).padStart(6, "0")}.ndjson`,
  /** One stored file's bytes (its info is in `files.ndjson`). */
  file: (id: string) => `files/${id}`,
  /** The infos of every file, NDJSON. */
  fileIndex: "files.ndjson",
  /** Named feed checkpoints (the integration relay's), JSON. */
  checkpoints: "checkpoints.json",
  /** Key segments of a keys export: NDJSON `{ subject, key }`. */
  keys: (n: number) => `keys/${String(n).padStart(6, "0")}.ndjson`,
  /** Last but one: the manifest. */
  manifest: "manifest.json",
  /** Last: the SHA-256 of the manifest's bytes. */
  manifestHash: "manifest.json.sha256",
} as const;

/** Where a backup was taken. */
export type BackupMode = "embedded" | "distributed";

/** The first entry of an archive. */
export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: number;
  kind: BackupKind;
  mode: BackupMode;
  /** Last feed position the backup holds (0 for a keys export). */
  position: number;
  createdAt: string;
}

/** One part (entry) of the archive as the manifest lists it. */
export interface ManifestPart {
  name: string;
  sha256: string;
  bytes: number;
  /** Records in it (commits, snapshots, files, keys); 1 for a file. */
  count: number;
  /** First and last feed position of a commit segment. */
  first?: number;
  last?: number;
}

/** The manifest: everything a restore and a verify check. */
export interface BackupManifest extends BackupHeader {
  counts: {
    commits: number;
    events: number;
    streams: number;
    snapshots: number;
    files: number;
    keys: number;
  };
  parts: ManifestPart[];
  /** Per stream (`<type>/<id>`): its version at `position` and the SHA-256 of its folded state. */
  streams: Record<string, { version: number; state: string }>;
  checkpoints: Record<string, number>;
}

/** Lower-case hex SHA-256 of `data`. */
export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * JSON with every object's keys sorted, so equal states hash alike whatever
 * order their fields were set in (values with `toJSON`, like Decimal, first
 * become what they serialize as).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = v[key];
    return sorted;
  });
}

/** What the state hasher needs of an aggregate type. */
export interface FoldDefinition {
  type: string;
  // deno-lint-ignore no-explicit-any
  decider: Decider<any, DomainEvent, any>;
}

/**
 * Folds every stream's commits, in feed order, with its aggregate's decider
 * (the events upcast first, as actors see them) and hashes the states:
 * `SHA-256(canonical JSON of the state)` per stream. Refuses a stream whose
 * versions are not consecutive, a position out of order, or an aggregate
 * type it has no decider for. Holds every stream's state until the end: its
 * memory is the sum of the states.
 */
export class StateHasher {
  readonly #definitions: Map<string, FoldDefinition>;
  readonly #upcast: (commit: Commit) => Commit;
  readonly #streams = new Map<string, { version: number; state: unknown }>();
  #position = 0;
  #events = 0;

  constructor(
    definitions: Iterable<FoldDefinition>,
    upcast: (commit: Commit) => Commit = (c) => c,
  ) {
    this.#definitions = new Map([...definitions].map((d) => [d.type, d]));
    this.#upcast = upcast;
  }

  /** Last position applied. */
  get position(): number {
    return this.#position;
  }

  get events(): number {
    return this.#events;
  }

  get streams(): number {
    return this.#streams.size;
  }

  /** Folds one commit; throws `RangeError` on a gap or an unknown type. */
  apply(stored: Commit): void {
    if (stored.position !== this.#position + 1) {
      throw new RangeError(
        `Feed position ${stored.position} follows ${this.#position}: the feed has a gap`,
      );
    }
    const def = this.#definitions.get(stored.type);
    if (!def) {
      throw new RangeError(`No decider for aggregate type ${stored.type}`);
    }
    const key = `${stored.type}/${stored.id}`;
    const current = this.#streams.get(key) ??
      { version: 0, state: def.decider.initialState };
    if (stored.version !== current.version + 1) {
      throw new RangeError(
        `Stream ${key} jumps from version ${current.version} to ${stored.version}`,
      );
    }
    const commit = this.#upcast(stored);
    let state = current.state;
    for (const event of commit.events) state = def.decider.evolve(state, event);
    this.#streams.set(key, { version: stored.version, state });
    this.#position = stored.position;
    this.#events += stored.events.length;
  }

  /** The version and state hash of every stream, by `<type>/<id>`, sorted. */
  hashes(): Record<string, { version: number; state: string }> {
    const out: Record<string, { version: number; state: string }> = {};
    for (const key of [...this.#streams.keys()].sort()) {
      const { version, state } = this.#streams.get(key)!;
      out[key] = { version, state: sha256(canonicalJson(state)) };
    }
    return out;
  }
}
