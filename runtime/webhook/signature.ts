/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the secret
 * is `whsec_<base64 of its bytes>`; a message is signed as
 * `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`
 * with those bytes as the key.
 */

/** The headers of a signed delivery. */
export const WebhookHeaders = {
  id: "webhook-id",
  timestamp: "webhook-timestamp",
  signature: "webhook-signature",
} as const;

/** The prefix of a signing secret. */
export const SECRET_PREFIX = "whsec_";

function base64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

/** A new signing secret: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + base64(crypto.getRandomValues(new Uint8Array(32)));
}

/** The key bytes of a `whsec_…` secret. */
export function secretBytes(secret: string): Uint8Array<ArrayBuffer> {
  if (!secret.startsWith(SECRET_PREFIX)) {
    throw new TypeError("A webhook secret starts with whsec_");
  }
  const raw = atob(secret.slice(SECRET_PREFIX.length));
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/**
 * The three headers of one delivery attempt: the same `webhook-id` on every
 * retry, the attempt's own timestamp (seconds) and signature.
 *
 * @example
 * ```ts
 * const headers = await signWebhook(secret, "msg_42-0_w1", 1735689600, body);
 * headers["webhook-signature"]; // "v1,K5oZ…="
 * ```
 */
export async function signWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): Promise<Record<string, string>> {
  const key = await crypto.subtle.importKey(
    "raw",
    secretBytes(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(`${id}.${timestampSeconds}.${body}`),
  );
  return {
    [WebhookHeaders.id]: id,
    [WebhookHeaders.timestamp]: String(timestampSeconds),
    [WebhookHeaders.signature]: `v1,${base64(new Uint8Array(mac))}`,
  };
}
