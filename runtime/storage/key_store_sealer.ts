import { DomainError } from "../core/errors.ts";
import type {
  Commit,
  DomainEvent,
  EventSealer,
  SignalOptions,
  Snapshot,
  StreamRef,
} from "../core/types.ts";
import type { EncryptedValue, KeyStore } from "./key_store.ts";

/** Which fields of one event type are sealed, and with whose key. */
export interface SealedFields {
  /**
   * The data subject whose key seals the fields, or `null`: the event is
   * stored as it is (e.g. a business customer, not a person).
   */
  subject(stream: StreamRef, data: unknown): string | null;
  /** Dot paths (`kunde.navn`) of the string fields sealed; others pass. */
  paths: readonly string[];
}

/** What a `KeyStoreSealer` seals. */
export interface SealingSpec {
  /** Per event type; a type not here is stored as it is. */
  events: Readonly<Record<string, SealedFields>>;
  /**
   * Per actor type: the subject whose key seals a snapshot as a whole
   * (state and recent results), or `null` to store it as it is.
   */
  snapshots: Readonly<
    Record<string, (id: string, state: unknown) => string | null>
  >;
}

/** The stored form of a sealed snapshot's state. */
interface SealedState {
  $sealed: EncryptedValue;
}

/** True for a ciphertext as `KeyStore.encrypt` makes it. */
export function isEncryptedValue(value: unknown): value is EncryptedValue {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.keyId === "string" && typeof v.ciphertext === "string" &&
    typeof v.iv === "string";
}

/**
 * The `EventSealer` over a `KeyStore`: the declared string fields of each
 * event are encrypted with the key of the event's data subject (created on
 * first use) and replaced by the ciphertext; reading replaces each
 * ciphertext found at a declared path by its plaintext, or `null` when the
 * key was shredded. A plain string at a declared path (written before the
 * field was sealed) passes as it is until its subject is erased, then reads
 * `null` too: it stays in the stored log, but no reader gets it. Each batch
 * loads a subject's key, and asks whether it is erased, once. Snapshots of declared actor types are sealed whole;
 * one whose key is gone opens as `null` (the actor replays its stream), and
 * one whose subject was erased is not stored.
 *
 * @example
 * ```ts
 * const sealer = new KeyStoreSealer(keys, {
 *   events: { "person.named": { subject: (s) => s.id, paths: ["navn"] } },
 *   snapshots: { person: (id) => id },
 * });
 * const log = new SealingEventLog(stored, sealer);
 * ```
 */
export class KeyStoreSealer implements EventSealer {
  readonly #keys: KeyStore;
  readonly #spec: SealingSpec;

  constructor(keys: KeyStore, spec: SealingSpec) {
    this.#keys = keys;
    this.#spec = spec;
  }

  async seal(
    stream: StreamRef,
    events: DomainEvent[],
    options?: SignalOptions,
  ): Promise<DomainEvent[]> {
    let out: DomainEvent[] | null = null;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const fields = this.#spec.events[event.type];
      const subject = fields?.subject(stream, event.data) ?? null;
      if (!fields || subject === null) {
        out?.push(event);
        continue;
      }
      const data = structuredClone(event.data) as Record<string, unknown>;
      for (const path of fields.paths) {
        const at = locate(data, path);
        if (at && typeof at.value === "string") {
          at.parent[at.key] = await this.#keys.encrypt(
            subject,
            at.value,
            options,
          );
        }
      }
      out ??= events.slice(0, i);
      out.push({ ...event, data });
    }
    return out ?? events;
  }

  async open(commits: Commit[], options?: SignalOptions): Promise<Commit[]> {
    const sealed: Found[] = [];
    const clear: (Found & { subject: string })[] = [];
    let out: Commit[] | null = null;
    for (let c = 0; c < commits.length; c++) {
      const commit = commits[c];
      let events: DomainEvent[] | null = null;
      for (let e = 0; e < commit.events.length; e++) {
        const event = commit.events[e];
        const fields = this.#spec.events[event.type];
        const kinds = fields ? fieldKinds(event.data, fields.paths) : 0;
        const subject = kinds & CLEAR
          ? fields!.subject(commit, event.data)
          : null;
        if (!(kinds & SEALED) && subject === null) {
          events?.push(event);
          continue;
        }
        const data = structuredClone(event.data) as Record<string, unknown>;
        for (const path of fields!.paths) {
          const at = locate(data, path);
          if (at && isEncryptedValue(at.value)) {
            sealed.push({ parent: at.parent, key: at.key, value: at.value });
          } else if (at && typeof at.value === "string" && subject !== null) {
            clear.push({ parent: at.parent, key: at.key, subject });
          }
        }
        events ??= commit.events.slice(0, e);
        events.push({ ...event, data });
      }
      if (events !== null) {
        out ??= commits.slice(0, c);
        out.push({ ...commit, events });
      } else {
        out?.push(commit);
      }
    }
    if (out === null) return commits;
    const plain = await this.#keys.decryptAll(
      sealed.map((f) => f.value!),
      options,
    );
    sealed.forEach(({ parent, key }, i) => parent[key] = plain[i]);
    // A clear value was written before its field was sealed: it stays in
    // the log, but once its subject is erased no reader gets it.
    const erased = new Map<string, Promise<boolean>>();
    for (const { subject } of clear) {
      if (!erased.has(subject)) {
        erased.set(subject, this.#keys.erased(subject, options));
      }
    }
    for (const { parent, key, subject } of clear) {
      if (await erased.get(subject)) parent[key] = null;
    }
    return out;
  }

  async sealSnapshot(
    stream: StreamRef,
    snapshot: Snapshot,
    options?: SignalOptions,
  ): Promise<Snapshot | null> {
    const subject = this.#spec.snapshots[stream.type]?.(
      stream.id,
      snapshot.state,
    ) ?? null;
    if (subject === null) return snapshot;
    try {
      const sealed: SealedState = {
        $sealed: await this.#keys.encrypt(
          subject,
          JSON.stringify({ state: snapshot.state, recent: snapshot.recent }),
          options,
        ),
      };
      return { ...snapshot, state: sealed, recent: [] };
    } catch (error) {
      // An erased subject: no snapshot, the stream replays.
      if (error instanceof DomainError) return null;
      throw error;
    }
  }

  async openSnapshot(
    _stream: StreamRef,
    snapshot: Snapshot,
    options?: SignalOptions,
  ): Promise<Snapshot | null> {
    const state = snapshot.state as Partial<SealedState> | null;
    if (
      typeof state !== "object" || state === null ||
      !isEncryptedValue(state.$sealed)
    ) {
      return snapshot;
    }
    const plain = await this.#keys.decrypt(state.$sealed, options);
    if (plain === null) return null;
    const opened = JSON.parse(plain) as Pick<Snapshot, "state" | "recent">;
    return { ...snapshot, state: opened.state, recent: opened.recent };
  }
}

function locate(
  data: unknown,
  path: string,
): { parent: Record<string, unknown>; key: string; value: unknown } | null {
  const parts = path.split(".");
  let node = data;
  for (let i = 0; i < parts.length - 1; i++) {
    if (typeof node !== "object" || node === null) return null;
    node = (node as Record<string, unknown>)[parts[i]];
  }
  if (typeof node !== "object" || node === null) return null;
  const key = parts[parts.length - 1];
  const parent = node as Record<string, unknown>;
  return { parent, key, value: parent[key] };
}

interface Found {
  parent: Record<string, unknown>;
  key: string;
  value?: EncryptedValue;
}

const SEALED = 1;
const CLEAR = 2;

/** Whether the declared paths hold ciphertexts (`SEALED`), plain strings (`CLEAR`), both or neither. */
function fieldKinds(data: unknown, paths: readonly string[]): number {
  let kinds = 0;
  for (const path of paths) {
    const value = locate(data, path)?.value;
    if (isEncryptedValue(value)) kinds |= SEALED;
    else if (typeof value === "string") kinds |= CLEAR;
  }
  return kinds;
}
