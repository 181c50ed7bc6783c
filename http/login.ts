/**
 * `/api/v1/auth`: login, refresh and logout. Token answers are never cached
 * (`Cache-Control: no-store`). Failed logins are limited per client address
 * as well as per account (the account's own lockout is the user actor's).
 */
import { Hono } from "../deps.ts";
import type { Context } from "../deps.ts";
import { UnauthorizedError, UnavailableError } from "../runtime/core/mod.ts";
import { TokenBucketLimiter } from "../runtime/auth/mod.ts";
import { login, logout, refresh } from "../actors/user/mod.ts";
import { LoginBody, RefreshBody } from "../schemas/mod.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { now, parseBody } from "./write.ts";

/** The client's address as the server saw the connection. */
export function clientAddress(c: Context): string {
  const info = (c.env as { remoteAddr?: { hostname?: string } } | undefined)
    ?.remoteAddr;
  return info?.hostname ?? "unknown";
}

const WINDOW_SECONDS = 15 * 60;

/** Routes of `/api/v1/auth`. */
export function loginRoutes(deps: EdgeDeps): Hono {
  const system = clientOf(deps);
  const services = deps.auth.users;
  const perAddress = deps.auth.loginFailuresPerAddress ?? 20;
  const failures = new TokenBucketLimiter({
    capacity: perAddress,
    refillPerSecond: perAddress / WINDOW_SECONDS,
  });
  const app = new Hono();

  const noStore = (c: Context) => {
    c.header("Cache-Control", "no-store");
    c.header("Pragma", "no-cache");
  };

  app.post("/login", async (c) => {
    const address = clientAddress(c);
    const budget = failures.peek(address);
    if (!budget.ok) {
      throw new UnavailableError("Too many failed logins from this address", {
        status: 429,
        retryAfter: Math.max(1, budget.retryAfterSeconds),
      });
    }
    const body = await parseBody(c, LoginBody);
    try {
      const { user: _, ...pair } = await login(system, services, {
        email: body.email,
        password: body.password,
        at: now(),
      }, { signal: c.get("signal") });
      noStore(c);
      return c.json(pair);
    } catch (error) {
      if (error instanceof UnauthorizedError) failures.take(address);
      throw error;
    }
  });

  app.post("/refresh", async (c) => {
    const body = await parseBody(c, RefreshBody);
    const pair = await refresh(system, services, {
      refreshToken: body.refreshToken,
      at: now(),
    }, { signal: c.get("signal") });
    noStore(c);
    return c.json(pair);
  });

  app.post("/logout", async (c) => {
    const body = await parseBody(c, RefreshBody);
    await logout(system, { refreshToken: body.refreshToken, at: now() }, {
      signal: c.get("signal"),
    });
    return c.body(null, 204);
  });

  return app;
}
