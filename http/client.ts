/**
 * Who is on the other end of a request: the client's address and whether it
 * came over TLS. From the connection (Hono's Deno `getConnInfo`) — or, when
 * the connection's peer is a trusted proxy (`TMS_TRUSTED_PROXIES`), from the
 * `X-Forwarded-For` and `X-Forwarded-Proto` it adds. Nobody else's
 * forwarding headers are believed: a client could name any address.
 */
import { getConnInfo } from "../deps.ts";
import type { Context, MiddlewareHandler } from "../deps.ts";

/** The client of a request (`c.get("client")`). */
export interface ClientInfo {
  /** Its address; null when the request did not come over a socket (`app.request()`). */
  address: string | null;
  /** True when it came over TLS: to this node, or to a trusted proxy. */
  https: boolean;
}

interface Block {
  v6: boolean;
  base: bigint;
  bits: number;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(text: string): bigint | null {
  const m = V4.exec(text);
  if (!m) return null;
  let value = 0n;
  for (const part of m.slice(1)) {
    const n = Number(part);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseV6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]{2,45}$/.test(text)) return null;
  let head = text;
  let tail: bigint | null = null;
  // An IPv4 tail (`::ffff:10.0.0.1`) is the last 32 bits.
  const dot = text.lastIndexOf(":");
  if (text.includes(".")) {
    tail = parseV4(text.slice(dot + 1));
    if (tail === null) return null;
    head = `${text.slice(0, dot + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string) => half === "" ? [] : half.split(":");
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [
    ...left,
    ...Array(halves.length === 2 ? missing : 0).fill("0"),
    ...right,
  ];
  let value = 0n;
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  if (tail !== null) value = (value & ~0xffffffffn) | tail;
  return value;
}

const MAPPED_V4 = 0xffff00000000n;

/**
 * An address as `{ v6, value }`; an IPv4-mapped IPv6 address reads as the
 * IPv4 one. Null when it is not an address.
 */
export function parseAddress(
  text: string,
): { v6: boolean; value: bigint } | null {
  const v4 = parseV4(text);
  if (v4 !== null) return { v6: false, value: v4 };
  const v6 = parseV6(text.replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, ""));
  if (v6 === null) return null;
  if (v6 >> 32n === MAPPED_V4 >> 32n) {
    return { v6: false, value: v6 & 0xffffffffn };
  }
  return { v6: true, value: v6 };
}

/**
 * The addresses and CIDR blocks (IPv4 and IPv6) of the proxies whose
 * forwarding headers are believed.
 *
 * @example
 * ```ts
 * const proxies = new TrustedProxies(["10.0.0.0/8", "::1"]);
 * proxies.has("10.1.2.3"); // true
 * ```
 */
export class TrustedProxies {
  readonly #blocks: Block[];

  /** Throws `RangeError` naming an entry that is no address or block. */
  constructor(entries: readonly string[] = []) {
    this.#blocks = entries.map((entry) => {
      const [text, prefix, ...rest] = entry.trim().split("/");
      const address = parseAddress(text);
      const max = address?.v6 ? 128 : 32;
      const bits = prefix === undefined ? max : Number(prefix);
      if (
        !address || rest.length > 0 ||
        (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) || bits > max
      ) {
        throw new RangeError(
          `"${entry}" is not an IP address or CIDR block`,
        );
      }
      const shift = BigInt(max - bits);
      return { v6: address.v6, base: address.value >> shift, bits };
    });
  }

  /** True when no proxy is trusted. */
  get empty(): boolean {
    return this.#blocks.length === 0;
  }

  /** True when `address` is one of the proxies. */
  has(address: string): boolean {
    const parsed = parseAddress(address);
    if (!parsed) return false;
    return this.#blocks.some((block) =>
      block.v6 === parsed.v6 &&
      parsed.value >> BigInt((block.v6 ? 128 : 32) - block.bits) ===
        block.base
    );
  }
}

/** The address of the connection's peer (null outside `Deno.serve`). */
export function peerAddress(c: Context): string | null {
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  if (!env?.remoteAddr?.hostname) return null;
  return getConnInfo(c).remote.address ?? null;
}

/** An `X-Forwarded-For` entry without brackets or port (`[::1]:80`, `10.0.0.1:80`). */
function forwardedAddress(entry: string): string {
  const text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return bracketed[1];
  const v4Port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  return v4Port ? v4Port[1] : text;
}

/**
 * The client of a request: the peer, unless the peer is a trusted proxy;
 * then the rightmost `X-Forwarded-For` hop that is not a trusted proxy
 * (the hops left of it are the client's word, not a proxy's).
 */
export function resolveClient(
  c: Context,
  proxies: TrustedProxies,
): ClientInfo {
  const peer = peerAddress(c);
  const tls = c.req.url.startsWith("https:");
  if (peer === null || proxies.empty || !proxies.has(peer)) {
    return { address: peer, https: tls };
  }
  const proto = c.req.header("x-forwarded-proto")?.split(",")[0].trim()
    .toLowerCase();
  const hops = (c.req.header("x-forwarded-for") ?? "").split(",")
    .map(forwardedAddress).filter((hop) => hop !== "");
  let address = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!parseAddress(hops[i])) break;
    address = hops[i];
    if (!proxies.has(address)) break;
  }
  return { address, https: tls || proto === "https" };
}

/**
 * The rate-limit key of an address: IPv6 by its /64 (one subscriber's
 * network: an attacker there has 2^64 addresses to rotate through), IPv4
 * (also IPv4-mapped) dotted.
 */
export function addressKey(address: string): string {
  const parsed = parseAddress(address);
  if (!parsed) return address;
  if (!parsed.v6) {
    const v = Number(parsed.value);
    return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
  }
  return `${(parsed.value >> 64n).toString(16)}::/64`;
}

/**
 * Sets `c.get("client")` for the rest of the request.
 *
 * @example
 * ```ts
 * app.use(clientInfo(new TrustedProxies(["10.0.0.0/8"])));
 * app.get("/", (c) => c.text(c.get("client").address ?? "unknown"));
 * ```
 */
export function clientInfo(proxies: TrustedProxies): MiddlewareHandler {
  return async function clientInfo(c, next) {
    c.set("client", resolveClient(c, proxies));
    await next();
  };
}
