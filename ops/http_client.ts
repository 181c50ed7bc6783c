/**
 * A minimal HTTP/1.1 keep-alive client for the load driver: one request in
 * flight per connection, responses read by `Content-Length` or chunked
 * encoding, bodies discarded. `fetch` costs the driver ~100 µs of CPU per
 * request, which on a 2-core machine is taken from the server it measures;
 * this costs a fraction of that.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const HEADER_END = [13, 10, 13, 10];

/** One keep-alive connection to `host:port`. */
export class HttpConnection {
  readonly #conn: Deno.TcpConn;
  #buffer = new Uint8Array(16 * 1024);
  #start = 0;
  #end = 0;
  #closed = false;
  #capture: Uint8Array[] | null = null;
  /** The body of the last answer of 400 or more (for reporting why). */
  lastErrorBody = "";

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** Opens a connection (Nagle off: requests go out at once). */
  static async open(hostname: string, port: number): Promise<HttpConnection> {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    return new HttpConnection(conn);
  }

  /** False after an error or a `Connection: close` answer. */
  get usable(): boolean {
    return !this.#closed;
  }

  /** Sends one request and resolves with the response status once its body is read. */
  async request(bytes: Uint8Array): Promise<number> {
    if (this.#closed) throw new Error("Connection is closed");
    try {
      let written = 0;
      while (written < bytes.length) {
        written += await this.#conn.write(bytes.subarray(written));
      }
      return await this.#readResponse();
    } catch (error) {
      this.close();
      throw error;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }

  async #readResponse(): Promise<number> {
    let headerEnd = this.#find(HEADER_END);
    while (headerEnd < 0) {
      await this.#fill();
      headerEnd = this.#find(HEADER_END);
    }
    const head = decoder.decode(this.#buffer.subarray(this.#start, headerEnd))
      .toLowerCase();
    this.#start = headerEnd + 4;
    const status = Number(head.slice(9, 12));
    if (!Number.isInteger(status)) throw new Error("Malformed status line");
    // Bodies are skipped unread, but an error's is kept: it says why.
    this.#capture = status >= 400 ? [] : null;
    const length = /\r\ncontent-length:\s*(\d+)/.exec(head);
    if (length) {
      await this.#skip(Number(length[1]));
    } else if (/\r\ntransfer-encoding:\s*chunked/.test(head)) {
      await this.#skipChunked();
    }
    if (this.#capture) {
      const parts = this.#capture;
      this.#capture = null;
      const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const part of parts) {
        bytes.set(part, at);
        at += part.length;
      }
      this.lastErrorBody = decoder.decode(bytes);
    }
    if (/\r\nconnection:\s*close/.test(head)) this.close();
    return status;
  }

  async #skipChunked(): Promise<void> {
    for (;;) {
      let lineEnd = this.#find([13, 10]);
      while (lineEnd < 0) {
        await this.#fill();
        lineEnd = this.#find([13, 10]);
      }
      const size = parseInt(
        decoder.decode(this.#buffer.subarray(this.#start, lineEnd)),
        16,
      );
      if (!Number.isInteger(size)) throw new Error("Malformed chunk size");
      this.#start = lineEnd + 2;
      await this.#skip(size + 2);
      if (size === 0) return;
    }
  }

  async #skip(n: number): Promise<void> {
    let left = n;
    for (;;) {
      const take = Math.min(left, this.#end - this.#start);
      this.#capture?.push(this.#buffer.slice(this.#start, this.#start + take));
      this.#start += take;
      left -= take;
      if (left === 0) return;
      await this.#fill();
    }
  }

  /** Index of `pattern` in the unread bytes, or -1. */
  #find(pattern: readonly number[]): number {
    const b = this.#buffer;
    outer: for (let i = this.#start; i <= this.#end - pattern.length; i++) {
      for (let j = 0; j < pattern.length; j++) {
        if (b[i + j] !== pattern[j]) continue outer;
      }
      return i;
    }
    return -1;
  }

  /** Reads more bytes, compacting or growing the buffer first. */
  async #fill(): Promise<void> {
    if (this.#start > 0) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#end === this.#buffer.length) {
      const bigger = new Uint8Array(this.#buffer.length * 2);
      bigger.set(this.#buffer);
      this.#buffer = bigger;
    }
    const n = await this.#conn.read(this.#buffer.subarray(this.#end));
    if (n === null) throw new Error("Connection closed by the server");
    this.#end += n;
  }
}

/** The bytes of one HTTP/1.1 request with a JSON body (and `headers`). */
export function jsonRequest(
  method: string,
  host: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Uint8Array {
  const payload = encoder.encode(JSON.stringify(body));
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  const head = encoder.encode(
    `${method} ${path} HTTP/1.1\r\n` +
      `host: ${host}\r\n` +
      "content-type: application/json\r\n" +
      extra +
      `content-length: ${payload.length}\r\n\r\n`,
  );
  const bytes = new Uint8Array(head.length + payload.length);
  bytes.set(head);
  bytes.set(payload, head.length);
  return bytes;
}
