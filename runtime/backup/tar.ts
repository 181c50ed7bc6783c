/**
 * The container of a backup: a gzip-compressed POSIX tar (ustar), written and
 * read as a stream, so `tar tzf` lists an archive and a part can be taken out
 * with standard tools. Entries are whole in memory (the writer bounds each
 * part), never the archive.
 */

const BLOCK = 512;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A backup that cannot be read: truncated, corrupted, or not a TMS backup. */
export class ArchiveError extends Error {
  override name = "ArchiveError";
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function header(name: string, size: number, mtime: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const nameBytes = encoder.encode(name);
  if (nameBytes.length > 100) {
    throw new RangeError(`Archive entry name too long: ${name}`);
  }
  block.set(nameBytes, 0);
  block.set(encoder.encode(octal(0o644, 8)), 100);
  block.set(encoder.encode(octal(0, 8)), 108);
  block.set(encoder.encode(octal(0, 8)), 116);
  block.set(encoder.encode(octal(size, 12)), 124);
  block.set(encoder.encode(octal(Math.floor(mtime / 1000), 12)), 136);
  block.set(encoder.encode("        "), 148);
  block[156] = "0".charCodeAt(0);
  block.set(encoder.encode("ustar\u000000"), 257);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.set(encoder.encode(octal(sum, 7) + " "), 148);
  return block;
}

/**
 * Writes tar entries into a gzip stream towards `sink`.
 *
 * @example
 * ```ts
 * const file = await Deno.create("b.tar.gz");
 * const tar = new TarWriter(file.writable);
 * await tar.add("hello.txt", new TextEncoder().encode("hei"));
 * await tar.close();
 * ```
 */
export class TarWriter {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #piped: Promise<void>;
  #written = 0;

  constructor(sink: WritableStream<Uint8Array>) {
    const gzip = new CompressionStream("gzip");
    this.#piped = gzip.readable.pipeTo(sink);
    this.#writer = gzip.writable.getWriter() as WritableStreamDefaultWriter<
      Uint8Array
    >;
  }

  /** Uncompressed bytes written so far. */
  get written(): number {
    return this.#written;
  }

  async add(name: string, data: Uint8Array, mtime = Date.now()): Promise<void> {
    await this.#writer.write(header(name, data.byteLength, mtime));
    await this.#writer.write(data);
    const pad = (BLOCK - (data.byteLength % BLOCK)) % BLOCK;
    if (pad > 0) await this.#writer.write(new Uint8Array(pad));
    this.#written += BLOCK + data.byteLength + pad;
  }

  /** Writes the two zero blocks that end a tar, then ends the stream. */
  async close(): Promise<void> {
    await this.#writer.write(new Uint8Array(BLOCK * 2));
    await this.#writer.close();
    await this.#piped;
  }

  /** Gives up: the sink is closed with an error. */
  async abort(reason: unknown): Promise<void> {
    await this.#writer.abort(reason).catch(() => {});
    await this.#piped.catch(() => {});
  }
}

/** Reads exact byte counts from a stream. */
class Bytes {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #done = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  /** Exactly `n` bytes, or fewer when the stream ends first. */
  async read(n: number): Promise<Uint8Array> {
    while (this.#buffered < n && !this.#done) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await this.#reader.read();
      } catch (error) {
        throw new ArchiveError(
          `The archive is corrupt or truncated (gzip: ${
            error instanceof Error ? error.message : error
          })`,
          { cause: error },
        );
      }
      if (chunk.done) this.#done = true;
      else {
        this.#chunks.push(chunk.value);
        this.#buffered += chunk.value.byteLength;
      }
    }
    const take = Math.min(n, this.#buffered);
    const out = new Uint8Array(take);
    let offset = 0;
    while (offset < take) {
      const head = this.#chunks[0];
      const need = take - offset;
      if (head.byteLength <= need) {
        out.set(head, offset);
        offset += head.byteLength;
        this.#chunks.shift();
      } else {
        out.set(head.subarray(0, need), offset);
        this.#chunks[0] = head.subarray(need);
        offset += need;
      }
    }
    this.#buffered -= take;
    return out;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

/** One entry of a tar. */
export interface TarEntry {
  name: string;
  data: Uint8Array;
}

function field(block: Uint8Array, offset: number, length: number): string {
  const bytes = block.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/**
 * The entries of a gzip-compressed tar, in order. A stream that ends inside
 * an entry or before the end blocks is an `ArchiveError` ("truncated"), as is
 * a header whose checksum does not add up ("corrupt").
 */
export async function* readTar(
  source: ReadableStream<Uint8Array>,
): AsyncGenerator<TarEntry> {
  const bytes = new Bytes(
    source.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<
        Uint8Array,
        Uint8Array
      >,
    ),
  );
  try {
    for (;;) {
      const block = await bytes.read(BLOCK);
      if (block.byteLength < BLOCK) {
        throw new ArchiveError(
          "The archive is truncated: it ends before its end marker",
        );
      }
      if (block.every((b) => b === 0)) return;
      const stored = parseInt(field(block, 148, 8).trim(), 8);
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) {
        sum += i >= 148 && i < 156 ? 32 : block[i];
      }
      if (stored !== sum) {
        throw new ArchiveError(
          "The archive is corrupt: an entry header's checksum does not match",
        );
      }
      const name = field(block, 0, 100);
      const size = parseInt(field(block, 124, 12).trim(), 8);
      const data = await bytes.read(size);
      if (data.byteLength < size) {
        throw new ArchiveError(
          `The archive is truncated: entry ${name} is cut short`,
        );
      }
      const pad = (BLOCK - (size % BLOCK)) % BLOCK;
      if (pad > 0 && (await bytes.read(pad)).byteLength < pad) {
        throw new ArchiveError(
          `The archive is truncated after entry ${name}`,
        );
      }
      yield { name, data };
    }
  } finally {
    await bytes.cancel();
  }
}
