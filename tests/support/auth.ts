/**
 * Identity for edge tests: a token service over keys in memory, the real
 * argon2id hasher (a test that counts verifications wraps it), and helpers
 * that create users of each role and log them in once.
 */
import type { ActorClient } from "../../runtime/actor/mod.ts";
import {
  Argon2idHasher,
  checkPassword,
  MemoryTokenKeyStore,
  TokenService,
} from "../../runtime/auth/mod.ts";
import type { PasswordHasher } from "../../runtime/auth/mod.ts";
import type { KeyStore } from "../../runtime/storage/mod.ts";
import { login, registerUser } from "../../actors/user/mod.ts";
import type { UserRole, UserServices } from "../../actors/user/mod.ts";
import type { EdgeAuth } from "../../http/mod.ts";

/** The first ADMIN of every test edge. */
export const TEST_ADMIN = {
  email: "admin@tms.test",
  password: "correct horse battery staple",
};

/** Issuer and audience of the test edges' tokens. */
export const TEST_TOKEN_OPTIONS = { issuer: "tms", audience: "tms-api" };

/** A password every test user gets (it passes the policy). */
export const TEST_PASSWORD = "kjøretime-på-tirsdag-42";

export interface TestAuth {
  auth: EdgeAuth;
  tokens: TokenService;
  users: UserServices;
  /** The token key set (another service over it signs as this edge would). */
  store: MemoryTokenKeyStore;
}

/** Identity over in-memory token keys and the given personal-data keys. */
export async function testAuth(
  keys: KeyStore,
  options: { hasher?: PasswordHasher; enabled?: boolean } = {},
): Promise<TestAuth> {
  const store = new MemoryTokenKeyStore();
  const tokens = await TokenService.open(store, TEST_TOKEN_OPTIONS);
  const users: UserServices = {
    keys,
    passwords: options.hasher ?? new Argon2idHasher(),
    tokens,
    checkPassword,
  };
  return {
    tokens,
    users,
    store,
    auth: {
      enabled: options.enabled ?? true,
      verifier: tokens,
      users,
      jwks: async () => {
        await tokens.refresh();
        return tokens.jwks();
      },
      // Many tests log in from one "address".
      loginFailuresPerAddress: 1000,
    },
  };
}

/** Creates a user directly (as the system) and returns its id. */
export async function createUser(
  system: ActorClient,
  users: UserServices,
  input: {
    email: string;
    role: UserRole;
    bedriftId: string | null;
    employeeId?: string | null;
    password?: string;
  },
): Promise<string> {
  const id = crypto.randomUUID();
  await registerUser(system, users, {
    id,
    email: input.email,
    password: input.password ?? TEST_PASSWORD,
    role: input.role,
    bedriftId: input.bedriftId,
    employeeId: input.employeeId ?? null,
    at: new Date().toISOString(),
  });
  return id;
}

/** An access token of a user, through the login flow. */
export async function tokenOf(
  system: ActorClient,
  users: UserServices,
  email: string,
  password = TEST_PASSWORD,
): Promise<string> {
  const pair = await login(system, users, {
    email,
    password,
    at: new Date().toISOString(),
  });
  return pair.accessToken;
}

/** `Authorization` of a bearer token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/**
 * An app whose `request` sends `token` unless the request names its own
 * `authorization` (an empty one: no token at all).
 */
export function authorized<
  A extends {
    request: (path: string, init?: RequestInit, env?: unknown) => unknown;
  },
>(app: A, token: string): A {
  const request = (path: string, init: RequestInit = {}, env?: unknown) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) {
      headers.set("authorization", `Bearer ${token}`);
    } else if (headers.get("authorization") === "") {
      headers.delete("authorization");
    }
    return app.request(path, { ...init, headers }, env);
  };
  return new Proxy(app, {
    get: (target, key, receiver) =>
      key === "request" ? request : Reflect.get(target, key, receiver),
  });
}
