import type { ActorClient, ActorSystem } from "../runtime/actor/mod.ts";
import type { DeadLetterStore, Principal } from "../runtime/core/mod.ts";
import type { UserRole, UserServices } from "../actors/user/mod.ts";
import type { AccessVerifier } from "./auth.ts";
import type { FileStore, KeyStore } from "../runtime/storage/mod.ts";
import type { DatedRates } from "../actors/invoice/mod.ts";
import type { ReadSide } from "./queries.ts";
import type { RedMetrics } from "../runtime/telemetry/mod.ts";
import type { ApiVersion } from "./versions.ts";
import type { ClientInfo } from "./client.ts";
import type { RateLimitSpec, TakenLimit } from "./rate_limits.ts";
import type { IntegrationContract } from "./integration.ts";
import type { ChaosSupervisor } from "../actors/supervisors/chaos/mod.ts";
import type { AutoscaleApi } from "../actors/supervisors/autoscale/mod.ts";
import type { RealtimeEdge } from "./realtime.ts";
import type { WebhookEdge } from "./webhooks.ts";
import type { ConsoleSources } from "./console_status.ts";

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
    /** The client's address and scheme (behind trusted proxies: theirs to tell). */
    client: ClientInfo;
    /** The rate limits taken for this `/api/` request, for its headers. */
    rateLimits: TakenLimit[] | undefined;
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
  /**
   * Seconds a token's user is taken to be as the token says (active, same
   * role, bedrift and employee) before it is read again (default 30; 0:
   * every request). A disabled user's tokens stop within it.
   */
  userRecheckSeconds?: number;
  /** The clock of the token and user caches, epoch ms (default `Date.now`; tests). */
  now?: () => number;
}

/** Browser and network protections of the edge. */
export interface EdgeSecurity {
  /** Exact origins allowed to call cross-origin (`TMS_CORS_ORIGINS`); none: no CORS. */
  corsOrigins?: readonly string[];
  /** Proxies (addresses, CIDR blocks) whose `X-Forwarded-For`/`-Proto` are believed (`TMS_TRUSTED_PROXIES`). */
  trustedProxies?: readonly string[];
  /** Requests per principal (`TMS_RATE_LIMIT_PER_USER`; null: off; default `DEFAULT_RATE_LIMITS`). */
  rateLimitPerUser?: RateLimitSpec | null;
  /** Requests per client address (`TMS_RATE_LIMIT_PER_ADDRESS`; null: off). */
  rateLimitPerAddress?: RateLimitSpec | null;
  /** The clock of the rate limits, epoch ms (default `Date.now`; tests). */
  now?: () => number;
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
  /** What the node shows on `/health/live` (informational; never fails). */
  liveness?: () => Record<string, unknown>;
  /** Whether start-up is done (`/health/startup`); absent: it is. */
  startup?: () => ReadinessCheck;
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
  /** CORS, trusted proxies and rate limits (default: no CORS, no proxies, `DEFAULT_RATE_LIMITS`). */
  security?: EdgeSecurity;
  /**
   * The node's chaos supervisor: its API answers when its settings say
   * `enabled` (`TMS_CHAOS=on`), and its edge seam applies to `/api/`.
   */
  chaos?: ChaosSupervisor;
  /** The version an unversioned `/api/…` request gets (`TMS_API_DEFAULT_VERSION`; default the latest). */
  defaultApiVersion?: ApiVersion;
  /** Where the integration contract lives (`TMS_PUBLIC_URL`) and the events' `ce-source`. */
  integration?: IntegrationContract;
  /** The node's autoscaler (default: one that is off). */
  autoscale?: AutoscaleApi;
  /** SSE and WebSocket fan-out (none: those routes answer 503). */
  realtime?: RealtimeEdge;
  /** Webhook subscriptions and deliveries (none: those routes answer 503). */
  webhooks?: WebhookEdge;
  /** The cluster's dead-letter store (none: `/dead-letters` answers 503). */
  deadLetters?: DeadLetterStore;
  /** What the ops console reads of the node besides the parts above. */
  console?: ConsoleSources;
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
