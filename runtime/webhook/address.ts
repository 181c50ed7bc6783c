/**
 * Where a webhook may be sent (SSRF, OWASP API7): only `http:`/`https:`, no
 * credentials in the URL, and — unless private targets are allowed — never
 * to a loopback, private, link-local, unique-local, multicast, reserved or
 * documentation address, neither named literally (in any of the forms the
 * WHATWG URL parser accepts: `2130706433`, `0x7f.1`, `[::ffff:127.0.0.1]`)
 * nor after DNS resolution (every A and AAAA record must be public; checked
 * again before each delivery, against DNS rebinding).
 */

/** Why a URL was refused; `code` is stable. */
export class WebhookUrlError extends Error {
  override name = "WebhookUrlError";
  constructor(
    readonly code:
      | "invalid"
      | "scheme"
      | "credentials"
      | "private_address"
      | "unresolvable",
    message: string,
  ) {
    super(message);
  }
}

/** Most characters of a webhook URL. */
export const MAX_WEBHOOK_URL_CHARS = 2048;

/** An IPv4 range as [first address, prefix length]. */
const BLOCKED_V4: readonly [number, number][] = [
  [ip4("0.0.0.0"), 8], // "this network"
  [ip4("10.0.0.0"), 8],
  [ip4("100.64.0.0"), 10], // carrier-grade NAT
  [ip4("127.0.0.0"), 8],
  [ip4("169.254.0.0"), 16], // link-local, cloud metadata
  [ip4("172.16.0.0"), 12],
  [ip4("192.0.0.0"), 24], // IETF protocol assignments
  [ip4("192.0.2.0"), 24], // TEST-NET-1
  [ip4("192.88.99.0"), 24], // 6to4 relay anycast
  [ip4("192.168.0.0"), 16],
  [ip4("198.18.0.0"), 15], // benchmarking
  [ip4("198.51.100.0"), 24], // TEST-NET-2
  [ip4("203.0.113.0"), 24], // TEST-NET-3
  [ip4("224.0.0.0"), 4], // multicast
  [ip4("240.0.0.0"), 4], // reserved, and 255.255.255.255
];

function ip4(text: string): number {
  return text.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

/** The 32-bit value of a dotted IPv4 address, or null. */
export function parseIPv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

/** The eight 16-bit groups of an IPv6 address (no brackets, no zone), or null. */
export function parseIPv6(text: string): number[] | null {
  let head = text;
  let tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseIPv4(dotted[2]);
    if (v4 === null) return null;
    head = dotted[1].endsWith("::") ? dotted[1] : dotted[1].slice(0, -1);
    tail = [Math.floor(v4 / 65536), v4 % 65536];
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string) =>
    part === ""
      ? []
      : part.split(":").map((g) =>
        /^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN
      );
  const left = groups(halves[0]);
  const right = halves.length === 2 ? [...groups(halves[1]), ...tail] : [];
  const all = halves.length === 2 ? left : [...left, ...tail];
  if ([...all, ...right].some(Number.isNaN)) return null;
  if (halves.length === 1) return all.length === 8 ? all : null;
  const missing = 8 - all.length - right.length;
  if (missing < 1) return null;
  return [...all, ...new Array(missing).fill(0), ...right];
}

function blockedV4(value: number): boolean {
  return BLOCKED_V4.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    return value >= base && value < base + size;
  });
}

function blockedV6(g: readonly number[]): boolean {
  const zeros = (from: number, to: number) =>
    g.slice(from, to).every((x) => x === 0);
  const v4 = (hi: number, lo: number) => g[hi] * 65536 + g[lo];
  // :: and ::1, and the deprecated IPv4-compatible ::a.b.c.d
  if (zeros(0, 6)) return true;
  // IPv4-mapped ::ffff:a.b.c.d: judged as the IPv4 address it names
  if (zeros(0, 5) && g[5] === 0xffff) return blockedV4(v4(6, 7));
  // NAT64 64:ff9b::/96 carries an IPv4 address too
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) {
    return blockedV4(v4(6, 7));
  }
  // 6to4 2002::/16 embeds one in bits 16–47
  if (g[0] === 0x2002) return blockedV4(v4(1, 2));
  if (g[0] === 0x0100 && zeros(1, 4)) return true; // discard-only 100::/64
  if (g[0] === 0x2001 && g[1] === 0x0db8) return true; // documentation
  if (g[0] === 0x2001 && g[1] < 0x0200) return true; // Teredo, ORCHID, …
  if ((g[0] & 0xfe00) === 0xfc00) return true; // unique-local fc00::/7
  if ((g[0] & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((g[0] & 0xffc0) === 0xfec0) return true; // site-local fec0::/10
  if ((g[0] & 0xff00) === 0xff00) return true; // multicast
  return false;
}

/**
 * True when `address` (an IPv4 or IPv6 literal, brackets allowed) is not a
 * public unicast address; an unparsable one counts as blocked.
 *
 * @example
 * ```ts
 * isBlockedAddress("10.1.2.3"); // true
 * isBlockedAddress("[::ffff:7f00:1]"); // true
 * isBlockedAddress("93.184.215.14"); // false
 * ```
 */
export function isBlockedAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const v4 = parseIPv4(bare);
  if (v4 !== null) return blockedV4(v4);
  const v6 = parseIPv6(bare);
  return v6 === null ? true : blockedV6(v6);
}

/** True for a host name that always means this machine. */
function isLocalName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}

/** True when the URL's host is an IP literal (after the URL parser's normalising). */
function isIpLiteral(host: string): boolean {
  return host.startsWith("[") || parseIPv4(host) !== null;
}

/** Options of the checks. */
export interface AddressGuardOptions {
  /** Allow loopback and private targets (`TMS_WEBHOOK_ALLOW_PRIVATE=on`): tests, closed networks. */
  allowPrivate?: boolean;
  /** Resolves a name (default `Deno.resolveDns` for A and AAAA). */
  resolve?: (host: string) => Promise<string[]>;
}

/**
 * The URL's form: parsable, absolute `http:`/`https:`, no user or password,
 * at most 2,048 characters; with `allowPrivate` false also no local name or
 * blocked IP literal. Pure: no DNS. Throws `WebhookUrlError`; answers the
 * parsed URL.
 */
export function checkWebhookUrl(
  raw: string,
  options: { allowPrivate?: boolean } = {},
): URL {
  if (typeof raw !== "string" || raw.length > MAX_WEBHOOK_URL_CHARS) {
    throw new WebhookUrlError(
      "invalid",
      `A webhook URL is at most ${MAX_WEBHOOK_URL_CHARS} characters`,
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError("invalid", "The webhook URL is not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new WebhookUrlError("scheme", "A webhook URL must be http or https");
  }
  if (url.username !== "" || url.password !== "") {
    throw new WebhookUrlError(
      "credentials",
      "A webhook URL must not carry credentials; the signature authenticates the sender",
    );
  }
  if (url.hostname === "") {
    throw new WebhookUrlError("invalid", "The webhook URL has no host");
  }
  if (!options.allowPrivate) {
    if (isLocalName(url.hostname)) {
      throw new WebhookUrlError(
        "private_address",
        `${url.hostname} is this machine: webhooks go to public addresses only`,
      );
    }
    if (isIpLiteral(url.hostname) && isBlockedAddress(url.hostname)) {
      throw new WebhookUrlError(
        "private_address",
        `${url.hostname} is not a public address: webhooks go to public addresses only`,
      );
    }
  }
  return url;
}

async function resolveWithDeno(host: string): Promise<string[]> {
  const lookups = await Promise.allSettled([
    Deno.resolveDns(host, "A"),
    Deno.resolveDns(host, "AAAA"),
  ]);
  return lookups.flatMap((r) => r.status === "fulfilled" ? r.value : []);
}

/**
 * Checks a URL's form and, for a name, every address it resolves to now;
 * throws `WebhookUrlError` (`unresolvable` when the name has no address).
 * Called when a subscription is made and again before every delivery.
 *
 * @example
 * ```ts
 * await checkWebhookTarget("https://hooks.example.com/tms"); // the URL
 * await checkWebhookTarget("http://0x7f.1/"); // throws private_address
 * ```
 */
export async function checkWebhookTarget(
  raw: string,
  options: AddressGuardOptions = {},
): Promise<URL> {
  const url = checkWebhookUrl(raw, options);
  if (options.allowPrivate || isIpLiteral(url.hostname)) return url;
  const addresses = await (options.resolve ?? resolveWithDeno)(url.hostname);
  if (addresses.length === 0) {
    throw new WebhookUrlError(
      "unresolvable",
      `${url.hostname} does not resolve to an address`,
    );
  }
  const blocked = addresses.find(isBlockedAddress);
  if (blocked !== undefined) {
    throw new WebhookUrlError(
      "private_address",
      `${url.hostname} resolves to ${blocked}, which is not a public address`,
    );
  }
  return url;
}
