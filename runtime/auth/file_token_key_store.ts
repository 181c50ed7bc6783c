import { AuthKeyNames } from "../core/mod.ts";
import { checkKeySet } from "./key_set.ts";
import type { TokenKeySet, TokenKeyStore, VersionedKeySet } from "./key_set.ts";

/**
 * The embedded key set: one JSON file (`$TMS_DATA_DIR/auth_keys.json`,
 * owner-only, mode 0600) that the node and `deno task keys:rotate` share.
 * A write takes an exclusive lock on `auth_keys.json.lock` (flock: the
 * kernel releases it when a process dies), compares the file's SHA-256 with
 * the revision the writer read, and replaces the file by writing a temp file
 * (fsynced) and renaming it over, so a reader sees the old set or the new
 * one, never half of one. Readers take no lock.
 *
 * Keep the file out of backups that leave the machine: it holds the private
 * signing keys.
 *
 * @example
 * ```ts
 * const store = new FileTokenKeyStore(`${dataDir}/${AuthKeyNames.file}`);
 * ```
 */
export class FileTokenKeyStore implements TokenKeyStore {
  readonly path: string;
  readonly #dir: string;

  constructor(path: string) {
    this.path = path;
    const slash = path.lastIndexOf("/");
    this.#dir = slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
  }

  async read(): Promise<VersionedKeySet | null> {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await Deno.readFile(this.path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw new TypeError(`${this.path} is not JSON`, { cause: error });
    }
    return { keySet: checkKeySet(parsed), revision: await sha256(bytes) };
  }

  async write(keySet: TokenKeySet, revision: string | null): Promise<boolean> {
    const bytes = new TextEncoder().encode(
      JSON.stringify(checkKeySet(keySet), null, 2) + "\n",
    );
    await Deno.mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const lock = await Deno.open(`${this.path}${AuthKeyNames.lockSuffix}`, {
      read: true,
      write: true,
      create: true,
      mode: 0o600,
    });
    try {
      await lock.lock(true);
      const current = await this.#revision();
      if (current !== revision) return false;
      const temp = `${this.path}.${crypto.randomUUID()}.tmp`;
      const file = await Deno.open(temp, {
        write: true,
        createNew: true,
        mode: 0o600,
      });
      try {
        await file.write(bytes);
        await file.sync();
      } finally {
        file.close();
      }
      try {
        await Deno.rename(temp, this.path);
      } catch (error) {
        await Deno.remove(temp).catch(() => {});
        throw error;
      }
      await syncDir(this.#dir);
      return true;
    } finally {
      // Closing the descriptor releases the lock.
      lock.close();
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The SHA-256 of the file as it is, or null (read without parsing). */
  async #revision(): Promise<string | null> {
    try {
      return await sha256(await Deno.readFile(this.path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  }
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Makes the rename durable: fsync of the directory (where the OS allows it). */
async function syncDir(dir: string): Promise<void> {
  let handle: Deno.FsFile | undefined;
  try {
    handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch {
    // Not every platform opens a directory; the rename is atomic regardless.
  } finally {
    handle?.close();
  }
}
