import type { MiddlewareHandler } from "../deps.ts";
import { HttpHeaders } from "../runtime/mod.ts";

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

/** Bounds each request by a deadline, and by the client staying connected. */
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
    c.set("signal", AbortSignal.any([controller.signal, c.req.raw.signal]));
    try {
      await next();
    } finally {
      clearTimeout(timer);
    }
  };
}
