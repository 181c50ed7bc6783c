/**
 * Sends what the webhook outbox holds: claims due deliveries (a claim is a
 * lease on the row, so two dispatchers never send one at once), checks the
 * target's address again after DNS (rebinding), signs, POSTs with a timeout
 * and without following redirects, and records the attempt: delivered on a
 * 2xx; otherwise due again after an exponential backoff with jitter, until
 * the retry period from its enqueueing has passed — then dead, kept for the
 * operator. The same `webhook-id` on every attempt.
 */
import type { SqlStore } from "../sql/mod.ts";
import { checkWebhookTarget, WebhookUrlError } from "./address.ts";
import { deliveryRecord, DeliveryStatus } from "./outbox.ts";
import type { DeliveryAttempt, DeliveryRecord } from "./outbox.ts";
import { signWebhook } from "./signature.ts";

/** Options of `WebhookDispatcher`. */
export interface WebhookDispatcherOptions {
  store: SqlStore;
  /** The `whsec_…` of a target's stored secret; null when it is gone (shredded). */
  decryptSecret: (secret: unknown) => Promise<string | null>;
  /** How long a delivery is retried (default 24 h, `TMS_WEBHOOK_RETRY_HOURS`). */
  retryPeriodMs?: number;
  /** The first retry's delay (default: a fiftieth of the period, at most 5 s). */
  baseDelayMs?: number;
  /** The longest delay between attempts (default: a quarter of the period, at most 1 h). */
  maxDelayMs?: number;
  /** Deadline of one attempt (default 10 s, `TMS_WEBHOOK_TIMEOUT_MS`). */
  timeoutMs?: number;
  /** Attempts in flight at once (default 8). */
  concurrency?: number;
  /** How often it looks for due deliveries when not woken (default 1 s). */
  pollIntervalMs?: number;
  /** Loopback and private targets allowed (`TMS_WEBHOOK_ALLOW_PRIVATE=on`). */
  allowPrivate?: boolean;
  /** DNS lookup (default `Deno.resolveDns`). */
  resolve?: (host: string) => Promise<string[]>;
  /** Whether this node sends now (the projector, in a cluster); default always. */
  active?: () => boolean;
  /** Called once per delivery that went dead. Must not throw. */
  onDead?: (delivery: DeliveryRecord, url: string) => void;
  /** `fetch` (tests). */
  fetch?: typeof fetch;
}

/** Counters of a dispatcher. */
export interface DispatcherStats {
  attempts: number;
  delivered: number;
  failed: number;
  dead: number;
  cancelled: number;
}

const LOG_ENTRIES = 20;
const USER_AGENT = "TMS-Webhooks/1";

/** The `webhook-id` of a delivery: the same on every attempt. */
export function webhookMessageId(
  webhookId: string,
  position: number,
  index: number,
): string {
  return `msg_${position}-${index}_${webhookId}`;
}

/** The delay before attempt `attempt + 1`: exponential, half of it jittered. */
export function retryDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(full / 2 + random() * full / 2);
}

interface Claimed {
  row: Record<string, unknown>;
  url: string;
  secret: unknown;
  active: boolean;
}

/**
 * The sending loop of one node.
 *
 * @example
 * ```ts
 * const dispatcher = new WebhookDispatcher({ store, decryptSecret });
 * dispatcher.start();
 * dispatcher.wake(); // after a batch enqueued deliveries
 * await dispatcher.stop();
 * ```
 */
export class WebhookDispatcher {
  readonly #options: WebhookDispatcherOptions;
  readonly #retryPeriodMs: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #timeoutMs: number;
  readonly #controller = new AbortController();
  readonly #stats: DispatcherStats = {
    attempts: 0,
    delivered: 0,
    failed: 0,
    dead: 0,
    cancelled: 0,
  };
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #lastPurge = 0;

  constructor(options: WebhookDispatcherOptions) {
    this.#options = options;
    this.#retryPeriodMs = options.retryPeriodMs ?? 24 * 3_600_000;
    this.#baseDelayMs = options.baseDelayMs ??
      Math.min(5_000, this.#retryPeriodMs / 50);
    this.#maxDelayMs = options.maxDelayMs ??
      Math.min(3_600_000, this.#retryPeriodMs / 4);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Counters since start. */
  stats(): DispatcherStats {
    return { ...this.#stats };
  }

  start(): void {
    if (this.#loop) throw new TypeError("The dispatcher already started");
    this.#loop = this.#run();
  }

  /** Looks for due deliveries now (new ones were enqueued). */
  wake(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Stops after the attempts in flight. */
  async stop(): Promise<void> {
    this.#controller.abort(new DOMException("Stopped", "AbortError"));
    this.wake();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    while (!signal.aborted) {
      let busy = false;
      try {
        if (this.#options.active?.() ?? true) {
          busy = await this.#round();
          await this.#purge();
        }
      } catch (error) {
        if (signal.aborted) return;
        console.warn("Webhooks: a dispatch round failed; retrying", error);
      }
      if (!busy) await this.#sleep(this.#options.pollIntervalMs ?? 1000);
    }
  }

  /** One round: claims and attempts what is due; true when it found some. */
  async #round(): Promise<boolean> {
    const claimed = await this.#claim(this.#options.concurrency ?? 8);
    if (claimed.length === 0) return false;
    await Promise.all(claimed.map((c) => this.#attempt(c)));
    return true;
  }

  async #claim(limit: number): Promise<Claimed[]> {
    // The claim outlasts an attempt; a node that dies holding it frees it then.
    const leaseSeconds = (this.#timeoutMs * 2 + 30_000) / 1000;
    const rows = await this.#options.store.query<Record<string, unknown>>(
      `UPDATE webhook_deliveries d
       SET claimed_until = clock_timestamp() + make_interval(secs => $2::float8),
         attempts = d.attempts + 1
       FROM webhook_targets t
       WHERE t.id = d.webhook_id AND (d.webhook_id, d.position, d.idx) IN (
         SELECT webhook_id, position, idx FROM webhook_deliveries
         WHERE status = 'pending' AND next_attempt_at <= clock_timestamp()
           AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
         ORDER BY next_attempt_at LIMIT $1::integer
         FOR UPDATE SKIP LOCKED)
       RETURNING d.webhook_id, d.position, d.idx, d.event_type, d.body,
         d.status, d.attempts, d.created_at, d.next_attempt_at,
         d.last_attempt_at, d.last_status, d.last_error, d.finished_at, d.log,
         t.url, t.secret, t.active`,
      [limit, leaseSeconds],
    );
    return rows.map((row) => ({
      row,
      url: String(row.url),
      secret: row.secret,
      active: Boolean(row.active),
    }));
  }

  async #attempt(claimed: Claimed): Promise<void> {
    const { row } = claimed;
    const secret = claimed.active
      ? await this.#options.decryptSecret(claimed.secret)
      : null;
    if (secret === null) {
      await this.#finish(row, DeliveryStatus.cancelled, null);
      this.#stats.cancelled++;
      return;
    }
    this.#stats.attempts++;
    const attempt = Number(row.attempts);
    const started = performance.now();
    const outcome = await this.#send(claimed.url, secret, row);
    const entry: DeliveryAttempt = {
      attempt,
      at: new Date().toISOString(),
      status: outcome.status,
      error: outcome.error,
      durationMs: Math.round(performance.now() - started),
    };
    if (outcome.ok) {
      this.#stats.delivered++;
      await this.#finish(row, DeliveryStatus.delivered, entry);
      return;
    }
    this.#stats.failed++;
    const age = Date.now() - new Date(row.created_at as string).getTime();
    if (age >= this.#retryPeriodMs) {
      this.#stats.dead++;
      const dead = await this.#finish(row, DeliveryStatus.dead, entry);
      if (dead) this.#options.onDead?.(dead, claimed.url);
      return;
    }
    const wait = Math.min(
      retryDelay(attempt, this.#baseDelayMs, this.#maxDelayMs),
      this.#retryPeriodMs - age,
    );
    await this.#options.store.query(
      `UPDATE webhook_deliveries
       SET next_attempt_at = clock_timestamp() + make_interval(secs => $4::float8),
         claimed_until = NULL, last_attempt_at = clock_timestamp(),
         last_status = $5::integer, last_error = $6::text, log = $7::jsonb
       WHERE webhook_id = $1::text AND position = $2::bigint
         AND idx = $3::integer AND status = 'pending'`,
      [
        row.webhook_id,
        row.position,
        row.idx,
        wait / 1000,
        entry.status,
        entry.error,
        JSON.stringify(logWith(row, entry)),
      ],
    );
  }

  /** Sends one attempt; never throws. */
  async #send(
    url: string,
    secret: string,
    row: Record<string, unknown>,
  ): Promise<{ ok: boolean; status: number | null; error: string | null }> {
    try {
      await checkWebhookTarget(url, {
        allowPrivate: this.#options.allowPrivate,
        resolve: this.#options.resolve,
      });
    } catch (error) {
      const message = error instanceof WebhookUrlError
        ? `refused: ${error.message}`
        : `refused: ${String(error)}`;
      return { ok: false, status: null, error: message };
    }
    const body = String(row.body);
    const headers = await signWebhook(
      secret,
      webhookMessageId(
        String(row.webhook_id),
        Number(row.position),
        Number(row.idx),
      ),
      Math.floor(Date.now() / 1000),
      body,
    );
    try {
      const res = await (this.#options.fetch ?? fetch)(url, {
        method: "POST",
        headers: {
          ...headers,
          "content-type": "application/json",
          "user-agent": USER_AGENT,
        },
        body,
        redirect: "manual",
        signal: AbortSignal.any([
          AbortSignal.timeout(this.#timeoutMs),
          this.#controller.signal,
        ]),
      });
      await res.body?.cancel().catch(() => {});
      if (res.status >= 200 && res.status < 300) {
        return { ok: true, status: res.status, error: null };
      }
      return {
        ok: false,
        status: res.status,
        error: res.status >= 300 && res.status < 400
          ? "redirect not followed"
          : `HTTP ${res.status}`,
      };
    } catch (error) {
      const timeout = error instanceof DOMException &&
        error.name === "TimeoutError";
      return {
        ok: false,
        status: null,
        error: timeout
          ? `no answer within ${this.#timeoutMs} ms`
          : (error instanceof Error ? error.message : String(error)).slice(
            0,
            300,
          ),
      };
    }
  }

  async #finish(
    row: Record<string, unknown>,
    status: DeliveryStatus,
    entry: DeliveryAttempt | null,
  ): Promise<DeliveryRecord | null> {
    const [updated] = await this.#options.store.query<
      Record<string, unknown>
    >(
      `UPDATE webhook_deliveries
       SET status = $4::text, finished_at = clock_timestamp(),
         next_attempt_at = NULL, claimed_until = NULL,
         last_attempt_at = COALESCE($5::timestamptz, last_attempt_at),
         last_status = COALESCE($6::integer, last_status),
         last_error = CASE WHEN $5::timestamptz IS NULL THEN last_error ELSE $7::text END,
         log = $8::jsonb
       WHERE webhook_id = $1::text AND position = $2::bigint
         AND idx = $3::integer AND status = 'pending'
       RETURNING *`,
      [
        row.webhook_id,
        row.position,
        row.idx,
        status,
        entry?.at ?? null,
        entry?.status ?? null,
        entry?.error ?? null,
        JSON.stringify(entry ? logWith(row, entry) : row.log ?? []),
      ],
    );
    return updated ? deliveryRecord(updated) : null;
  }

  /** Forgets delivered and cancelled deliveries after 7 days, dead ones after 30 (hourly). */
  async #purge(): Promise<void> {
    if (Date.now() - this.#lastPurge < 3_600_000) return;
    this.#lastPurge = Date.now();
    await this.#options.store.query(
      `DELETE FROM webhook_deliveries
       WHERE (status IN ('delivered', 'cancelled')
              AND finished_at < clock_timestamp() - interval '7 days')
          OR (status = 'dead'
              AND finished_at < clock_timestamp() - interval '30 days')`,
    );
  }

  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}

function logWith(
  row: Record<string, unknown>,
  entry: DeliveryAttempt,
): DeliveryAttempt[] {
  const log = (row.log ?? []) as DeliveryAttempt[];
  return [...log, entry].slice(-LOG_ENTRIES);
}
