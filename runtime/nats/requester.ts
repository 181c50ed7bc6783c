import type { Msg, MsgHdrs, NatsConnection, Subscription } from "../../deps.ts";

/** Options of `NatsRequester`. */
export interface NatsRequesterOptions {
  /** Milliseconds until an unanswered request fails (default 5 s). */
  timeoutMs?: number;
}

interface Pending {
  resolve: (msg: Msg) => void;
  reject: (error: Error) => void;
  deadline: number;
}

const encoder = new TextEncoder();
const HEADER_LINE_BREAK = /[\r\n]/;

/**
 * Pipelined NATS request/reply: one wildcard reply subscription for all
 * answers, one sweep timer for all deadlines.
 *
 * nats.js `nc.request` builds, per message, a request object, a timer and,
 * on every completion, an `Error` with a stack (measured here: a third of the
 * client's CPU and most of its garbage under load). `request` publishes with
 * the reply subject `<inbox>.<n>`; the subscription resolves the `n`th
 * pending promise with the answer, or rejects it with `NatsStatusError` when
 * NATS answers with a status (503: no responders); the sweeper rejects what
 * outlives its deadline with `RequestTimeoutError`.
 *
 * @example
 * ```ts
 * const requester = new NatsRequester(nc);
 * const answer = await requester.request("tms.rpc.3", body, { timeoutMs: 2000 });
 * requester.close();
 * ```
 */
export class NatsRequester {
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;
  readonly #prefix: string;
  readonly #subscription: Subscription;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #sweeper: ReturnType<typeof setInterval> | null = null;
  #closed = false;

  constructor(nc: NatsConnection, options: NatsRequesterOptions = {}) {
    this.#nc = nc;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#prefix = `_INBOX.${crypto.randomUUID().replaceAll("-", "")}.`;
    this.#subscription = nc.subscribe(`${this.#prefix}*`, {
      callback: (error, msg) => {
        if (!error) this.#answer(msg);
      },
    });
    void nc.closed().then(() => this.close());
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Publishes `body` (with the encoded `headers`, if any) on `subject` and
   * resolves with the answer; `timeoutMs` overrides the default deadline.
   */
  request(
    subject: string,
    body: Uint8Array,
    options: { headers?: Uint8Array; timeoutMs?: number } = {},
  ): Promise<Msg> {
    if (this.#closed) {
      return Promise.reject(new RequestClosedError("The requester is closed"));
    }
    const id = ++this.#next;
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    return new Promise<Msg>((resolve, reject) => {
      try {
        this.#nc.publish(subject, body, {
          reply: `${this.#prefix}${id}`,
          ...(options.headers
            ? { headers: encodedHeaders(options.headers) }
            : {}),
        });
      } catch (error) {
        reject(error);
        return;
      }
      this.#pending.set(id, {
        resolve,
        reject,
        deadline: performance.now() + timeoutMs,
      });
      this.#sweeper ??= setInterval(
        () => this.#sweep(),
        Math.max(10, Math.min(250, timeoutMs / 4)),
      );
    });
  }

  /** Unsubscribes and rejects every pending request. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopSweeper();
    if (!this.#nc.isClosed()) this.#subscription.unsubscribe();
    const error = new RequestClosedError(
      "The connection closed before the request was answered",
    );
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #answer(msg: Msg): void {
    const id = Number(msg.subject.slice(this.#prefix.length));
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#stopSweeper();
    const status = msg.headers;
    if (status?.hasError) {
      pending.reject(new NatsStatusError(status.code, status.description));
    } else {
      pending.resolve(msg);
    }
  }

  #sweep(): void {
    const now = performance.now();
    for (const [id, pending] of this.#pending) {
      if (pending.deadline > now) continue;
      this.#pending.delete(id);
      pending.reject(new RequestTimeoutError("No answer before the deadline"));
    }
    if (this.#pending.size === 0) this.#stopSweeper();
  }

  #stopSweeper(): void {
    if (this.#sweeper !== null) clearInterval(this.#sweeper);
    this.#sweeper = null;
  }
}

/** No answer arrived before the request's deadline: its outcome is unknown. */
export class RequestTimeoutError extends Error {
  override name = "RequestTimeoutError";
}

/** The requester or its connection closed: the request's outcome is unknown. */
export class RequestClosedError extends Error {
  override name = "RequestClosedError";
}

/** NATS answered with a status instead of an ack (503: no responders). */
export class NatsStatusError extends Error {
  override name = "NatsStatusError";
  readonly code: number;
  constructor(code: number, description: string) {
    super(`NATS answered ${code} ${description}`.trim());
    this.code = code;
  }
}

/**
 * The NATS/1.0 header block of `entries` (what nats.js `MsgHdrs.encode()`
 * produces): values trimmed; a line break in a name or value is a `TypeError`.
 */
export function encodeHeaders(
  entries: ReadonlyArray<readonly [string, string]>,
): Uint8Array {
  let block = "NATS/1.0";
  for (const [name, value] of entries) {
    if (HEADER_LINE_BREAK.test(name) || HEADER_LINE_BREAK.test(value)) {
      throw new TypeError(`Header ${name} must not contain line breaks`);
    }
    block += `\r\n${name}: ${value.trim()}`;
  }
  return encoder.encode(`${block}\r\n\r\n`);
}

/**
 * nats.js core `publish` only calls `encode()` on its `headers` option (the
 * pinned version's protocol handler): hand it the bytes encoded once.
 */
function encodedHeaders(bytes: Uint8Array): MsgHdrs {
  return { encode: () => bytes } as unknown as MsgHdrs;
}
