import { AesKeyStore } from "./key_store.ts";
import type { StoredKey } from "./key_store.ts";

/**
 * The embedded key store: one file per data subject under a directory
 * (`TMS_DATA_DIR/keys`), readable by the owner only. Keep it out of the event
 * log's backups: a restored log must not bring shredded keys back.
 *
 * @example
 * ```ts
 * const keys = new FsKeyStore(`${dataDir}/keys`);
 * const value = await keys.encrypt(employeeId, "01010012356");
 * ```
 */
export class FsKeyStore extends AesKeyStore {
  readonly dir: string;

  constructor(dir: string) {
    super();
    this.dir = dir.replace(/\/+$/, "");
  }

  #path(subject: string): string {
    return `${this.dir}/${subject}.json`;
  }

  protected async load(subject: string): Promise<StoredKey | null> {
    try {
      return JSON.parse(await Deno.readTextFile(this.#path(subject)));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  }

  protected async create(subject: string, key: StoredKey): Promise<StoredKey> {
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const temp = `${this.#path(subject)}.${crypto.randomUUID()}.tmp`;
    const file = await Deno.open(temp, {
      write: true,
      createNew: true,
      mode: 0o600,
    });
    try {
      await file.write(new TextEncoder().encode(JSON.stringify(key)));
      await file.sync();
    } finally {
      file.close();
    }
    try {
      // link fails when the subject has a key already: the first one holds.
      await Deno.link(temp, this.#path(subject));
      return key;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      return (await this.load(subject))!;
    } finally {
      await Deno.remove(temp);
    }
  }

  protected async remove(subject: string): Promise<boolean> {
    try {
      await Deno.remove(this.#path(subject));
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  }

  protected async *subjects(): AsyncIterable<string> {
    try {
      for await (const entry of Deno.readDir(this.dir)) {
        if (entry.isFile && entry.name.endsWith(".json")) {
          yield entry.name.slice(0, -".json".length);
        }
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
