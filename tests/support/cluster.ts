/**
 * Helpers of the cluster drills: TMS node processes in distributed mode, their
 * readiness, and the whole JetStream log read back.
 */
import { withDomainUpcasters } from "../../actors/mod.ts";
import { organisasjonsnummerFor } from "../../ops/orgnr.ts";
import { authHeaders, startServer } from "../../ops/server_process.ts";
import type { ServerProcess } from "../../ops/server_process.ts";
import { JetStreamEventLog } from "../../runtime/log/jetstream/mod.ts";
import type { Commit } from "../../runtime/core/mod.ts";

/** Lease TTL of the drills. */
export const TEST_TTL_MS = 2000;

/** A TMS node process against `natsUrl`. */
export async function startClusterNode(
  natsUrl: string,
  nodeId: string,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  return await startServer({
    TMS_NATS_URL: natsUrl,
    TMS_NODE_ID: nodeId,
    TMS_DATA_DIR: dataDir,
    TMS_LEASE_TTL_MS: String(TEST_TTL_MS),
    TMS_REQUEST_TIMEOUT_MS: "5000",
    ...env,
  });
}

/** The cluster check of a node's `/health/ready`, or null when it does not answer. */
export async function clusterCheck(
  node: ServerProcess,
): Promise<{ ok: boolean; shardsOwned: number; liveNodes: string[] } | null> {
  try {
    const res = await fetch(`${node.url}/health/ready`);
    const body = await res.json();
    return body.checks?.cluster ?? null;
  } catch {
    return null;
  }
}

/** Waits until `predicate` holds, polling every 100 ms; false on timeout. */
export async function waitFor(
  predicate: () => Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Waits until the nodes split the shards between them, each holding some. */
export async function waitBalanced(
  nodes: ServerProcess[],
  shards = 64,
  timeoutMs = 20_000,
): Promise<void> {
  const ok = await waitFor(async () => {
    const checks = await Promise.all(nodes.map(clusterCheck));
    const owned = checks.map((c) => c?.shardsOwned ?? 0);
    return owned.every((n) => n > 0) &&
      owned.reduce((a, b) => a + b, 0) === shards;
  }, timeoutMs);
  if (!ok) throw new Error("Nodes did not split the shards in time");
}

/** An HTTP exchange's outcome. */
export interface Outcome {
  status: number;
  body: Record<string, unknown> | null;
  retryAfter: string | null;
}

/** Sends JSON; a refused connection is status 0. */
export async function send(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  try {
    const res = await fetch(url, {
      method,
      headers: {
        "content-type": "application/json",
        ...authHeaders(url),
        ...headers,
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> | null = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    return {
      status: res.status,
      body: parsed,
      retryAfter: res.headers.get("retry-after"),
    };
  } catch {
    return { status: 0, body: null, retryAfter: null };
  }
}

/** Registers `count` bedrifter through `url`; returns their ids. */
export async function registerBedrifter(
  url: string,
  count: number,
  seed = 1,
): Promise<string[]> {
  const ids: string[] = [];
  for (let s = seed; ids.length < count; s++) {
    const orgnr = organisasjonsnummerFor(s);
    if (!orgnr) continue;
    const r = await send(`${url}/api/v1/bedrifter`, "POST", {
      organisasjonsnummer: orgnr,
      navn: `Skole ${s}`,
    });
    if (r.status !== 201) {
      throw new Error(`Register failed: ${r.status} ${JSON.stringify(r.body)}`);
    }
    ids.push(r.body!.id as string);
  }
  return ids;
}

/** Every commit of the JetStream log, in order. */
export async function readWholeLog(
  servers: string | string[],
): Promise<Commit[]> {
  const log = withDomainUpcasters(
    await JetStreamEventLog.connect({ servers }),
  );
  try {
    const all: Commit[] = [];
    for (;;) {
      const page = await log.readFeed(all.at(-1)?.position ?? 0, 1000);
      if (page.length === 0) return all;
      all.push(...page);
    }
  } finally {
    await log.close();
  }
}

/**
 * Asserts that every aggregate's history is one line: versions 1…n with
 * rising positions, and no command id twice. Returns command ids → count.
 */
export function checkLinear(commits: Commit[]): Map<string, number> {
  const versions = new Map<string, number>();
  const commands = new Map<string, number>();
  for (const c of commits) {
    const key = `${c.type}/${c.id}`;
    const last = versions.get(key) ?? 0;
    if (c.version !== last + 1) {
      throw new Error(`${key} forked or skipped: v${last} then v${c.version}`);
    }
    versions.set(key, c.version);
    commands.set(c.commandId, (commands.get(c.commandId) ?? 0) + 1);
  }
  for (const [id, n] of commands) {
    if (n > 1) throw new Error(`Command ${id} committed ${n} times`);
  }
  return commands;
}
