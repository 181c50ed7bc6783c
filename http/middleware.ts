import type { MiddlewareHandler } from "../deps.ts";
import { HttpHeaders } from "../runtime/core/mod.ts";

/** Gives each request an id and echoes it in `X-Request-Id`. */
export function requestId(): MiddlewareHandler {
  return async function requestId(c, next) {
    const given = c.req.header(HttpHeaders.requestId);
    const id = given && /^[\w.:-]{1,128}$/.test(given)
      ? given
      : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    c.header(HttpHeaders.requestId, id);
  };
}

/**
 * Bounds each request by a deadline, and by the client staying connected.
 * One controller per request, wired by hand: `AbortSignal.any` builds weak
 * references and a finalizer per request (measured: a tenth of the edge's
 * CPU and much of its garbage).
 */
export function deadline(timeoutMs: number): MiddlewareHandler {
  return async function deadline(c, next) {
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new DOMException("Request deadline exceeded", "TimeoutError"),
        ),
      timeoutMs,
    );
    const client = c.req.raw.signal;
    const gone = () => controller.abort(client.reason);
    if (client.aborted) gone();
    else client.addEventListener("abort", gone, { once: true });
    c.set("signal", controller.signal);
    try {
      await next();
    } finally {
      clearTimeout(timer);
      client.removeEventListener("abort", gone);
    }
  };
}
