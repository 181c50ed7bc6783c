/**
 * Identity wired for one node: the access-token service over its key set
 * (`$TMS_DATA_DIR/auth_keys.json` embedded, the JetStream KV bucket
 * `tms_auth_keys` when a NATS connection is given), the argon2id hasher, the
 * password policy, and the first ADMIN's bootstrap on a log without users;
 * and the edge's protections from the environment (CORS origins, trusted
 * proxies, rate limits).
 */
import type { NatsConnection } from "../deps.ts";
import type { ActorClient } from "../runtime/actor/mod.ts";
import {
  Argon2idHasher,
  checkPassword,
  FileTokenKeyStore,
  NatsTokenKeyStore,
  TokenService,
} from "../runtime/auth/mod.ts";
import type { TokenKeyStore } from "../runtime/auth/mod.ts";
import type { KeyStore } from "../runtime/storage/mod.ts";
import { bootstrapAdmin } from "../actors/user/mod.ts";
import type { UserServices } from "../actors/user/mod.ts";
import type { EdgeAuth, EdgeSecurity } from "../http/mod.ts";
import { parseRateLimit } from "../http/rate_limits.ts";
import { parseCorsOrigins } from "../http/security.ts";
import { TrustedProxies } from "../http/client.ts";

/** Identity settings of a node. */
export interface IdentityConfig {
  dataDir: string;
  /** `false`: every caller is a platform ADMIN (benchmarks only). */
  enabled: boolean;
  issuer: string;
  audience: string;
  /** The first ADMIN's address and password (both, or neither). */
  adminEmail?: string;
  adminPassword?: string;
  metricsToken?: string;
  loginFailuresPerAddress?: number;
  nats?: { nc: NatsConnection; replicas: number };
}

/** Reads the identity settings from the environment. */
export function identityConfigFromEnv(
  env: Record<string, string | undefined>,
  dataDir: string,
): Omit<IdentityConfig, "nats"> {
  const auth = env.TMS_AUTH || "on";
  if (auth !== "on" && auth !== "off") {
    throw new RangeError(`TMS_AUTH must be "on" or "off", got "${auth}"`);
  }
  const email = env.TMS_ADMIN_EMAIL || undefined;
  const password = env.TMS_ADMIN_PASSWORD || undefined;
  if ((email === undefined) !== (password === undefined)) {
    throw new RangeError(
      "TMS_ADMIN_EMAIL and TMS_ADMIN_PASSWORD go together: give both or neither",
    );
  }
  const limit = env.TMS_LOGIN_FAILURES_PER_ADDRESS;
  if (limit !== undefined && !/^[1-9]\d{0,5}$/.test(limit)) {
    throw new RangeError(
      "TMS_LOGIN_FAILURES_PER_ADDRESS must be a positive whole number",
    );
  }
  return {
    dataDir,
    enabled: auth === "on",
    issuer: env.TMS_TOKEN_ISSUER || "tms",
    audience: env.TMS_TOKEN_AUDIENCE || "tms-api",
    adminEmail: email,
    adminPassword: password,
    metricsToken: env.TMS_METRICS_TOKEN || undefined,
    loginFailuresPerAddress: limit === undefined ? undefined : Number(limit),
  };
}

/**
 * Reads `TMS_CORS_ORIGINS`, `TMS_TRUSTED_PROXIES`, `TMS_RATE_LIMIT_PER_USER`
 * and `TMS_RATE_LIMIT_PER_ADDRESS`; throws `RangeError` naming a bad one.
 */
export function edgeSecurityFromEnv(
  env: Record<string, string | undefined>,
): EdgeSecurity {
  const proxies = (env.TMS_TRUSTED_PROXIES ?? "").split(",")
    .map((entry) => entry.trim()).filter(Boolean);
  try {
    new TrustedProxies(proxies);
  } catch (error) {
    throw new RangeError(`TMS_TRUSTED_PROXIES: ${(error as Error).message}`);
  }
  // Unset: the edge's defaults; "off": none.
  const limit = (name: string) =>
    env[name] ? parseRateLimit(name, env[name]!) : undefined;
  return {
    corsOrigins: parseCorsOrigins(env.TMS_CORS_ORIGINS),
    trustedProxies: proxies,
    rateLimitPerUser: limit("TMS_RATE_LIMIT_PER_USER"),
    rateLimitPerAddress: limit("TMS_RATE_LIMIT_PER_ADDRESS"),
  };
}

/** The identity of a running node. */
export interface IdentityServices {
  auth: EdgeAuth;
  tokens: TokenService;
  /** Creates the first ADMIN when the log has no users (idempotent). */
  bootstrap(system: ActorClient): Promise<void>;
  close(): Promise<void>;
}

/** Opens the token keys and builds what the edge and the flows need. */
export async function openIdentityServices(
  config: IdentityConfig,
  keys: KeyStore,
): Promise<IdentityServices> {
  const store: TokenKeyStore = config.nats
    ? await NatsTokenKeyStore.open(config.nats.nc, {
      replicas: config.nats.replicas,
    })
    : new FileTokenKeyStore(`${config.dataDir}/auth_keys.json`);
  const tokens = await TokenService.open(store, {
    issuer: config.issuer,
    audience: config.audience,
  });
  const users: UserServices = {
    keys,
    passwords: new Argon2idHasher(),
    tokens,
    checkPassword,
  };
  if (!config.enabled) {
    console.warn(
      "WARNING: TMS_AUTH=off — authentication is switched off, every caller acts as a platform ADMIN. For benchmarks only.",
    );
  }
  return {
    tokens,
    auth: {
      enabled: config.enabled,
      verifier: tokens,
      users,
      jwks: async () => {
        await tokens.refresh();
        return tokens.jwks();
      },
      metricsToken: config.metricsToken,
      loginFailuresPerAddress: config.loginFailuresPerAddress,
    },
    async bootstrap(system) {
      const passwordFile = `${config.dataDir}/initial-admin-password`;
      const result = await bootstrapAdmin(system, users, {
        email: config.adminEmail,
        password: config.adminPassword,
        passwordFile,
        at: new Date().toISOString(),
      });
      if (!result.created) return;
      console.log(
        result.passwordFile
          ? `First ADMIN ${result.email} created; its password is in ${result.passwordFile} (readable by this user only)`
          : `First ADMIN ${result.email} created from TMS_ADMIN_EMAIL`,
      );
    },
    async close() {
      await tokens.close();
      await store.close();
    },
  };
}
