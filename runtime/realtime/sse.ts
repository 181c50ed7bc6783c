/**
 * A subscription as a server-sent events stream (text/event-stream): each
 * message as `id: <position>-<index>` and `data: <json>`, a comment as a
 * heartbeat when nothing else went out, and — when the stream ends for any
 * reason but the client's own — a last `event: error` saying why.
 */
import type { Subscription } from "./hub.ts";
import type { SubscriptionEnd } from "./types.ts";

/** Options of `sseResponse`. */
export interface SseOptions {
  /** A comment line this often while idle (default 15 s), so proxies keep the connection. */
  heartbeatMs?: number;
  /** The reconnection delay suggested to `EventSource` (default 2 s). */
  retryMs?: number;
  /** Epoch ms when the stream ends (`expired`): the credentials' expiry. */
  expiresAt?: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** Called once when the stream is over (metrics). */
  onClose?: (end: SubscriptionEnd) => void;
}

const encoder = new TextEncoder();

/** The headers of a `text/event-stream` answer: never cached, never buffered by a proxy. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  // nginx and friends would otherwise buffer the stream.
  "x-accel-buffering": "no",
};

/** The `event: error` block of an end. */
export function sseErrorEvent(end: SubscriptionEnd): string {
  return `event: error\ndata: ${
    JSON.stringify({ reason: end.reason, message: end.message })
  }\n\n`;
}

/**
 * Streams `subscription` as the body of a 200 `text/event-stream` answer.
 * The body pulls one message at a time, so a client that does not read
 * leaves messages in the subscription's bounded queue (never in the
 * stream), and is cut off there.
 *
 * @example
 * ```ts
 * return sseResponse(hub.subscribe({ accepts: () => true }), { expiresAt });
 * ```
 */
export function sseResponse<A>(
  subscription: Subscription<A>,
  options: SseOptions = {},
): Response {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let pulling = false;
  let done = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let expiry: ReturnType<typeof setTimeout> | undefined;
  const finish = (end: SubscriptionEnd) => {
    if (done) return;
    done = true;
    clearInterval(heartbeat);
    clearTimeout(expiry);
    try {
      if (end.reason !== "closed") {
        controller.enqueue(encoder.encode(sseErrorEvent(end)));
      }
      controller.close();
    } catch {
      // The client is gone already.
    }
    options.onClose?.(end);
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(encoder.encode(`retry: ${options.retryMs ?? 2000}\n: ok\n\n`));
      heartbeat = setInterval(() => {
        if (!done && (c.desiredSize ?? 0) > 0) {
          c.enqueue(encoder.encode(": ping\n\n"));
        }
      }, heartbeatMs);
      if (options.expiresAt !== undefined) {
        expiry = setTimeout(
          () =>
            subscription.close(
              "The access token expired: reconnect with a new one and resume",
              "expired",
            ),
          Math.max(0, options.expiresAt - Date.now()),
        );
      }
      // A client that does not read is cut off while no pull waits.
      subscription.ended.then((end) => {
        if (!pulling) finish(end);
      });
    },
    async pull(c) {
      pulling = true;
      const message = await subscription.next();
      pulling = false;
      if (message === null) {
        finish(subscription.end!);
        return;
      }
      c.enqueue(encoder.encode(`id: ${message.id}\ndata: ${message.body}\n\n`));
    },
    cancel() {
      subscription.close("the client went away");
      finish(subscription.end!);
    },
  }, new CountQueuingStrategy({ highWaterMark: 1 }));
  return new Response(body, {
    status: 200,
    headers: { ...SSE_HEADERS, ...options.headers },
  });
}
