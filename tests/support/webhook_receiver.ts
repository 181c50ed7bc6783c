/**
 * A webhook receiver for tests: a `Deno.serve` on 127.0.0.1 that verifies
 * each delivery's signature as the Standard Webhooks spec says (written
 * from the spec, not from the sender's code: the secret's bytes after
 * `whsec_`, HMAC-SHA256 over `<id>.<timestamp>.<body>`, any of the
 * space-separated `v1,<base64>` signatures, a timestamp within 5 minutes)
 * and answers as its script says: a status, or a stall past the sender's
 * timeout.
 */

/** One request the receiver got. */
export interface Received {
  id: string;
  timestamp: number;
  signatureValid: boolean;
  body: Record<string, unknown>;
  /** What the receiver answered (null: it stalled). */
  answered: number | null;
}

/** What to answer to the n-th request: a status, or `stall` (no answer in `ms`). */
export type Answer = number | { stall: number };

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** Verifies one delivery per the Standard Webhooks spec. */
export async function verifyStandardWebhook(
  secret: string,
  headers: Headers,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<boolean> {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signatures = headers.get("webhook-signature");
  if (!id || !timestamp || !signatures) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = await crypto.subtle.importKey(
    "raw",
    fromBase64(secret.replace(/^whsec_/, "")),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const signed = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  for (const part of signatures.split(" ")) {
    const [version, signature] = part.split(",");
    if (version !== "v1" || !signature) continue;
    if (
      await crypto.subtle.verify("HMAC", key, fromBase64(signature), signed)
    ) {
      return true;
    }
  }
  return false;
}

/** A receiver on a free port of 127.0.0.1. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  readonly url: string;
  /** The secret to verify with (set once the subscription is made). */
  secret = "";
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #script: Answer[];
  readonly #then: Answer;
  readonly #stalls = new Set<Promise<void>>();

  /** Answers `script` in order, then `then` to every later request. */
  constructor(script: Answer[] = [], then: Answer = 204) {
    this.#script = [...script];
    this.#then = then;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => this.#handle(req),
    );
    this.url = `http://127.0.0.1:${this.#server.addr.port}/hook`;
  }

  async #handle(req: Request): Promise<Response> {
    const body = await req.text();
    const answer = this.#script.shift() ?? this.#then;
    const record: Received = {
      id: req.headers.get("webhook-id") ?? "",
      timestamp: Number(req.headers.get("webhook-timestamp")),
      signatureValid: await verifyStandardWebhook(
        this.secret,
        req.headers,
        body,
      ),
      body: JSON.parse(body),
      answered: typeof answer === "number" ? answer : null,
    };
    this.received.push(record);
    if (typeof answer !== "number") {
      const stall = new Promise<void>((r) => setTimeout(r, answer.stall));
      this.#stalls.add(stall);
      await stall;
      this.#stalls.delete(stall);
      return new Response(null, { status: 504 });
    }
    return new Response(null, { status: answer });
  }

  /** Waits until `predicate` holds of what was received. */
  async waitFor(
    what: string,
    predicate: (received: Received[]) => boolean,
    timeoutMs = 20_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline) {
        throw new Error(
          `${what}: not within ${timeoutMs} ms (got ${this.received.length})`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#stalls);
    await this.#server.shutdown();
  }
}
