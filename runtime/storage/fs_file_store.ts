import {
  checkFileId,
  checkRestored,
  fileExists,
  readChecked,
} from "./file_store.ts";
import type {
  FileArchive,
  FileInfo,
  FilePutOptions,
  FileStore,
  StoredFile,
} from "./file_store.ts";
import type { SignalOptions } from "../core/mod.ts";

/**
 * The embedded `FileStore`: files under a directory (`TMS_DATA_DIR/files`),
 * `<dir>/<id[0..2]>/<id>.bin` with its metadata in `<id>.json`. Each part is
 * written to a temporary file, flushed and renamed; the metadata goes last and
 * marks the file as stored, so a crash never leaves a half file visible.
 *
 * @example
 * ```ts
 * const files = new FsFileStore(`${dataDir}/files`);
 * await files.put("f1", bytes, { contentType: "image/jpeg", accept, maxBytes });
 * ```
 */
export class FsFileStore implements FileStore, FileArchive {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir.replace(/\/+$/, "");
  }

  #paths(id: string) {
    checkFileId(id);
    const folder = `${this.dir}/${id.slice(0, 2)}`;
    return {
      folder,
      data: (sha256: string) => `${folder}/${id}.${sha256}.bin`,
      meta: `${folder}/${id}.json`,
    };
  }

  async put(
    id: string,
    data: Uint8Array | ReadableStream<Uint8Array>,
    options: FilePutOptions,
  ): Promise<FileInfo> {
    const paths = this.#paths(id);
    const { bytes, sha256, contentType } = await readChecked(data, options);
    const existing = await this.stat(id);
    if (existing) {
      if (existing.sha256 === sha256) return existing;
      throw fileExists(id);
    }
    await Deno.mkdir(paths.folder, { recursive: true });
    const info: FileInfo = {
      id,
      contentType,
      size: bytes.byteLength,
      sha256,
      createdAt: new Date().toISOString(),
    };
    await writeAtomic(paths.data(sha256), bytes);
    const won = await writeAtomic(
      paths.meta,
      new TextEncoder().encode(JSON.stringify(info)),
      { exclusive: true },
    );
    if (won) return info;
    // Another writer stored this id first.
    const stored = await this.stat(id);
    if (stored?.sha256 === sha256) return stored;
    await Deno.remove(paths.data(sha256)).catch(() => {});
    throw fileExists(id);
  }

  async get(id: string, options?: SignalOptions): Promise<StoredFile | null> {
    const info = await this.stat(id, options);
    if (!info) return null;
    try {
      const data = await Deno.readFile(
        this.#paths(id).data(info.sha256),
        options,
      );
      return { info, data };
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  }

  async stat(id: string, options?: SignalOptions): Promise<FileInfo | null> {
    try {
      const text = await Deno.readTextFile(this.#paths(id).meta, options);
      return JSON.parse(text) as FileInfo;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  }

  async delete(id: string): Promise<boolean> {
    const paths = this.#paths(id);
    const info = await this.stat(id);
    if (!info) return false;
    let removed = false;
    for (const path of [paths.meta, paths.data(info.sha256)]) {
      try {
        await Deno.remove(path);
        removed = true;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    return removed;
  }

  /** Every stored file: the `<id>.json` metadata files under the directory. */
  async *list(): AsyncIterable<FileInfo> {
    let folders: Deno.DirEntry[];
    try {
      folders = await Array.fromAsync(Deno.readDir(this.dir));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const folder of folders.filter((f) => f.isDirectory)) {
      for await (const entry of Deno.readDir(`${this.dir}/${folder.name}`)) {
        if (!entry.isFile || !entry.name.endsWith(".json")) continue;
        const info = await this.stat(entry.name.slice(0, -".json".length));
        if (info) yield info;
      }
    }
  }

  /** Writes a backed-up file as it was: bytes first, then its metadata. */
  async restore(info: FileInfo, data: Uint8Array): Promise<void> {
    await checkRestored(info, data);
    const paths = this.#paths(info.id);
    const existing = await this.stat(info.id);
    if (existing) {
      if (existing.sha256 === info.sha256) return;
      throw fileExists(info.id);
    }
    await Deno.mkdir(paths.folder, { recursive: true });
    await writeAtomic(paths.data(info.sha256), data);
    const won = await writeAtomic(
      paths.meta,
      new TextEncoder().encode(JSON.stringify(info)),
      { exclusive: true },
    );
    if (!won && (await this.stat(info.id))?.sha256 !== info.sha256) {
      throw fileExists(info.id);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Writes `bytes` to `path` through a flushed temporary file. With `exclusive`,
 * false (and nothing changed) when `path` exists already.
 */
async function writeAtomic(
  path: string,
  bytes: Uint8Array,
  options: { exclusive?: boolean } = {},
): Promise<boolean> {
  const temp = `${path}.${crypto.randomUUID()}.tmp`;
  const file = await Deno.open(temp, { write: true, createNew: true });
  try {
    let offset = 0;
    while (offset < bytes.byteLength) {
      offset += await file.write(bytes.subarray(offset));
    }
    await file.sync();
  } finally {
    file.close();
  }
  if (!options.exclusive) {
    await Deno.rename(temp, path);
    return true;
  }
  try {
    await Deno.link(temp, path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  } finally {
    await Deno.remove(temp);
  }
}
