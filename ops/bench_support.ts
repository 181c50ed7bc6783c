/** Helpers the benchmark sections share: load processes, throwaway schemas, ratios. */
import { loadPostgres } from "../deps.ts";
import type { LoadResult } from "./load.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/**
 * Runs `ops/load.ts --json` with `args` as a separate process, sending
 * `token` (a node's ADMIN token; none for a TMS_AUTH=off node); its result.
 */
export async function loadProcess(
  args: string[],
  token?: string,
): Promise<LoadResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}ops/load.ts`, "--json", ...args],
    env: { TMS_LOAD_TOKEN: token ?? "" },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) {
    throw new Error(`Load process failed (exit ${output.code})`);
  }
  const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
  return JSON.parse(lines.at(-1)!) as LoadResult;
}

/** `value` as a ratio of `baseline`, e.g. "0.62×". */
export function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}×`;
}

/**
 * Runs `fn` with `DATABASE_URL` (the environment's, else the local server)
 * and a fresh `TMS_READ_SCHEMA`, and drops the schema after.
 */
export async function withBenchSchema<T>(
  fn: (env: Record<string, string>) => Promise<T>,
): Promise<T> {
  const url = Deno.env.get("DATABASE_URL") ||
    "postgres://postgres@127.0.0.1:5432/postgres";
  const schema = `tms_bench_${crypto.randomUUID().slice(0, 8)}`;
  try {
    return await fn({ DATABASE_URL: url, TMS_READ_SCHEMA: schema });
  } finally {
    const sql = (await loadPostgres())(url, { max: 1, onnotice: () => {} });
    await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await sql.end();
  }
}

/** One line of the benchmark table. */
export interface BenchRow {
  section: string;
  name: string;
  value: number;
  unit: string;
  /** The figure as a ratio of the section's baseline, e.g. "0.62×". */
  ratio?: string;
  target?: string;
  met?: boolean;
}

/** A figure as the table shows it: thousands grouped, small ones with decimals. */
export function fmt(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString("en-US");
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/**
 * Runs `run` for the sizes [small, big] in `rounds` rounds, alternating
 * which size goes first (drift over the run hits both); the results per size.
 */
export async function alternatingRounds<R>(
  [small, big]: readonly [number, number],
  rounds: number,
  run: (size: number, round: number) => Promise<R>,
): Promise<Map<number, R[]>> {
  const runs = new Map<number, R[]>([[small, []], [big, []]]);
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? [small, big] : [big, small];
    for (const size of order) runs.get(size)!.push(await run(size, round));
  }
  return runs;
}
