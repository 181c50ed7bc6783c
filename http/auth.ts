/**
 * Authentication and authorization at the edge: the bearer token of every
 * `/api/` request is verified (a short cache of verified tokens keeps the
 * signature check off the hot path), its user checked to still be as the
 * token says (read again every `userRecheckSeconds`: a disabled user's
 * tokens stop within it, not at their expiry), its principal set on the
 * context, and the route's policy applied. Tenancy is the actors' business and the lists':
 * the principal travels with every ask and read.
 */
import type { Context, MiddlewareHandler } from "../deps.ts";
import {
  BoundedCache,
  ForbiddenError,
  UnauthorizedError,
} from "../runtime/core/mod.ts";
import { UserRole } from "../actors/user/mod.ts";
import type { CompiledPolicy } from "./policy.ts";
import { matchPolicy } from "./policy.ts";
import type { AuthPrincipal } from "./context.ts";
import type { TicketStore } from "../runtime/realtime/mod.ts";

/** What verifying a token gives (the shape of runtime/auth's `verify`). */
export interface VerifiedAccess {
  sub: string;
  exp: number;
  claims: Record<string, unknown>;
}

/** Verifies access tokens; throws `UnauthorizedError` for a bad one. */
export interface AccessVerifier {
  verify(token: string): Promise<VerifiedAccess>;
}

/** The principal an access token stands for. */
export function principalOf(verified: VerifiedAccess): AuthPrincipal {
  const { claims } = verified;
  const role = claims.role;
  if (!Object.values(UserRole).includes(role as UserRole)) {
    throw new UnauthorizedError("auth.token_invalid", "The token has no role");
  }
  const bedrift = typeof claims.bedrift === "string" ? claims.bedrift : null;
  return {
    subject: verified.sub,
    role: role as UserRole,
    tenant: role === UserRole.ADMIN ? null : bedrift,
    employeeId: typeof claims.employee === "string" ? claims.employee : null,
    sessionId: typeof claims.sid === "string" ? claims.sid : null,
  };
}

/** The principal of a request whose policy needed one. */
export function principal(c: Context): AuthPrincipal {
  const p = c.get("principal");
  if (!p) {
    throw new UnauthorizedError(
      "auth.token_missing",
      "A bearer token is needed",
    );
  }
  return p;
}

const CACHE_LIMIT = 10_000;

/** What the edge checks a token against: its user as the actor has it now. */
export interface CurrentUser {
  status: string;
  role: string;
  bedriftId: string | null;
  employeeId: string | null;
}

/** Reads a user's current state (null: no such user). */
export type UserLookup = (
  subject: string,
  signal?: AbortSignal,
) => Promise<CurrentUser | null>;

/**
 * Users read recently, by subject: each is read again once `recheckMs` has
 * passed since the last read; concurrent requests of one user share a read.
 */
class CurrentUsers {
  readonly #entries = new BoundedCache<
    string,
    { at: number; user: Promise<CurrentUser | null> }
  >(CACHE_LIMIT);

  constructor(
    readonly lookup: UserLookup,
    readonly recheckMs: number,
  ) {}

  async get(
    subject: string,
    now: number,
    signal?: AbortSignal,
  ): Promise<CurrentUser | null> {
    const entry = this.#entries.get(subject);
    if (entry && now - entry.at < this.recheckMs) return await entry.user;
    const user = this.lookup(subject, signal);
    this.#entries.set(subject, { at: now, user });
    try {
      return await user;
    } catch (error) {
      // A failed read is not remembered: the next request reads again.
      if (this.#entries.get(subject)?.user === user) {
        this.#entries.delete(subject);
      }
      throw error;
    }
  }
}

/** Refuses a token whose user is gone, disabled, or no longer as the token says. */
function checkCurrent(who: AuthPrincipal, user: CurrentUser | null): void {
  if (user === null || user.status !== "ACTIVE") {
    throw new UnauthorizedError(
      "auth.user_disabled",
      "The token's user is disabled",
    );
  }
  if (
    user.role !== who.role || (user.bedriftId ?? null) !== who.tenant ||
    (user.employeeId ?? null) !== who.employeeId
  ) {
    throw new UnauthorizedError(
      "auth.token_stale",
      "The user's role, bedrift or employee changed since the token was issued: refresh it",
    );
  }
}

/**
 * Bearer tokens verified recently, until they expire: the same token (the
 * whole string, signature included) skips the signature check.
 */
class VerifiedCache {
  readonly #entries = new BoundedCache<
    string,
    { principal: AuthPrincipal; exp: number }
  >(CACHE_LIMIT);

  get(
    token: string,
    nowSeconds: number,
  ): { principal: AuthPrincipal; exp: number } | null {
    const entry = this.#entries.get(token);
    if (!entry) return null;
    if (entry.exp <= nowSeconds) {
      this.#entries.delete(token);
      return null;
    }
    return entry;
  }

  set(token: string, principal: AuthPrincipal, exp: number): void {
    this.#entries.set(token, { principal, exp });
  }
}

function bearer(c: Context): string | null {
  const header = c.req.header("authorization");
  if (header === undefined) return null;
  const match = /^Bearer ([A-Za-z0-9_.~+/-]+=*)$/i.exec(header.trim());
  if (!match) {
    throw new UnauthorizedError(
      "auth.token_malformed",
      "Authorization must be `Bearer <token>`",
    );
  }
  return match[1];
}

/** What a realtime ticket stands for: a principal, until its token expires. */
export interface StreamTicket {
  principal: AuthPrincipal;
  /** The expiry of the token it was issued for, epoch seconds. */
  expiresAt: number;
}

export interface AccessOptions {
  verifier: AccessVerifier;
  /** Where tickets of routes whose policy takes `?ticket=` are redeemed. */
  tickets?: TicketStore<StreamTicket>;
  /** The compiled policy table. */
  policies: readonly CompiledPolicy[];
  /** True when `method path` is a registered route (a route without a policy is refused). */
  routed: (method: string, path: string) => boolean;
  /** The users the tokens stand for, checked every `userRecheckSeconds` (none: not checked). */
  users?: UserLookup;
  /** Seconds between two reads of one user (default 30). */
  userRecheckSeconds?: number;
  /** The clock, epoch ms (default `Date.now`). */
  now?: () => number;
}

/**
 * The access middleware of `/api/*`: a public route passes; every other one
 * needs a valid bearer token (401) whose role the route's policy allows, or
 * whose own record the path names (403). A registered route without a policy
 * is refused to everyone (fail closed); an unknown path falls through to 404.
 */
export function access(options: AccessOptions): MiddlewareHandler {
  const cache = new VerifiedCache();
  const clock = options.now ?? Date.now;
  const users = options.users
    ? new CurrentUsers(options.users, (options.userRecheckSeconds ?? 30) * 1000)
    : null;
  return async function access(c, next) {
    const match = matchPolicy(options.policies, c.req.method, c.req.path);
    if (match?.policy.policy.roles === "public") return await next();
    const token = bearer(c);
    const ticket = token === null && match?.policy.policy.ticket
      ? c.req.query("ticket")
      : undefined;
    const nowMs = clock();
    let who: AuthPrincipal;
    if (ticket !== undefined) {
      const redeemed = await options.tickets?.redeem(ticket);
      if (!redeemed) {
        throw new UnauthorizedError(
          "auth.ticket_invalid",
          "The ticket is unknown, used or expired",
        );
      }
      who = redeemed.principal;
      c.set("credentialsExpireAt", redeemed.expiresAt);
    } else if (token === null) {
      if (!match && !options.routed(c.req.method, c.req.path)) {
        return await next();
      }
      throw new UnauthorizedError(
        "auth.token_missing",
        "A bearer token is needed",
      );
    } else {
      let entry = cache.get(token, Math.floor(nowMs / 1000));
      if (!entry) {
        const verified = await options.verifier.verify(token);
        entry = { principal: principalOf(verified), exp: verified.exp };
        cache.set(token, entry.principal, entry.exp);
      }
      who = entry.principal;
      c.set("credentialsExpireAt", entry.exp);
    }
    if (users) {
      checkCurrent(who, await users.get(who.subject, nowMs, c.get("signal")));
    }
    c.set("principal", who);
    if (!match) {
      if (options.routed(c.req.method, c.req.path)) {
        throw new ForbiddenError(
          "auth.no_policy",
          "This route has no access policy",
        );
      }
      return await next();
    }
    const { policy } = match.policy;
    const roles = policy.roles as readonly string[];
    if (roles.includes(who.role)) return await next();
    const self = policy.self;
    if (self && (self.roles as readonly string[]).includes(who.role)) {
      const own = self.claim === "user" ? who.subject : who.employeeId;
      if (own !== null && match.params[self.param] === own) {
        return await next();
      }
    }
    throw new ForbiddenError(
      "auth.role_not_allowed",
      `A ${who.role} may not ${c.req.method} ${match.policy.path}`,
    );
  };
}

/**
 * The principal of every request when authentication is off: a platform
 * ADMIN that names nobody (so the access log, which names who read, has
 * nothing to record).
 */
export const ANONYMOUS: AuthPrincipal = Object.freeze({
  subject: "anonymous",
  role: UserRole.ADMIN,
  tenant: null,
  employeeId: null,
  sessionId: null,
});

/** The access middleware when authentication is switched off: everyone is a platform ADMIN. */
export function noAccessControl(): MiddlewareHandler {
  return async function noAccessControl(c, next) {
    c.set("principal", ANONYMOUS);
    await next();
  };
}
