import type { ActorClient, ActorSystem } from "../runtime/actor/mod.ts";
import type { Principal } from "../runtime/core/mod.ts";
import type { UserRole, UserServices } from "../actors/user/mod.ts";
import type { AccessVerifier } from "./auth.ts";
import type { FileStore, KeyStore } from "../runtime/storage/mod.ts";
import type { DatedRates } from "../actors/invoice/mod.ts";
import type { ReadSide } from "./queries.ts";
import type { RedMetrics } from "../runtime/telemetry/mod.ts";
import type { ApiVersion } from "./versions.ts";
import type { RealtimeEdge } from "./realtime.ts";
import type { WebhookEdge } from "./webhooks.ts";

declare module "npm:hono@4.13.19" {
  interface ContextVariableMap {
    /** The request's id (from `X-Request-Id` or generated). */
    requestId: string;
    /** The request's deadline, combined with the client's disconnect. */
    signal: AbortSignal;
    /** Who calls: set by the access middleware on every non-public `/api/` route. */
    principal: AuthPrincipal | undefined;
    /** The API version serving this request (set on every `/api/` route). */
    apiVersion: ApiVersion;
    /** When the caller's credentials (token or ticket) expire, epoch seconds. */
    credentialsExpireAt: number | undefined;
  }
}

/** The principal of a request: a user with its role, bedrift and employee. */
export interface AuthPrincipal extends Principal {
  readonly role: UserRole;
  readonly employeeId: string | null;
  readonly sessionId: string | null;
}

/** Identity at the edge: tokens, users, limits. */
export interface EdgeAuth {
  /** `false` switches authentication off (every caller is a platform ADMIN): benchmarks only. */
  enabled: boolean;
  verifier: AccessVerifier;
  users: UserServices;
  /** The public keys of the access tokens (`/.well-known/jwks.json`). */
  jwks: () => Promise<{ keys: JsonWebKey[] }>;
  /** A scrape token that may read `/metrics` besides an ADMIN's. */
  metricsToken?: string;
  /** Most failed logins per client address in 15 minutes (default 20). */
  loginFailuresPerAddress?: number;
}

/** What the routes need from the node. */
export interface EdgeDeps {
  system: ActorSystem;
  /** Where routes send commands (a cluster router in distributed mode); default `system`. */
  client?: ActorClient;
  /** Per-request deadline in ms (default 10 000). */
  requestTimeoutMs?: number;
  /** Largest accepted request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Extra readiness checks (projections, cluster) added by the node. */
  readiness?: () => Promise<Record<string, ReadinessCheck>>;
  /** Extra Prometheus lines (projections, cluster). */
  metrics?: () => Promise<string> | string;
  /** Requests per route for `/metrics` (default: a fresh one per app). */
  httpMetrics?: RedMetrics;
  /** Where photos go (default: in memory, for tests; main.ts wires files). */
  files?: FileStore;
  /** Per-person keys for personal data (default: in memory, for tests). */
  keys?: KeyStore;
  /** Dated rates for reminders (default: `DEFAULT_RATES`). */
  rates?: DatedRates;
  /** The read models behind the list routes (none: they answer 503). */
  readSide?: ReadSide;
  auth: EdgeAuth;
  /** The version an unversioned `/api/…` request gets (`TMS_API_DEFAULT_VERSION`; default the latest). */
  defaultApiVersion?: ApiVersion;
  /** SSE and WebSocket fan-out (none: those routes answer 503). */
  realtime?: RealtimeEdge;
  /** Webhook subscriptions and deliveries (none: those routes answer 503). */
  webhooks?: WebhookEdge;
}

/** Where routes send commands: the cluster router when there is one. */
export function clientOf(deps: EdgeDeps): ActorClient {
  return deps.client ?? deps.system;
}

/** One readiness check's outcome. */
export interface ReadinessCheck {
  ok: boolean;
  [detail: string]: unknown;
}
