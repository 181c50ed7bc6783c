import type { FaultRegistry } from "./registry.ts";
import { FaultKinds } from "./types.ts";

interface Link {
  client: Deno.Conn;
  server: Deno.Conn | null;
}

/** One listener forwarding to one NATS server. */
class Forward {
  readonly port: number;
  readonly #listener: Deno.TcpListener;
  readonly #target: { hostname: string; port: number };
  readonly #links = new Set<Link>();
  readonly #accepting: Promise<void>;
  readonly #isCut: () => boolean;

  constructor(
    target: { hostname: string; port: number },
    isCut: () => boolean,
  ) {
    this.#target = target;
    this.#isCut = isCut;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = this.#listener.addr.port;
    this.#accepting = this.#accept();
  }

  cutAll(): void {
    for (const link of this.#links) closeLink(link);
    this.#links.clear();
  }

  async close(): Promise<void> {
    this.#listener.close();
    this.cutAll();
    await this.#accepting;
  }

  async #accept(): Promise<void> {
    for (;;) {
      let client: Deno.Conn;
      try {
        client = await this.#listener.accept();
      } catch {
        return;
      }
      if (this.#isCut()) {
        // Refused as an unreachable server is: the client backs off and retries.
        closeQuietly(client);
        continue;
      }
      void this.#link(client);
    }
  }

  async #link(client: Deno.Conn): Promise<void> {
    const link: Link = { client, server: null };
    this.#links.add(link);
    try {
      link.server = await Deno.connect(this.#target);
      if (!this.#links.has(link)) return closeLink(link);
      await Promise.allSettled([
        client.readable.pipeTo(link.server.writable),
        link.server.readable.pipeTo(client.writable),
      ]);
    } catch {
      // the server is down or the link was cut: the client reconnects
    } finally {
      this.#links.delete(link);
      closeLink(link);
    }
  }
}

function closeQuietly(conn: Deno.Conn | null): void {
  try {
    conn?.close();
  } catch {
    // already closed
  }
}

function closeLink(link: Link): void {
  closeQuietly(link.client);
  closeQuietly(link.server);
}

/**
 * The seam of `nats_disconnect`: the node's data connection to NATS runs
 * through a local TCP forward per server, and while the fault is active
 * every forwarded connection is cut and new ones are refused — the client
 * sees a real disconnect and reconnects once the fault ends. Only plain
 * `nats://host:port` servers are forwarded (others are used as given). The
 * chaos control plane connects directly, so an emergency stop still reaches
 * a node whose data connection is cut.
 *
 * @example
 * ```ts
 * const proxy = ChaosNatsProxy.start(["nats://127.0.0.1:4222"], registry);
 * const nc = await connect({ servers: proxy.urls });
 * ```
 */
export class ChaosNatsProxy {
  /** The servers to connect to: the forwards' addresses. */
  readonly urls: string[];
  readonly #forwards: Forward[] = [];
  readonly #unsubscribe: () => void;
  #cuts = 0;

  private constructor(urls: string[], registry: FaultRegistry) {
    const isCut = () => this.#cuts > 0;
    this.urls = urls.map((url) => {
      const target = plainNats(url);
      if (!target) return url;
      const forward = new Forward(target, isCut);
      this.#forwards.push(forward);
      return `nats://${target.auth}127.0.0.1:${forward.port}`;
    });
    this.#unsubscribe = registry.subscribe((change) => {
      if (change.fault.kind !== FaultKinds.natsDisconnect) return;
      this.#cuts += change.type === "activated" ? 1 : -1;
      if (change.type === "activated") {
        for (const forward of this.#forwards) forward.cutAll();
      }
    });
  }

  /** Listens on a local port per plain `nats://` server of `urls`. */
  static start(urls: string[], registry: FaultRegistry): ChaosNatsProxy {
    return new ChaosNatsProxy(urls, registry);
  }

  /** True while a `nats_disconnect` fault holds the connection cut. */
  get cut(): boolean {
    return this.#cuts > 0;
  }

  /** Stops forwarding (after the NATS connection is closed). */
  async close(): Promise<void> {
    this.#unsubscribe();
    await Promise.all(this.#forwards.map((f) => f.close()));
  }
}

function plainNats(
  url: string,
): { hostname: string; port: number; auth: string } | null {
  const withScheme = url.includes("://") ? url : `nats://${url}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    return null;
  }
  if (parsed.protocol !== "nats:") return null;
  const auth = parsed.username
    ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ""}@`
    : "";
  return {
    hostname: parsed.hostname.replace(/^\[|\]$/g, ""),
    port: Number(parsed.port || 4222),
    auth,
  };
}
