/**
 * Logging in, refreshing and logging out. An access token is a short-lived
 * JWT; a refresh token is opaque — `<session id>.<256 bits>` — and only its
 * SHA-256 is stored, in the session (one refresh-token family). Each refresh
 * rotates it; the next token is a keyed hash of the presented one, so a
 * refresh retried after a lost response gets the very same pair, and any
 * other reuse of a used token revokes the family (RFC 9700 §4.14.2).
 */
import type { ActorClient } from "../../runtime/actor/mod.ts";
import {
  DomainError,
  UnauthorizedError,
  UnavailableError,
} from "../../runtime/core/mod.ts";
import { SESSION, SessionErrorCode } from "../session/mod.ts";
import type { SessionState } from "../session/mod.ts";
import { UniqueKinds } from "../unique/mod.ts";
import type { UniqueState } from "../unique/mod.ts";
import { emailIndex, userSubject } from "./register.ts";
import type { UserServices } from "./services.ts";
import { USER, UserErrorCode, UserStatus } from "./types.ts";
import type { User, UserState } from "./types.ts";

/** What a login or a refresh answers. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: "Bearer";
  /** Seconds the access token is valid. */
  expiresIn: number;
}

/** Stable error codes of logging in. */
export const AuthErrorCode = {
  INVALID_CREDENTIALS: "auth.invalid_credentials",
  INVALID_REFRESH_TOKEN: "auth.invalid_refresh_token",
  REFRESH_TOKEN_REUSED: "auth.refresh_token_reused",
  LOCKED: "auth.account_locked",
} as const;

const invalidCredentials = () =>
  new UnauthorizedError(
    AuthErrorCode.INVALID_CREDENTIALS,
    "Wrong e-mail address or password",
  );
const invalidRefresh = () =>
  new UnauthorizedError(
    AuthErrorCode.INVALID_REFRESH_TOKEN,
    "The refresh token is not valid",
  );

/** SHA-256 of a token, hex: what a session stores. */
export async function tokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(token),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

function randomToken(sessionId: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const text = btoa(String.fromCharCode(...bytes));
  return `${sessionId}.${
    text.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")
  }`;
}

/** The claims of a user's access token. */
export function accessClaims(user: User, sessionId: string) {
  return {
    sub: user.id,
    role: user.role,
    bedrift: user.bedriftId,
    employee: user.employeeId,
    sid: sessionId,
  };
}

async function pair(
  services: UserServices,
  user: User,
  sessionId: string,
  refreshToken: string,
  fixed?: { jti: string; iat: number },
): Promise<TokenPair> {
  const signed = await services.tokens.sign({
    ...accessClaims(user, sessionId),
    ...fixed,
  });
  return {
    accessToken: signed.token,
    refreshToken,
    tokenType: "Bearer",
    expiresIn: signed.expiresIn,
  };
}

/** The user an address belongs to, or null. */
export async function userByEmail(
  system: ActorClient,
  services: UserServices,
  email: string,
  signal?: AbortSignal,
): Promise<User | null> {
  let index: string;
  try {
    index = await emailIndex(services, email);
  } catch (error) {
    if (error instanceof DomainError) return null;
    throw error;
  }
  const owner = await system.read<UniqueState>(UniqueKinds.email, index, {
    signal,
  });
  if (!owner.state.owner) return null;
  const user = await system.read<UserState>(USER, owner.state.owner, {
    signal,
  });
  return user.state;
}

export interface LoginInput {
  email: string;
  password: string;
  at: string;
}

/**
 * Checks the credentials and opens a session. Exactly one password
 * verification runs whatever the outcome (a dummy one for an unknown address
 * or a disabled user), and every refusal is the same 401. A locked account is
 * a 429 with `Retry-After`, also with the right password; the fifth failure
 * in 15 minutes locks it (`user.login_failed`, `user.locked`). A hash made
 * with weaker parameters than today's is replaced on the way.
 */
export async function login(
  system: ActorClient,
  services: UserServices,
  input: LoginInput,
  options: { signal?: AbortSignal } = {},
): Promise<TokenPair & { user: User }> {
  const { signal } = options;
  const user = await userByEmail(system, services, input.email, signal);
  if (user === null || user.status !== UserStatus.ACTIVE) {
    await services.passwords.verifyDummy(input.password);
    throw invalidCredentials();
  }
  const now = Date.parse(input.at);
  if (user.lockedUntil !== null && Date.parse(user.lockedUntil) > now) {
    throw new UnavailableError("The account is locked after failed logins", {
      status: 429,
      retryAfter: Math.ceil((Date.parse(user.lockedUntil) - now) / 1000),
    });
  }
  const phc = user.passwordHash &&
    await services.keys.decrypt(user.passwordHash);
  const ok = phc !== null &&
    await services.passwords.verify(phc, input.password);
  if (phc === null) await services.passwords.verifyDummy(input.password);
  if (!ok) {
    await system.ask(USER, user.id, {
      type: "record_failed_login",
      at: input.at,
    }, { signal });
    throw invalidCredentials();
  }
  const rehashed = services.passwords.needsRehash(phc)
    ? await services.keys.encrypt(
      userSubject(user.id),
      await services.passwords.hash(input.password),
    )
    : null;
  await system.ask(USER, user.id, {
    type: "record_login",
    rehashed,
    at: input.at,
  }, { signal });
  const sessionId = crypto.randomUUID();
  const refreshToken = randomToken(sessionId);
  await system.ask(SESSION, sessionId, {
    type: "issue",
    userId: user.id,
    tokenHash: await tokenHash(refreshToken),
    at: input.at,
  }, { signal });
  return { ...await pair(services, user, sessionId, refreshToken), user };
}

/** The session id a refresh token names, or null for a malformed token. */
function sessionOf(refreshToken: string): string | null {
  const match = /^([0-9a-f-]{36})\.[A-Za-z0-9_-]{43}$/.exec(refreshToken);
  return match ? match[1] : null;
}

/**
 * Rotates a refresh token: the presented one dies and the answer is a new
 * pair. The same refresh retried within seconds (its response was lost) gets
 * the same pair again; a used token presented otherwise revokes the family
 * (`session.reuse_detected`) and is refused. The user is read again, so a
 * disabled user's refresh fails at once and a new role shows in the token.
 */
export async function refresh(
  system: ActorClient,
  services: UserServices,
  input: { refreshToken: string; at: string },
  options: { signal?: AbortSignal } = {},
): Promise<TokenPair> {
  const { signal } = options;
  const sessionId = sessionOf(input.refreshToken);
  if (sessionId === null) throw invalidRefresh();
  const next = `${sessionId}.${await services.tokens.refreshMac(
    input.refreshToken,
  )}`;
  const nextHash = await tokenHash(next);
  let result;
  try {
    result = await system.ask<never, SessionState>(SESSION, sessionId, {
      type: "rotate",
      presentedHash: await tokenHash(input.refreshToken),
      nextHash,
      at: input.at,
    }, { signal });
  } catch (error) {
    if (
      error instanceof DomainError &&
      Object.values(SessionErrorCode).includes(
        error.code as typeof SessionErrorCode[keyof typeof SessionErrorCode],
      )
    ) {
      throw invalidRefresh();
    }
    throw error;
  }
  const session = result.state!;
  if (session.status !== "ACTIVE") {
    throw new UnauthorizedError(
      AuthErrorCode.REFRESH_TOKEN_REUSED,
      "The refresh token was used before: the session is revoked",
    );
  }
  const user = (await system.read<UserState>(USER, session.userId, { signal }))
    .state;
  if (user === null || user.status !== UserStatus.ACTIVE) {
    await system.ask(SESSION, sessionId, {
      type: "revoke",
      reason: "user_disabled",
      at: input.at,
    }, { signal });
    throw invalidRefresh();
  }
  // Fixed by the rotation, so a retry re-signs the identical access token.
  const fixed = {
    jti: nextHash.slice(0, 32),
    iat: Math.floor(Date.parse(session.rotatedAt!) / 1000),
  };
  return await pair(services, user, sessionId, next, fixed);
}

/** Revokes the session a refresh token names (idempotent; unknown is fine). */
export async function logout(
  system: ActorClient,
  input: { refreshToken: string; at: string },
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const sessionId = sessionOf(input.refreshToken);
  if (sessionId === null) throw invalidRefresh();
  const session = await system.read<SessionState>(SESSION, sessionId, options);
  if (
    session.state === null ||
    (session.state.current !== await tokenHash(input.refreshToken) &&
      session.state.previous !== await tokenHash(input.refreshToken))
  ) {
    throw invalidRefresh();
  }
  await system.ask(SESSION, sessionId, {
    type: "revoke",
    reason: "logout",
    at: input.at,
  }, options);
}

/** A password change by the user: the current one first, then the policy. */
export async function changePassword(
  system: ActorClient,
  services: UserServices,
  input: { userId: string; current: string; next: string; at: string },
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const user = (await system.read<UserState>(USER, input.userId, options))
    .state;
  if (user === null) throw invalidCredentials();
  const phc = user.passwordHash &&
    await services.keys.decrypt(user.passwordHash);
  if (phc === null || !await services.passwords.verify(phc, input.current)) {
    throw new DomainError(
      UserErrorCode.WRONG_PASSWORD,
      "The current password is not right",
      { status: 422 },
    );
  }
  services.checkPassword(input.next);
  await system.ask(USER, input.userId, {
    type: "set_password",
    passwordHash: await services.keys.encrypt(
      userSubject(input.userId),
      await services.passwords.hash(input.next),
    ),
    at: input.at,
  }, options);
}
