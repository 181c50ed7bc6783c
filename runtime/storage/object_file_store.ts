import { jetstream, natsConnect, objm } from "../../deps.ts";
import type { NatsConnection, ObjectInfo, ObjectStore } from "../../deps.ts";
import { DomainError, UnavailableError } from "../core/mod.ts";
import { isWrongLastSequence } from "../nats/mod.ts";
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
import { openWithRetries } from "../nats/mod.ts";
import { JetStreamNames } from "../core/mod.ts";
import type { SignalOptions } from "../core/mod.ts";

/** Options of `ObjectFileStore.open`. */
export interface ObjectFileStoreOptions extends SignalOptions {
  /** Bucket name (default `tms_files`). */
  bucket?: string;
  /** Replicas when the bucket is created (1 locally, 3 in a cluster). */
  replicas?: number;
  /** Largest size of the whole bucket in bytes when created (-1: no limit). */
  maxBucketBytes?: number;
  /** Request timeout in ms (default 5 000). */
  requestTimeoutMs?: number;
  /** Seconds a client should wait after a 503 (default 1). */
  retryAfter?: number;
}

/** Options of `ObjectFileStore.connect`: the servers plus the store's options. */
export interface ObjectFileStoreConnectOptions extends ObjectFileStoreOptions {
  servers: string | string[];
  /** Connection name shown by the server. */
  name?: string;
}

/**
 * The distributed `FileStore`: a JetStream object store (bucket `tms_files`,
 * file storage). The `FileInfo` of a file travels in the object's metadata.
 * A new id is written with an expected last sequence on its metadata
 * subject, so two writers of one id cannot both win: the loser's chunks are
 * purged and it gets the winner's info (same bytes) or `file.exists`.
 *
 * @example
 * ```ts
 * const files = await ObjectFileStore.open(nc, { replicas: 3 });
 * await files.put("f1", bytes, { contentType: "image/jpeg", accept, maxBytes });
 * const file = await files.get("f1"); // { info, data } or null
 * ```
 */
export class ObjectFileStore implements FileStore, FileArchive {
  readonly #nc: NatsConnection;
  readonly #owns: boolean;
  readonly #os: ObjectStore;
  readonly #retryAfter: number;

  private constructor(
    nc: NatsConnection,
    owns: boolean,
    os: ObjectStore,
    retryAfter: number,
  ) {
    this.#nc = nc;
    this.#owns = owns;
    this.#os = os;
    this.#retryAfter = retryAfter;
  }

  /**
   * Opens (creating when missing) the bucket on a connection the caller owns
   * and closes.
   */
  static open(
    nc: NatsConnection,
    options: ObjectFileStoreOptions = {},
  ): Promise<ObjectFileStore> {
    return ObjectFileStore.#open(nc, false, options);
  }

  /** Connects to `servers` and opens the bucket; `close()` closes the connection. */
  static async connect(
    options: ObjectFileStoreConnectOptions,
  ): Promise<ObjectFileStore> {
    options.signal?.throwIfAborted();
    let nc: NatsConnection;
    try {
      nc = await natsConnect({
        servers: options.servers,
        name: options.name ?? "tms-file-store",
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        timeout: options.requestTimeoutMs ?? 5_000,
      });
    } catch (error) {
      throw new UnavailableError("NATS could not be reached", {
        retryAfter: options.retryAfter ?? 1,
        cause: error,
      });
    }
    try {
      return await ObjectFileStore.#open(nc, true, options);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  static async #open(
    nc: NatsConnection,
    owns: boolean,
    options: ObjectFileStoreOptions,
  ): Promise<ObjectFileStore> {
    options.signal?.throwIfAborted();
    const replicas = options.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      throw new RangeError("Replicas must be an integer from 1 to 5");
    }
    const retryAfter = options.retryAfter ?? 1;
    try {
      return await openWithRetries(async () => {
        const js = jetstream(nc, {
          timeout: options.requestTimeoutMs ?? 5_000,
        });
        const os = await objm(js).create(
          options.bucket ?? JetStreamNames.files,
          { replicas, max_bytes: options.maxBucketBytes ?? -1 },
        );
        return new ObjectFileStore(nc, owns, os, retryAfter);
      }, { signal: options.signal, closed: () => nc.isClosed() });
    } catch (failure) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new UnavailableError(
        "JetStream object store could not be opened",
        { retryAfter, cause: failure },
      );
    }
  }

  async put(
    id: string,
    data: Uint8Array | ReadableStream<Uint8Array>,
    options: FilePutOptions,
  ): Promise<FileInfo> {
    checkFileId(id);
    const { bytes, sha256, contentType } = await readChecked(data, options);
    return await this.#io(options, async () => {
      const existing = await this.#os.info(id);
      if (existing && !existing.deleted) {
        const info = toFileInfo(existing);
        if (info?.sha256 === sha256) return info;
        throw fileExists(id);
      }
      const info: FileInfo = {
        id,
        contentType,
        size: bytes.byteLength,
        sha256,
        createdAt: new Date().toISOString(),
      };
      try {
        await this.#os.putBlob(
          { name: id, metadata: { ...info, size: String(info.size) } },
          bytes,
          { previousRevision: existing?.revision ?? 0 },
        );
        return info;
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
        // Another writer stored this id first; its chunks won, ours are purged.
        const stored = await this.stat(id);
        if (stored?.sha256 === sha256) return stored;
        throw fileExists(id);
      }
    });
  }

  async get(id: string, options?: SignalOptions): Promise<StoredFile | null> {
    checkFileId(id);
    return await this.#io(options, async () => {
      const result = await this.#os.get(id);
      if (!result) return null;
      const info = toFileInfo(result.info);
      const data = new Uint8Array(
        await new Response(result.data).arrayBuffer(),
      );
      const failure = await result.error;
      if (failure) throw failure;
      return info ? { info, data } : null;
    });
  }

  async stat(id: string, options?: SignalOptions): Promise<FileInfo | null> {
    checkFileId(id);
    return await this.#io(options, async () => {
      const info = await this.#os.info(id);
      return info && !info.deleted ? toFileInfo(info) : null;
    });
  }

  async delete(id: string, options?: SignalOptions): Promise<boolean> {
    checkFileId(id);
    return await this.#io(options, async () => {
      const info = await this.#os.info(id);
      if (!info || info.deleted) return false;
      await this.#os.delete(id);
      return true;
    });
  }

  /** Every stored file of the bucket (deleted and foreign objects left out). */
  async *list(options?: SignalOptions): AsyncIterable<FileInfo> {
    const infos = await this.#io(options, () => this.#os.list());
    for (const info of infos) {
      const file = info.deleted ? null : toFileInfo(info);
      if (file) yield file;
    }
  }

  /** Stores a backed-up file as it was (its info in the object's metadata). */
  async restore(
    info: FileInfo,
    data: Uint8Array,
    options?: SignalOptions,
  ): Promise<void> {
    await checkRestored(info, data);
    await this.#io(options, async () => {
      const existing = await this.#os.info(info.id);
      if (existing && !existing.deleted) {
        if (toFileInfo(existing)?.sha256 === info.sha256) return;
        throw fileExists(info.id);
      }
      await this.#os.putBlob(
        { name: info.id, metadata: { ...info, size: String(info.size) } },
        data,
        { previousRevision: existing?.revision ?? 0 },
      );
    });
  }

  async close(): Promise<void> {
    if (this.#owns && !this.#nc.isClosed()) await this.#nc.close();
  }

  /** Runs `work`; NATS failures become `UnavailableError` (503). */
  async #io<T>(
    options: SignalOptions | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    options?.signal?.throwIfAborted();
    if (this.#nc.isClosed()) {
      throw new UnavailableError("NATS connection is closed", {
        retryAfter: this.#retryAfter,
      });
    }
    try {
      return await work();
    } catch (error) {
      if (
        error instanceof DomainError || error instanceof TypeError ||
        error instanceof RangeError
      ) {
        throw error;
      }
      throw new UnavailableError("JetStream object store is unavailable", {
        retryAfter: this.#retryAfter,
        cause: error,
      });
    }
  }
}

/** The `FileInfo` kept in an object's metadata; null for foreign objects. */
function toFileInfo(info: ObjectInfo): FileInfo | null {
  const meta = info.metadata;
  if (!meta?.sha256 || !meta.contentType) return null;
  return {
    id: meta.id ?? info.name,
    contentType: meta.contentType,
    size: Number(meta.size ?? info.size),
    sha256: meta.sha256,
    createdAt: meta.createdAt ?? info.mtime,
  };
}
