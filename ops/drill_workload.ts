/**
 * The write workload of a drill: workers that change bedrifter through the
 * HTTP edge, each command under its own `Idempotency-Key` and retried with
 * that key (as a client should) after a 503, a refused connection or a
 * timeout, on whichever node is up. Every answer is counted; every 2xx is
 * remembered with the key and the version it reported, for the check
 * against the log.
 */
import { HttpHeaders } from "../runtime/core/mod.ts";
import { organisasjonsnummerFor } from "./orgnr.ts";

/** A command the edge acknowledged (2xx). */
export interface Acknowledged {
  key: string;
  /** The command id the edge gives it: `<route>:<Idempotency-Key>`. */
  commandId: string;
  id: string;
  version: number;
  /** Epoch ms its last attempt was sent. */
  sentAt: number;
  ackedAt: number;
}

/** What the workload saw. */
export interface WorkloadTally {
  /** HTTP exchanges (attempts), by status (0: no answer). */
  statuses: Record<string, number>;
  requests: number;
  commands: number;
  acknowledged: Acknowledged[];
  /** Commands given up after every retry (their outcome is not known). */
  abandoned: number;
  /** Answers ≥ 500 other than 503 with Retry-After: each one a bug. */
  bad: { status: number; body: string }[];
}

/** The node URLs a request may go to now (the drill's running nodes). */
export type Targets = () => string[];

const ROUTE = "bedrift.update";
const RETRIES = 40;

async function exchange(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; retryAfter: string | null; body: string }> {
  try {
    const res = await fetch(url, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    return {
      status: res.status,
      retryAfter: res.headers.get(HttpHeaders.retryAfter),
      body: await res.text(),
    };
  } catch {
    return { status: 0, retryAfter: null, body: "" };
  }
}

/** Registers `count` bedrifter through `url` (retrying 503s); their ids. */
export async function seedBedrifter(
  url: string,
  auth: Record<string, string>,
  count: number,
  prefix: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (let seed = 1; ids.length < count; seed++) {
    const orgnr = organisasjonsnummerFor(seed);
    if (!orgnr) continue;
    for (let attempt = 0;; attempt++) {
      const r = await exchange(`${url}/api/v1/bedrifter`, "POST", {
        organisasjonsnummer: orgnr,
        navn: `Drill ${seed}`,
      }, { ...auth, [HttpHeaders.idempotencyKey]: `${prefix}-seed-${seed}` });
      if (r.status === 201) {
        ids.push(JSON.parse(r.body).id);
        break;
      }
      if (attempt > 30 || (r.status !== 503 && r.status !== 0)) {
        throw new Error(`Seeding failed: ${r.status} ${r.body.slice(0, 200)}`);
      }
      await new Promise((res) => setTimeout(res, 300));
    }
  }
  return ids;
}

/**
 * Runs `workers` loops of bedrift updates against `targets` until `stop`
 * aborts; resolves with the tally once every worker is done.
 */
export async function runWorkload(options: {
  targets: Targets;
  auth: () => Record<string, string>;
  ids: readonly string[];
  workers: number;
  prefix: string;
  signal: AbortSignal;
}): Promise<WorkloadTally> {
  const tally: WorkloadTally = {
    statuses: {},
    requests: 0,
    commands: 0,
    acknowledged: [],
    abandoned: 0,
    bad: [],
  };
  let next = 0;
  const worker = async (w: number) => {
    for (let i = 0; !options.signal.aborted; i++) {
      const key = `${options.prefix}-${w}-${i}`;
      const id = options.ids[next++ % options.ids.length];
      tally.commands++;
      let acked = false;
      for (let attempt = 0; attempt < RETRIES; attempt++) {
        const targets = options.targets();
        if (targets.length === 0) {
          await pause(200);
          continue;
        }
        const url = targets[(w + i + attempt) % targets.length];
        const sentAt = Date.now();
        const r = await exchange(
          `${url}/api/v1/bedrifter/${id}`,
          "PATCH",
          { poststed: `W${w} ${i}` },
          { ...options.auth(), [HttpHeaders.idempotencyKey]: key },
        );
        tally.requests++;
        tally.statuses[r.status] = (tally.statuses[r.status] ?? 0) + 1;
        if (r.status >= 200 && r.status < 300) {
          tally.acknowledged.push({
            key,
            commandId: `${ROUTE}:${key}`,
            id,
            version: JSON.parse(r.body).version,
            sentAt,
            ackedAt: Date.now(),
          });
          acked = true;
          break;
        }
        if (r.status >= 500 && (r.status !== 503 || r.retryAfter === null)) {
          tally.bad.push({ status: r.status, body: r.body.slice(0, 300) });
        }
        if (r.status !== 0 && r.status !== 503 && r.status !== 429) break;
        // A client honours Retry-After; capped so the drill sees recovery.
        const wait = r.retryAfter ? Number(r.retryAfter) * 1000 : 200;
        await pause(Math.min(wait, 500));
        if (options.signal.aborted && attempt > 3) break;
      }
      if (!acked) tally.abandoned++;
    }
  };
  await Promise.all(
    Array.from({ length: options.workers }, (_, w) => worker(w)),
  );
  return tally;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
