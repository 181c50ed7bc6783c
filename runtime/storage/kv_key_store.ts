import { AesKeyStore, isTombstone } from "./key_store.ts";
import type { StoredKey } from "./key_store.ts";

/** Key of a subject's stored key (or tombstone) in the store's Deno KV file. */
const keyOf = (subject: string): Deno.KvKey => ["key", subject];

/** Most new keys written in one atomic (Deno KV allows 100 checks in one). */
const MAX_BATCH = 100;

interface PendingCreate {
  subject: string;
  key: StoredKey;
  resolve: (held: StoredKey) => void;
  reject: (error: unknown) => void;
}

/**
 * The embedded key store: the subjects' keys in a Deno KV file of their own
 * (`TMS_DATA_DIR/keys.kv`), beside the event log and never in its backups (a
 * restored log must not bring shredded keys back). New keys are written by
 * group commit — the keys created while one atomic is in flight go together
 * in the next, each checked absent — so a burst of new data subjects (every
 * private customer of a new invoice) costs one write, not one file and one
 * fsync each (measured: 530 µs of CPU per new subject as files, the whole of
 * a draft's cost twice over).
 *
 * A store that still has the per-subject files of earlier versions
 * (`TMS_DATA_DIR/keys/<subject>.json`) takes them in when it opens — keys and
 * tombstones alike, never over what it holds — and deletes each file once
 * its key is stored, so a shredded key is gone from disk in one place.
 *
 * @example
 * ```ts
 * const keys = await KvKeyStore.open(`${dataDir}/keys.kv`, { legacyDir: `${dataDir}/keys` });
 * const value = await keys.encrypt(employeeId, "01010012356");
 * ```
 */
export class KvKeyStore extends AesKeyStore {
  readonly #kv: Deno.Kv;
  #queue: PendingCreate[] = [];
  #writing: Promise<void> | null = null;
  #closed = false;
  protected override readonly createAnswers = true;

  private constructor(kv: Deno.Kv) {
    super();
    this.#kv = kv;
  }

  /**
   * Opens (or creates) the store at `path`; with `legacyDir`, first takes in
   * the key files an earlier version kept there.
   */
  static async open(
    path: string,
    options: { legacyDir?: string } = {},
  ): Promise<KvKeyStore> {
    const dir = path.replace(/[\\/][^\\/]*$/, "");
    if (dir && dir !== path) await Deno.mkdir(dir, { recursive: true });
    // Owner-only, created so before SQLite opens it (its journal files take
    // the database file's mode).
    await Deno.writeFile(path, new Uint8Array(), { append: true, mode: 0o600 });
    await Deno.chmod(path, 0o600);
    const store = new KvKeyStore(await Deno.openKv(path));
    try {
      if (options.legacyDir) await store.#takeIn(options.legacyDir);
      return store;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  protected async load(subject: string): Promise<StoredKey | null> {
    return (await this.#kv.get<StoredKey>(keyOf(subject))).value;
  }

  protected create(subject: string, key: StoredKey): Promise<StoredKey> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ subject, key, resolve, reject });
      this.#writing ??= this.#write();
    });
  }

  protected async remove(subject: string): Promise<boolean> {
    const held = await this.#kv.get(keyOf(subject));
    if (held.versionstamp === null) return false;
    await this.#kv.delete(keyOf(subject));
    return true;
  }

  protected async *subjects(): AsyncIterable<string> {
    for await (const entry of this.#kv.list({ prefix: ["key"] })) {
      yield entry.key[1] as string;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writing;
    this.#kv.close();
  }

  /** Writes the queued creates, a batch per atomic, until none is left. */
  async #write(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH);
        await this.#commit(batch).catch((error) => {
          for (const p of batch) p.reject(error);
        });
      }
    } finally {
      this.#writing = null;
    }
  }

  /**
   * One atomic for the whole batch, each key checked absent; when another
   * writer got there first for one of them, each is created on its own and
   * answers with what holds.
   */
  async #commit(batch: PendingCreate[]): Promise<void> {
    // Two creates of one subject in a batch: the first one holds.
    const first = new Map<string, PendingCreate>();
    for (const p of batch) if (!first.has(p.subject)) first.set(p.subject, p);
    const atomic = this.#kv.atomic();
    for (const p of first.values()) {
      atomic.check({ key: keyOf(p.subject), versionstamp: null })
        .set(keyOf(p.subject), p.key);
    }
    const written = await atomic.commit();
    if (written.ok) {
      for (const p of batch) p.resolve(first.get(p.subject)!.key);
      return;
    }
    for (const p of first.values()) {
      const held = await this.#createOne(p.subject, p.key);
      for (const q of batch) if (q.subject === p.subject) q.resolve(held);
    }
  }

  async #createOne(subject: string, key: StoredKey): Promise<StoredKey> {
    for (;;) {
      const written = await this.#kv.atomic()
        .check({ key: keyOf(subject), versionstamp: null })
        .set(keyOf(subject), key)
        .commit();
      if (written.ok) return key;
      const held = await this.load(subject);
      if (held) return held;
    }
  }

  /** Takes in the key files of `dir` (see the class doc); idempotent. */
  async #takeIn(dir: string): Promise<void> {
    let names: string[];
    try {
      names = [];
      for await (const entry of Deno.readDir(dir)) {
        if (entry.isFile && entry.name.endsWith(".json")) {
          names.push(entry.name);
        }
      }
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const name of names) {
      const path = `${dir}/${name}`;
      const key = JSON.parse(await Deno.readTextFile(path)) as StoredKey;
      const subject = name.slice(0, -".json".length);
      const held = await this.create(subject, key);
      // What this store held already wins, unless the file is the
      // tombstone of a key it still has: an erasure is never undone.
      if (isTombstone(key) && !isTombstone(held)) {
        await this.#kv.set(keyOf(subject), key);
      }
      await Deno.remove(path);
    }
    await Deno.remove(dir).catch(() => {});
  }
}

/**
 * The key store of an embedded node under `dataDir`: `keys.kv`, after taking
 * in the `keys/` files of earlier versions.
 */
export function openEmbeddedKeyStore(dataDir: string): Promise<KvKeyStore> {
  return KvKeyStore.open(`${dataDir}/keys.kv`, {
    legacyDir: `${dataDir}/keys`,
  });
}
