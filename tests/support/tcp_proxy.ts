/**
 * A TCP proxy for network-fault tests: forwards 127.0.0.1:<port> to a
 * target, and can freeze — connections stay open, bytes stop moving both
 * ways — the way a partition looks to a client.
 */
import { freePort } from "../../ops/server_process.ts";

export class TcpProxy {
  readonly port: number;
  readonly #listener: Deno.Listener;
  readonly #target: { hostname: string; port: number };
  readonly #conns = new Set<Deno.Conn>();
  readonly #pumps = new Set<Promise<void>>();
  #accepting: Promise<void>;
  #thaw: PromiseWithResolvers<void> | null = null;

  private constructor(
    listener: Deno.Listener,
    target: { hostname: string; port: number },
  ) {
    this.#listener = listener;
    this.#target = target;
    this.port = (listener.addr as Deno.NetAddr).port;
    this.#accepting = this.#accept();
  }

  /** Listens on a free port and forwards to `target`. */
  static start(target: { hostname: string; port: number }): TcpProxy {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: freePort() });
    return new TcpProxy(listener, target);
  }

  /** Stops moving bytes (connections stay open). */
  freeze(): void {
    this.#thaw ??= Promise.withResolvers<void>();
  }

  /** Moves bytes again. */
  unfreeze(): void {
    this.#thaw?.resolve();
    this.#thaw = null;
  }

  /** Closes the listener and every connection. */
  async close(): Promise<void> {
    this.unfreeze();
    this.#listener.close();
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    await this.#accepting;
    await Promise.allSettled([...this.#pumps]);
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) {
        let server: Deno.Conn;
        try {
          server = await Deno.connect(this.#target);
        } catch {
          client.close();
          continue;
        }
        this.#conns.add(client);
        this.#conns.add(server);
        this.#pump(client, server);
        this.#pump(server, client);
      }
    } catch {
      // listener closed
    }
  }

  #pump(from: Deno.Conn, to: Deno.Conn): void {
    const pump = (async () => {
      const buffer = new Uint8Array(64 * 1024);
      try {
        for (;;) {
          const n = await from.read(buffer);
          if (n === null) break;
          while (this.#thaw) await this.#thaw.promise;
          let written = 0;
          while (written < n) {
            written += await to.write(buffer.subarray(written, n));
          }
        }
      } catch {
        // a side closed
      } finally {
        for (const conn of [from, to]) {
          if (this.#conns.delete(conn)) {
            try {
              conn.close();
            } catch {
              // already closed
            }
          }
        }
      }
    })();
    this.#pumps.add(pump);
    pump.finally(() => this.#pumps.delete(pump));
  }
}
