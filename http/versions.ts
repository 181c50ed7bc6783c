/**
 * API versions: `/api/v1/…` and `/api/v2/…`, and the unversioned `/api/…`,
 * which is an alias resolved before routing (`X-API-Version`, then `Accept:
 * application/vnd.tms.v<n>+json`, else the node's default), so both versions
 * are served by the same handlers and told apart only by the representation
 * layer (`representation.ts`). Every `/api/` answer names the version that
 * served it (`X-API-Version`); v1 answers also carry `Deprecation` (RFC 9745),
 * `Sunset` (RFC 8594) and `Link: <…>; rel="successor-version"`.
 */
import type { MiddlewareHandler } from "../deps.ts";
import { HttpHeaders } from "../runtime/core/mod.ts";
import { NotAcceptableError } from "./problem.ts";

/** Every version this edge serves, oldest first. */
export const API_VERSIONS = [1, 2] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

/** The newest version. */
export const LATEST_VERSION: ApiVersion = 2;

/** Deprecation and sunset of the versions that have them. */
export const VERSION_LIFECYCLE: Partial<
  Record<ApiVersion, { deprecated: Date; sunset: Date; successor: ApiVersion }>
> = {
  1: {
    deprecated: new Date("2026-12-01T00:00:00Z"),
    sunset: new Date("2027-06-30T00:00:00Z"),
    successor: 2,
  },
};

/** The vendor media type of a version's JSON. */
export function versionMediaType(version: ApiVersion): string {
  return `application/vnd.tms.v${version}+json`;
}

/** True for a version this edge serves. */
export function isApiVersion(value: number): value is ApiVersion {
  return (API_VERSIONS as readonly number[]).includes(value);
}

/**
 * Parses `X-API-Version` (`2`, `v2`, `2.1`, `2.1.0`): its major version, or
 * `null` when it is not a version at all.
 */
export function parseVersionHeader(value: string): number | null {
  const match = /^\s*v?(\d{1,3})(?:\.\d{1,6}){0,2}\s*$/i.exec(value);
  return match ? Number(match[1]) : null;
}

/** The major version an `Accept` header asks for (`application/vnd.tms.v2+json`), if any. */
export function acceptedVersion(accept: string): number | null {
  const match = /application\/vnd\.tms\.v(\d{1,3})\+json/i.exec(accept);
  return match ? Number(match[1]) : null;
}

const UNVERSIONED = /^\/api\/(?!v\d+(?:\/|$))/;
const VERSIONED = /^\/api\/v(\d+)(?:\/|$)/;

/** How the version of a request was chosen. */
export type VersionSource = "path" | "header" | "accept" | "default";

/**
 * The version an unversioned request selects and why: `X-API-Version`
 * first, then `Accept`, else `fallback`. An explicit version that is not
 * served is returned as it is (the middleware refuses it).
 */
export function selectVersion(
  headers: Headers,
  fallback: ApiVersion,
): { version: number; source: VersionSource } {
  const header = headers.get("x-api-version");
  if (header !== null) {
    const version = parseVersionHeader(header);
    return { version: version ?? -1, source: "header" };
  }
  const accept = acceptedVersion(headers.get("accept") ?? "");
  if (accept !== null) return { version: accept, source: "accept" };
  return { version: fallback, source: "default" };
}

/** The request path as sent, percent-encoded. */
function sentPath(request: Request): string {
  const url = request.url;
  const start = url.indexOf("/", url.indexOf(":") + 4);
  let end = url.indexOf("?", start);
  if (end === -1) end = url.length;
  return url.slice(start, end);
}

/** The request path as Hono's default `getPath` reads it. */
function rawPath(request: Request): string {
  const path = sentPath(request);
  if (!path.includes("%")) return path;
  try {
    return decodeURI(path.replaceAll("%25", "%2525"));
  } catch {
    return path;
  }
}

/**
 * The router's path of a request: an unversioned `/api/…` path routes as
 * `/api/v<n>/…` of the version it selects, so it reaches the same handler,
 * policy and representation as the versioned path. Any other path is as
 * sent. An unsupported explicit version routes to the latest (the version
 * middleware refuses it with 406 before any handler runs).
 */
export function versionedGetPath(
  fallback: ApiVersion,
): (request: Request) => string {
  return (request) => {
    const path = rawPath(request);
    if (!UNVERSIONED.test(path)) return path;
    const { version } = selectVersion(request.headers, fallback);
    const served = isApiVersion(version) ? version : LATEST_VERSION;
    return `/api/v${served}${path.slice(4)}`;
  };
}

/** The version a routed `/api/v<n>/…` path names, or null outside the API. */
export function versionOfPath(path: string): number | null {
  const match = VERSIONED.exec(path);
  return match ? Number(match[1]) : null;
}

/** An HTTP-date (RFC 9110) of an instant. */
function httpDate(date: Date): string {
  return date.toUTCString();
}

/**
 * The version middleware of `/api/*`: records the version that serves the
 * request (`c.get("apiVersion")`), refuses an explicit version the edge does
 * not serve (406), and names the version in every answer — also in errors —
 * with the deprecation headers of a deprecated one. An answer to an
 * unversioned request varies by `X-API-Version` and `Accept`; one selected
 * by `Accept` comes back in that vendor media type.
 */
export function apiVersions(fallback: ApiVersion): MiddlewareHandler {
  return async function apiVersions(c, next) {
    const routed = versionOfPath(c.req.path);
    const unversioned = UNVERSIONED.test(rawPath(c.req.raw));
    const selected = unversioned
      ? selectVersion(c.req.raw.headers, fallback)
      : { version: routed ?? fallback, source: "path" as const };
    const version = isApiVersion(routed ?? -1) ? routed as ApiVersion : null;
    if (version !== null) c.set("apiVersion", version);
    try {
      if (unversioned && !isApiVersion(selected.version)) {
        throw new NotAcceptableError(
          `API version ${
            selected.version < 0 ? "given" : selected.version
          } is not served; use one of ${API_VERSIONS.join(", ")}`,
        );
      }
      await next();
    } finally {
      if (version !== null) {
        c.header(HttpHeaders.apiVersion, String(version));
        const lifecycle = VERSION_LIFECYCLE[version];
        if (lifecycle) {
          c.header(
            HttpHeaders.deprecation,
            `@${Math.floor(lifecycle.deprecated.getTime() / 1000)}`,
          );
          c.header(HttpHeaders.sunset, httpDate(lifecycle.sunset));
          // From the path as sent (percent-encoded): a header carries
          // only visible ASCII, and a decoded path may hold anything.
          const successor = sentPath(c.req.raw).replace(
            /^\/api(?:\/v\d+)?(?=\/|$)/,
            `/api/v${lifecycle.successor}`,
          );
          c.header(
            "Link",
            `<${successor}>; rel="successor-version", </docs>; rel="deprecation"; type="text/html"`,
            { append: true },
          );
        }
        if (unversioned) {
          c.header("Vary", "X-API-Version, Accept", { append: true });
          const type = c.res.headers.get("content-type") ?? "";
          if (
            selected.source === "accept" && type.startsWith("application/json")
          ) {
            c.header("content-type", versionMediaType(version));
          }
        }
      }
    }
  };
}
