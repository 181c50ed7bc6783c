/**
 * The console's server-sent events: a `status` event with a snapshot every
 * interval, and an `event` event (id `<position>-<index>`, data the
 * CloudEvent) for each message of the feed the realtime hub hands the
 * subscription — one connection for both. A client that does not read
 * gets no snapshots meanwhile and its feed messages wait in the
 * subscription's bounded queue, which cuts it off past its bound; the
 * stream ends with a last `event: error` saying why (`backlog`, `expired`,
 * `stopped`), or quietly when the client goes away.
 */
import { delay, errorReason } from "../runtime/core/mod.ts";
import { SSE_HEADERS, sseErrorEvent } from "../runtime/realtime/mod.ts";
import type { Subscription, SubscriptionEnd } from "../runtime/realtime/mod.ts";

/** Options of `consoleStream`. */
export interface ConsoleStreamOptions<A> {
  /** The next snapshot (it may be one other streams share). */
  snapshot: () => Promise<unknown>;
  intervalMs: number;
  /** The feed's messages for this client; null: status only. */
  events: Subscription<A> | null;
  /** Epoch ms when the stream ends (`expired`): the credentials' expiry. */
  expiresAt?: number;
  /** Called once when the stream is over. */
  onClose?: () => void;
}

const encoder = new TextEncoder();

/**
 * Streams snapshots and feed messages as one `text/event-stream` answer.
 *
 * @example
 * ```ts
 * return consoleStream({ snapshot: () => monitor.snapshot(), intervalMs: 2000, events: hub.subscribe({ accepts }) });
 * ```
 */
export function consoleStream<A>(options: ConsoleStreamOptions<A>): Response {
  const { events } = options;
  const stopped = new AbortController();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let room: (() => void) | null = null;
  let expiry: ReturnType<typeof setTimeout> | undefined;
  let done = false;
  const send = (text: string) => {
    if (!done) controller.enqueue(encoder.encode(text));
  };
  const hasRoom = () => (controller.desiredSize ?? 0) > 0;
  const finish = (end: SubscriptionEnd | null) => {
    if (done) return;
    if (end && end.reason !== "closed") send(sseErrorEvent(end));
    done = true;
    stopped.abort();
    clearTimeout(expiry);
    room?.();
    events?.close("the stream ended");
    try {
      controller.close();
    } catch {
      // The client is gone already.
    }
    options.onClose?.();
  };
  const snapshots = async () => {
    while (!done) {
      if (hasRoom()) {
        try {
          const status = await options.snapshot();
          send(`event: status\ndata: ${JSON.stringify(status)}\n\n`);
        } catch (error) {
          send(
            `event: status-error\ndata: ${
              JSON.stringify({ message: errorReason(error) })
            }\n\n`,
          );
        }
      }
      await delay(options.intervalMs, { signal: stopped.signal }).catch(
        () => {},
      );
    }
  };
  const feed = async (subscription: Subscription<A>) => {
    while (!done) {
      while (!done && !hasRoom()) {
        await new Promise<void>((resolve) => room = resolve);
      }
      if (done) return;
      const message = await subscription.next();
      if (message === null) return finish(subscription.end);
      send(`event: event\nid: ${message.id}\ndata: ${message.body}\n\n`);
    }
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(encoder.encode("retry: 2000\n: ok\n\n"));
      if (options.expiresAt !== undefined) {
        expiry = setTimeout(
          () =>
            finish({
              reason: "expired",
              message:
                "The access token expired: reconnect with a new ticket and resume",
            }),
          Math.max(0, options.expiresAt - Date.now()),
        );
      }
      void snapshots();
      if (events) void feed(events);
    },
    pull() {
      const resolve = room;
      room = null;
      resolve?.();
    },
    cancel() {
      finish(null);
    },
  }, new CountQueuingStrategy({ highWaterMark: 16 }));
  return new Response(body, {
    status: 200,
    headers: SSE_HEADERS,
  });
}
