/**
 * Binary files (photos, PDFs) behind one interface: a Deno filesystem backend
 * (embedded) and, in distributed mode, a JetStream object store (`tms_files`).
 * Every backend checks size and content type the same way through
 * `readChecked`, so the limits do not depend on where the bytes go.
 */
import { DomainError } from "../core/mod.ts";
import type { SignalOptions } from "../core/mod.ts";

/** Metadata of a stored file. */
export interface FileInfo {
  id: string;
  contentType: string;
  /** Size in bytes. */
  size: number;
  /** Lower-case hex SHA-256 of the bytes. */
  sha256: string;
  /** ISO time it was stored. */
  createdAt: string;
}

/** What `put` accepts. */
export interface FilePutOptions extends SignalOptions {
  /** The declared type; must be in `accept` and match the bytes when known. */
  contentType: string;
  /** Content types allowed (exact, lower-case). */
  accept: readonly string[];
  /** Largest size in bytes. */
  maxBytes: number;
}

/** A stored file with its bytes. */
export interface StoredFile {
  info: FileInfo;
  data: Uint8Array;
}

/**
 * A store of immutable files by id. `put` is idempotent: the same bytes under
 * the same id return the stored info; other bytes under a used id are refused
 * (`file.exists`). Not-found reads return `null`.
 *
 * @example
 * ```ts
 * const info = await files.put("f1", bytes, {
 *   contentType: "image/png", accept: ["image/png"], maxBytes: 1 << 20,
 * });
 * const file = await files.get("f1"); // { info, data } or null
 * ```
 */
export interface FileStore {
  put(
    id: string,
    data: Uint8Array | ReadableStream<Uint8Array>,
    options: FilePutOptions,
  ): Promise<FileInfo>;
  get(id: string, options?: SignalOptions): Promise<StoredFile | null>;
  stat(id: string, options?: SignalOptions): Promise<FileInfo | null>;
  /** True when a file was removed. */
  delete(id: string, options?: SignalOptions): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * What backup and restore need of a file store: every stored file, and
 * storing one as it was (its id, type, hash and time kept). `restore`
 * refuses bytes whose SHA-256 is not the info's, and an id already stored
 * with other bytes.
 */
export interface FileArchive {
  /** Every stored file's info (no order promised). */
  list(options?: SignalOptions): AsyncIterable<FileInfo>;
  /** Stores `data` under `info.id` exactly as `info` describes it. */
  restore(
    info: FileInfo,
    data: Uint8Array,
    options?: SignalOptions,
  ): Promise<void>;
}

/** Throws unless `data` is what `info` says (size and SHA-256). */
export async function checkRestored(
  info: FileInfo,
  data: Uint8Array,
): Promise<void> {
  checkFileId(info.id);
  const sha256 = await sha256Hex(data);
  if (data.byteLength !== info.size || sha256 !== info.sha256) {
    throw new RangeError(
      `File ${info.id}: the bytes do not match their size and SHA-256`,
    );
  }
}

/** Stable codes of the file checks (DomainError, 422 or 409). */
export const FileErrorCode = {
  TOO_LARGE: "file.too_large",
  EMPTY: "file.empty",
  UNSUPPORTED_TYPE: "file.unsupported_type",
  CONTENT_MISMATCH: "file.content_mismatch",
  EXISTS: "file.exists",
} as const;

const FILE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Throws `TypeError` unless `id` is a safe file id. */
export function checkFileId(id: string): string {
  if (typeof id !== "string" || !FILE_ID.test(id)) {
    throw new TypeError("A file id is 1-128 letters, digits, _ or -");
  }
  return id;
}

const SIGNATURES: { type: string; test: (b: Uint8Array) => boolean }[] = [
  {
    type: "image/jpeg",
    test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  },
  {
    type: "image/png",
    test: (b) =>
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((x, i) =>
        b[i] === x
      ),
  },
  {
    type: "image/webp",
    test: (b) => ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP",
  },
  {
    type: "image/heic",
    test: (b) =>
      ascii(b, 4, 8) === "ftyp" &&
      ["heic", "heix", "hevc", "hevx"].includes(ascii(b, 8, 12)),
  },
  {
    type: "image/heif",
    test: (b) =>
      ascii(b, 4, 8) === "ftyp" &&
      ["mif1", "msf1", "heic", "heix"].includes(ascii(b, 8, 12)),
  },
  { type: "application/pdf", test: (b) => ascii(b, 0, 5) === "%PDF-" },
];

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

/**
 * True when the bytes carry the signature of `contentType`, or when TMS knows
 * no signature for that type.
 */
export function matchesSignature(
  contentType: string,
  bytes: Uint8Array,
): boolean {
  const known = SIGNATURES.filter((s) => s.type === contentType);
  return known.length === 0 || known.some((s) => s.test(bytes));
}

/**
 * Reads `data` up to `maxBytes` (a stream is cancelled as soon as it is
 * larger) and checks type and signature. Returns the bytes and their SHA-256.
 */
export async function readChecked(
  data: Uint8Array | ReadableStream<Uint8Array>,
  options: FilePutOptions,
): Promise<{ bytes: Uint8Array; sha256: string; contentType: string }> {
  const contentType = options.contentType.split(";")[0].trim().toLowerCase();
  if (!options.accept.includes(contentType)) {
    if (data instanceof ReadableStream) await data.cancel();
    throw new DomainError(
      FileErrorCode.UNSUPPORTED_TYPE,
      `Content type ${contentType || "(none)"} is not one of ${
        options.accept.join(", ")
      }`,
      { status: 422 },
    );
  }
  const tooLarge = () =>
    new DomainError(
      FileErrorCode.TOO_LARGE,
      `The file is larger than ${options.maxBytes} bytes`,
      { status: 422 },
    );
  let bytes: Uint8Array;
  if (data instanceof Uint8Array) {
    if (data.byteLength > options.maxBytes) throw tooLarge();
    bytes = data;
  } else {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = data.getReader();
    try {
      for (;;) {
        options.signal?.throwIfAborted();
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > options.maxBytes) throw tooLarge();
        chunks.push(value);
      }
    } catch (error) {
      await reader.cancel().catch(() => {});
      throw error;
    } finally {
      reader.releaseLock();
    }
    bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
  }
  if (bytes.byteLength === 0) {
    throw new DomainError(FileErrorCode.EMPTY, "The file is empty", {
      status: 422,
    });
  }
  if (!matchesSignature(contentType, bytes)) {
    throw new DomainError(
      FileErrorCode.CONTENT_MISMATCH,
      `The bytes are not ${contentType}`,
      { status: 422 },
    );
  }
  return { bytes, sha256: await sha256Hex(bytes), contentType };
}

/** Lower-case hex SHA-256 of bytes. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    bytes as Uint8Array<ArrayBuffer>,
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** The refusal for other bytes under a used id. */
export function fileExists(id: string): DomainError {
  return new DomainError(
    FileErrorCode.EXISTS,
    `File ${id} exists with other content`,
  );
}

/** Files in memory: for tests and as the reference backend. */
export class MemoryFileStore implements FileStore, FileArchive {
  #files = new Map<string, StoredFile>();

  async *list(): AsyncIterable<FileInfo> {
    for (const file of [...this.#files.values()]) yield { ...file.info };
  }

  async restore(info: FileInfo, data: Uint8Array): Promise<void> {
    await checkRestored(info, data);
    const existing = this.#files.get(info.id);
    if (existing && existing.info.sha256 !== info.sha256) {
      throw fileExists(info.id);
    }
    this.#files.set(info.id, { info: { ...info }, data: data.slice() });
  }

  async put(
    id: string,
    data: Uint8Array | ReadableStream<Uint8Array>,
    options: FilePutOptions,
  ): Promise<FileInfo> {
    checkFileId(id);
    const { bytes, sha256, contentType } = await readChecked(data, options);
    const existing = this.#files.get(id);
    if (existing) {
      if (existing.info.sha256 === sha256) return { ...existing.info };
      throw fileExists(id);
    }
    const info: FileInfo = {
      id,
      contentType,
      size: bytes.byteLength,
      sha256,
      createdAt: new Date().toISOString(),
    };
    this.#files.set(id, { info, data: bytes.slice() });
    return { ...info };
  }

  // deno-lint-ignore require-await
  async get(id: string): Promise<StoredFile | null> {
    const file = this.#files.get(checkFileId(id));
    return file ? { info: { ...file.info }, data: file.data.slice() } : null;
  }

  // deno-lint-ignore require-await
  async stat(id: string): Promise<FileInfo | null> {
    const file = this.#files.get(checkFileId(id));
    return file ? { ...file.info } : null;
  }

  // deno-lint-ignore require-await
  async delete(id: string): Promise<boolean> {
    return this.#files.delete(checkFileId(id));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
