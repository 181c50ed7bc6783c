/**
 * The Kubernetes actuator: reads and patches a Deployment's `scale`
 * subresource (`apps/v1`), as the HPA controller does.
 */
import { loadYaml } from "../../deps.ts";
import { abortable } from "../core/mod.ts";
import type { Actuator, ScaleResult } from "./types.ts";

/** Where the in-cluster credentials of a pod are mounted. */
export const SERVICE_ACCOUNT_DIR =
  "/var/run/secrets/kubernetes.io/serviceaccount";

/** Options of a {@linkcode KubernetesActuator}. */
export interface KubernetesActuatorOptions {
  /** The API server, e.g. `https://kubernetes.default.svc:443`. */
  server: string;
  namespace: string;
  deployment: string;
  /** A bearer token, read again for every request (projected tokens rotate). */
  token?: () => Promise<string>;
  /** PEM CA certificates the API server's certificate must chain to. */
  caCerts?: string[];
  /** A client certificate and key (PEM) instead of a token. */
  client?: { cert: string; key: string };
}

/** The `autoscaling/v1` Scale object the subresource answers with. */
export interface Scale {
  kind: "Scale";
  apiVersion: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { replicas?: number };
  status?: { replicas: number; selector?: string };
}

/**
 * Scales one Deployment through
 * `/apis/apps/v1/namespaces/<ns>/deployments/<name>/scale`: `GET` reads
 * `spec.replicas`, `PATCH` with `application/merge-patch+json` and
 * `{"spec":{"replicas":N}}` sets it. The RBAC it needs is a Role with verbs
 * `get` and `patch` on `deployments/scale` in the `apps` group for that
 * Deployment (ops/deploy/k8s/rbac.yaml). `inCluster()` uses the pod's
 * service-account token and CA; `fromKubeconfig()` a kubeconfig's current
 * context (token or client certificate).
 *
 * @example
 * ```ts
 * const actuator = await KubernetesActuator.inCluster({ deployment: "tms" });
 * await actuator.scale(4);
 * ```
 */
export class KubernetesActuator implements Actuator {
  readonly name = "kubernetes";
  readonly options: KubernetesActuatorOptions;
  readonly #client: Deno.HttpClient | undefined;

  constructor(options: KubernetesActuatorOptions) {
    this.options = options;
    this.#client = options.caCerts || options.client
      ? Deno.createHttpClient({
        caCerts: options.caCerts,
        ...(options.client
          ? { cert: options.client.cert, key: options.client.key }
          : {}),
      })
      : undefined;
  }

  /**
   * From the pod's mounted service account (`dir`): its token (read on
   * every request), CA, and namespace unless one is given; the server from
   * `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT`.
   */
  static async inCluster(
    options: { deployment: string; namespace?: string; dir?: string },
    env: Record<string, string | undefined> = Deno.env.toObject(),
  ): Promise<KubernetesActuator> {
    const dir = options.dir ?? SERVICE_ACCOUNT_DIR;
    const host = env.KUBERNETES_SERVICE_HOST;
    if (!host) {
      throw new Error(
        "Not in a Kubernetes pod: KUBERNETES_SERVICE_HOST is not set (use KUBECONFIG)",
      );
    }
    const port = env.KUBERNETES_SERVICE_PORT ?? "443";
    const namespace = options.namespace ??
      (await Deno.readTextFile(`${dir}/namespace`)).trim();
    return new KubernetesActuator({
      server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
      namespace,
      deployment: options.deployment,
      token: async () => (await Deno.readTextFile(`${dir}/token`)).trim(),
      caCerts: [await Deno.readTextFile(`${dir}/ca.crt`)],
    });
  }

  /** From a kubeconfig file's current context (or `context`). */
  static async fromKubeconfig(
    path: string,
    options: { deployment: string; namespace?: string; context?: string },
  ): Promise<KubernetesActuator> {
    const { parse } = await loadYaml();
    const config = parse(await Deno.readTextFile(path)) as Kubeconfig;
    const name = options.context ?? config["current-context"];
    const context = config.contexts?.find((c) => c.name === name)?.context;
    if (!context) throw new Error(`No context "${name}" in ${path}`);
    const cluster = config.clusters?.find((c) => c.name === context.cluster)
      ?.cluster;
    const user = config.users?.find((u) => u.name === context.user)?.user ??
      {};
    if (!cluster?.server) {
      throw new Error(`No server for cluster "${context.cluster}" in ${path}`);
    }
    const dir = path.replace(/[^/]*$/, "");
    const pem = async (data?: string, file?: string) =>
      data
        ? atob(data)
        : file
        ? await Deno.readTextFile(file.startsWith("/") ? file : dir + file)
        : undefined;
    const ca = await pem(
      cluster["certificate-authority-data"],
      cluster["certificate-authority"],
    );
    const cert = await pem(
      user["client-certificate-data"],
      user["client-certificate"],
    );
    const key = await pem(user["client-key-data"], user["client-key"]);
    const token = user.token ??
      (user.tokenFile ? await Deno.readTextFile(user.tokenFile) : undefined);
    return new KubernetesActuator({
      server: cluster.server,
      namespace: options.namespace ?? context.namespace ?? "default",
      deployment: options.deployment,
      token: token ? () => Promise.resolve(token.trim()) : undefined,
      caCerts: ca ? [ca] : undefined,
      client: cert && key ? { cert, key } : undefined,
    });
  }

  /** The subresource's path. */
  get path(): string {
    const { namespace, deployment } = this.options;
    return `/apis/apps/v1/namespaces/${
      encodeURIComponent(namespace)
    }/deployments/${encodeURIComponent(deployment)}/scale`;
  }

  async current(options: { signal?: AbortSignal } = {}): Promise<number> {
    const scale = await this.#request("GET", undefined, options.signal);
    return scale.spec.replicas ?? 0;
  }

  async scale(
    replicas: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<ScaleResult> {
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new RangeError("Replicas must be a non-negative integer");
    }
    const scale = await this.#request(
      "PATCH",
      { spec: { replicas } },
      options.signal,
    );
    return { replicas: scale.spec.replicas ?? replicas };
  }

  /** Releases the HTTP client (TLS settings). */
  close(): void {
    this.#client?.close();
  }

  async #request(
    method: "GET" | "PATCH",
    body: unknown,
    signal?: AbortSignal,
  ): Promise<Scale> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) {
      headers["content-type"] = "application/merge-patch+json";
    }
    if (this.options.token) {
      headers.authorization = `Bearer ${await this.options.token()}`;
    }
    const res = await abortable(
      fetch(`${this.options.server.replace(/\/$/, "")}${this.path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        client: this.#client,
        signal,
      }),
      signal,
    );
    const text = await res.text();
    let parsed: Record<string, unknown> | null = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (!res.ok) {
      // A Status object: { kind: "Status", reason, message, code }.
      throw new Error(
        `Kubernetes ${method} ${this.path}: ${res.status} ${
          parsed?.reason ?? ""
        } ${parsed?.message ?? text.slice(0, 200)}`.trim(),
      );
    }
    if (parsed?.kind !== "Scale") {
      throw new Error(`Kubernetes ${method} ${this.path}: not a Scale object`);
    }
    return parsed as unknown as Scale;
  }
}

interface Kubeconfig {
  "current-context"?: string;
  contexts?: {
    name: string;
    context: { cluster: string; user: string; namespace?: string };
  }[];
  clusters?: {
    name: string;
    cluster: {
      server: string;
      "certificate-authority-data"?: string;
      "certificate-authority"?: string;
    };
  }[];
  users?: {
    name: string;
    user: {
      token?: string;
      tokenFile?: string;
      "client-certificate-data"?: string;
      "client-certificate"?: string;
      "client-key-data"?: string;
      "client-key"?: string;
    };
  }[];
}
