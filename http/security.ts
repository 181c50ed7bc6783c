/**
 * What every answer tells a browser, and who may call cross-origin.
 *
 * - Security headers (Hono's `secureHeaders`): `X-Content-Type-Options:
 *   nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`,
 *   `Cross-Origin-Resource-Policy` and `-Opener-Policy: same-origin`, and
 *   the API's CSP, `default-src 'none'; frame-ancestors 'none'; …` — a
 *   route that serves a page sets its own (Swagger UI at `/docs`, in
 *   `docs.ts`), which is kept.
 * - `Strict-Transport-Security` only on an answer to a request that came
 *   over TLS: to this node, or to a trusted proxy that says so in
 *   `X-Forwarded-Proto` (`client.ts`). HSTS over plain HTTP means nothing to
 *   a browser, and a node serving plain HTTP on a LAN must not pin its name.
 * - `Cache-Control: no-store` on every `/api/` and `/metrics` answer that
 *   sets no policy of its own: they are per caller, and a shared cache must
 *   never keep one (a photo's `private, immutable` stays).
 * - CORS (Hono's `cors`) for the exact origins of `TMS_CORS_ORIGINS`: a
 *   preflight from one of them is answered 204 before authentication; any
 *   other origin gets no CORS header at all.
 */
import { cors, secureHeaders } from "../deps.ts";
import type { MiddlewareHandler } from "../deps.ts";
import { HttpHeaders } from "../runtime/core/mod.ts";

/** The CSP of everything but a page that names its own: nothing may load, nobody may frame it. */
export const API_CSP =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** HSTS of an answer over TLS: a year, subdomains included. */
export const HSTS = "max-age=31536000; includeSubDomains";

/** Request headers a cross-origin caller may send. */
export const CORS_ALLOW_HEADERS = [
  "Authorization",
  "Content-Type",
  HttpHeaders.idempotencyKey,
  HttpHeaders.ifMatch,
  HttpHeaders.minPosition,
  HttpHeaders.apiVersion,
] as const;

/** Response headers a cross-origin caller may read. */
export const CORS_EXPOSE_HEADERS = [
  HttpHeaders.etag,
  "Location",
  HttpHeaders.position,
  HttpHeaders.retryAfter,
  HttpHeaders.rateLimit,
  HttpHeaders.rateLimitPolicy,
  HttpHeaders.apiVersion,
  HttpHeaders.deprecation,
  HttpHeaders.sunset,
  "Link",
  HttpHeaders.requestId,
] as const;

/** Methods a cross-origin caller may use. */
export const CORS_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/** Seconds a browser may keep a preflight's answer. */
const PREFLIGHT_MAX_AGE = 600;

/** Answers whose body is per caller: never kept by a shared cache. */
function perCaller(path: string): boolean {
  return path.startsWith("/api/") || path === "/metrics";
}

/**
 * The security headers of every answer (after `clientInfo`, which tells
 * whether the request came over TLS).
 *
 * @example
 * ```ts
 * app.use(clientInfo(new TrustedProxies(["10.0.0.0/8"])));
 * app.use(securityHeaders());
 * ```
 */
export function securityHeaders(): MiddlewareHandler {
  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
    },
    strictTransportSecurity: false,
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    // Headers of browsers long gone (IE's download and XSS-auditor
    // switches, Flash's cross-domain policies, DNS prefetch, origin-keyed
    // agent clusters): OWASP's REST checklist asks for none of them, and
    // each costs every answer a header.
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
    originAgentCluster: false,
    // A route's own header wins: Swagger UI's CSP, a photo's caching.
    overwrite: false,
  });
  return async function securityHeaders(c, next) {
    await headers(c, next);
    if (c.get("client")?.https) c.header("Strict-Transport-Security", HSTS);
    if (perCaller(c.req.path) && !c.res.headers.has("cache-control")) {
      c.header("Cache-Control", "no-store");
    }
  };
}

/**
 * Checks `TMS_CORS_ORIGINS`' entries: each an exact origin
 * (`https://app.example.no`, no path, no wildcard). Throws `RangeError`.
 */
export function parseCorsOrigins(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw.split(",").map((entry) => entry.trim()).filter(Boolean).map(
    (entry) => {
      let origin: string | null = null;
      try {
        origin = new URL(entry).origin;
      } catch { /* not a URL */ }
      if (origin !== entry || !/^https?:/.test(entry)) {
        throw new RangeError(
          `TMS_CORS_ORIGINS: "${entry}" is not an origin like https://app.example.no`,
        );
      }
      return entry;
    },
  );
}

/**
 * CORS for exactly `origins`: their requests and preflights get the CORS
 * headers (a preflight its 204 here, before authentication); every other
 * request passes untouched, without a CORS header. Null for no origins.
 *
 * @example
 * ```ts
 * const cors = corsFor(parseCorsOrigins(Deno.env.get("TMS_CORS_ORIGINS")));
 * if (cors) app.use(cors);
 * ```
 */
export function corsFor(origins: readonly string[]): MiddlewareHandler | null {
  if (origins.length === 0) return null;
  const allowed = new Set(origins);
  const handler = cors({
    origin: (origin) => allowed.has(origin) ? origin : null,
    allowMethods: CORS_METHODS,
    allowHeaders: [...CORS_ALLOW_HEADERS],
    exposeHeaders: [...CORS_EXPOSE_HEADERS],
    maxAge: PREFLIGHT_MAX_AGE,
  });
  return async function corsAllowed(c, next) {
    const origin = c.req.header("origin");
    if (origin !== undefined && allowed.has(origin)) {
      return await handler(c, next);
    }
    await next();
    // The answer depends on Origin: a cache must not serve it to an allowed one.
    c.header("Vary", "Origin", { append: true });
  };
}
