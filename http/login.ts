/**
 * `/api/v<n>/auth`: login, refresh and logout. Token answers are never cached
 * (`Cache-Control: no-store`). Failed logins are limited per client address
 * as well as per account (the account's own lockout is the user actor's).
 */
import type { Context } from "../deps.ts";
import { UnauthorizedError, UnavailableError } from "../runtime/core/mod.ts";
import { TokenBucketLimiter } from "../runtime/auth/mod.ts";
import { login, logout, refresh } from "../actors/user/mod.ts";
import { LoginBody, RefreshBody, TokenPairView } from "../schemas/mod.ts";
import { plain, reply } from "./representation.ts";
import { RouteGroup } from "./route.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { now } from "./write.ts";
import { addressKey } from "./client.ts";

/** The client's address (behind a trusted proxy: the one it forwards), by its rate-limit key. */
function clientAddress(c: Context): string {
  const address = c.get("client")?.address;
  return address ? addressKey(address) : "unknown";
}

const WINDOW_SECONDS = 15 * 60;

/** The token pair of login and refresh (the same in every version). */
export const TokenPairRep = plain<unknown>("TokenPair", TokenPairView);

/** Routes of `/api/v<n>/auth`. */
export function loginRoutes(deps: EdgeDeps): RouteGroup {
  const system = clientOf(deps);
  const services = deps.auth.users;
  const perAddress = deps.auth.loginFailuresPerAddress ?? 20;
  const failures = new TokenBucketLimiter({
    capacity: perAddress,
    refillPerSecond: perAddress / WINDOW_SECONDS,
  });
  const group = new RouteGroup({
    tag: "Auth",
    description:
      "Login, refresh-token rotation and logout (answers are never cached)",
    base: "/auth",
    versioned: true,
  });

  const noStore = (c: Context) => {
    c.header("Cache-Control", "no-store");
    c.header("Pragma", "no-cache");
  };

  group.route({
    method: "post",
    path: "/login",
    operationId: "login",
    summary: "Log in with e-mail and password",
    description:
      "A wrong password and an unknown address answer the same 401. Five failures in 15 minutes lock the account (429 with Retry-After); failures are limited per client address too.",
    request: { body: { schema: LoginBody } },
    responses: {
      200: {
        description: "An access token (15 minutes) and a refresh token",
        body: TokenPairRep,
        headers: ["Cache-Control"],
      },
    },
    problems: [400, 401, 403, 422, 429, 503],
  }, async (c, { body }) => {
    const address = clientAddress(c);
    const budget = failures.peek(address);
    if (!budget.ok) {
      throw new UnavailableError("Too many failed logins from this address", {
        status: 429,
        retryAfter: Math.max(1, budget.retryAfterSeconds),
      });
    }
    try {
      const { user: _, ...pair } = await login(system, services, {
        email: body.email,
        password: body.password,
        at: now(),
      }, { signal: c.get("signal") });
      noStore(c);
      return reply(c, TokenPairRep, pair);
    } catch (error) {
      if (error instanceof UnauthorizedError) failures.take(address);
      throw error;
    }
  });

  group.route({
    method: "post",
    path: "/refresh",
    operationId: "refreshToken",
    summary: "Rotate a refresh token for a new pair",
    description:
      "The old token dies; the same refresh retried within 10 s gets the same pair; any other reuse revokes the whole family.",
    request: { body: { schema: RefreshBody } },
    responses: {
      200: {
        description: "A new pair",
        body: TokenPairRep,
        headers: ["Cache-Control"],
      },
    },
    problems: [400, 401, 422, 429, 503],
  }, async (c, { body }) => {
    const pair = await refresh(system, services, {
      refreshToken: body.refreshToken,
      at: now(),
    }, { signal: c.get("signal") });
    noStore(c);
    return reply(c, TokenPairRep, pair);
  });

  group.route({
    method: "post",
    path: "/logout",
    operationId: "logout",
    summary: "Revoke a refresh-token family",
    request: { body: { schema: RefreshBody } },
    responses: { 204: { description: "Revoked" } },
    problems: [400, 401, 403, 422, 429, 503],
  }, async (c, { body }) => {
    await logout(system, { refreshToken: body.refreshToken, at: now() }, {
      signal: c.get("signal"),
    });
    return c.body(null, 204);
  });

  return group;
}
