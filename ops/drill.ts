/**
 * `deno task drill <name|all> [--nodes N] [--duration S]`: one command that
 * proves no acknowledged write is lost under a fault; see
 * {@linkcode drillTask} or `--help`.
 */
import { runTask, UsageError } from "./cli.ts";
import type { TaskSpec } from "./cli.ts";
import { runDrill } from "./drill_run.ts";
import type { DrillReport } from "./drill_run.ts";
import { drillNamed, DRILLS } from "./drills.ts";
import type { DrillSpec } from "./drills.ts";
import { autoscaleDrill, autoscaleDrillFlags } from "./drill_autoscale.ts";

/** The autoscale drill: a cluster under a ramp of load, not a fault. */
const AUTOSCALE_SUMMARY =
  "deno task cluster --autoscale --min 1 --max 3 under a ramp of load up and down: scales out, scales back in after the stabilization window, decisions in the log, no request fails";

/** `deno task drill`: its drills, flags, environment and usage text. */
export const drillTask: TaskSpec = {
  name: "drill",
  summary:
    "Runs a chaos drill: nodes under a write workload, an experiment through the supervisor API, then the verdict from the log.",
  positionals: `<${DRILLS.map((d) => d.name).join("|")}|autoscale|all>`,
  details:
    `Each drill starts what it needs on this machine — a nats-server and a
local cluster on free ports (cluster drills) or one embedded node, with read
models in a fresh PostgreSQL schema — seeds 40 bedrifter, runs 8 writers
through the HTTP edge (each command under its own Idempotency-Key, retried
with it after a 503 or a refused connection), runs the drill's experiment
through /api/v1/chaos (steady state: readiness before and after), then stops
the nodes and checks from the log: every acknowledged command is in it
exactly once at the version answered, every stream's versions run 1…n, no
answer was ≥ 500 but 503 with Retry-After, and every read-model table equals
a fold of the log into a fresh schema. It prints one line per drill and
writes a JSON journal (the report and the experiment's journal); it exits 1
when anything was lost, duplicated or differs.

Drills:
${DRILLS.map((d) => `  ${d.name.padEnd(16)} ${d.summary}`).join("\n")}
  ${"autoscale".padEnd(16)} ${AUTOSCALE_SUMMARY}
  (its own report: the timeline of load, replicas and decisions; its flags
  below). all runs every drill in turn, autoscale last.`,
  flags: [
    {
      name: "nodes",
      value: "N",
      description: "nodes of a cluster drill (default the drill's: 2)",
    },
    {
      name: "duration",
      value: "S",
      description: "seconds the fault lasts (default the drill's, 3–8)",
    },
    {
      name: "journal",
      value: "DIR",
      default: "data/drills",
      description: "where the JSON journals go",
    },
    ...autoscaleDrillFlags,
  ],
  env: [
    {
      name: "DATABASE_URL",
      default: "postgres://postgres@127.0.0.1:5432/postgres",
      description: "the PostgreSQL of the read models (a throwaway schema)",
    },
    {
      name: "NATS_SERVER_BIN",
      default: "/usr/sbin/nats-server",
      description: "the nats-server the cluster drills start",
    },
  ],
  examples: [
    "deno task drill log-outage",
    "deno task drill kill-node --nodes 3 --duration 8",
    "deno task drill autoscale --short",
    "deno task drill all",
  ],
};

/** The one-line summary of a drill's report. */
export function reportLine(r: DrillReport): string {
  const s503 = r.statuses["503"] ?? 0;
  const refused = r.statuses["0"] ?? 0;
  const tables = r.readModels.filter((t) => t.same).length;
  return [
    `${r.failures.length === 0 ? "PASS" : "FAIL"} ${r.drill}`,
    `(${r.mode}${
      r.mode === "cluster" ? `, ${r.nodes} nodes` : ""
    }, fault ${r.durationS} s):`,
    `requests ${r.requests}, acknowledged ${r.acknowledged}, found ${r.found},`,
    `lost ${r.lost}, duplicated ${r.duplicated};`,
    `503 ${s503}${
      refused ? `, refused ${refused}` : ""
    }, other ≥500 ${r.badResponses};`,
    `recovered ${
      r.recoveryMs === null ? "—" : `${(r.recoveryMs / 1000).toFixed(1)} s`
    } after the fault, longest gap ${(r.maxAckGapMs / 1000).toFixed(1)} s;`,
    `${r.log.streams} streams contiguous: ${r.log.forks.length === 0};`,
    `read models ${tables}/${r.readModels.length} equal the fold;`,
    `experiment ${r.experiment.outcome}${
      r.experiment.abortReason ? ` (${r.experiment.abortReason})` : ""
    }`,
    ...(r.failures.length ? [`— ${r.failures.join("; ")}`] : []),
  ].join(" ");
}

if (import.meta.main) {
  await runTask(drillTask, async (args) => {
    const [name, ...rest] = args.positionals;
    if (!name || rest.length > 0) {
      throw new UsageError("name one drill, or all");
    }
    if (name === "autoscale") return await autoscaleDrill(args);
    let specs: DrillSpec[];
    if (name === "all") specs = [...DRILLS];
    else {
      const spec = drillNamed(name);
      if (!spec) {
        throw new UsageError(
          `unknown drill ${name}; drills: ${
            DRILLS.map((d) => d.name).join(", ")
          }, autoscale, all`,
        );
      }
      specs = [spec];
    }
    const nodes = args.int("nodes", undefined, { min: 2, max: 8 });
    const durationS = args.int("duration", undefined, { min: 1, max: 600 });
    const dir = args.string("journal", "data/drills");
    await Deno.mkdir(dir, { recursive: true });
    const say = (m: string) => console.error(`[drill] ${m}`);
    let failed = 0;
    const lines: string[] = [];
    for (const [i, spec] of specs.entries()) {
      say(`${spec.name} (${i + 1}/${specs.length}): ${spec.summary}`);
      let report: DrillReport;
      try {
        report = await runDrill(spec, { nodes, durationS, say });
      } catch (error) {
        failed++;
        const line = `FAIL ${spec.name}: ${
          error instanceof Error ? error.message : error
        }`;
        lines.push(line);
        console.log(line);
        continue;
      }
      const path = `${dir}/${spec.name}-${
        report.startedAt.replace(/[:.]/g, "-")
      }.json`;
      await Deno.writeTextFile(path, JSON.stringify(report, null, 2) + "\n");
      const line = reportLine(report);
      lines.push(line);
      console.log(line);
      say(`journal: ${path}`);
      if (report.failures.length > 0) failed++;
    }
    if (name === "all") {
      say(
        `autoscale (${specs.length + 1}/${
          specs.length + 1
        }): ${AUTOSCALE_SUMMARY}`,
      );
      if (await autoscaleDrill(args) !== 0) failed++;
      const total = specs.length + 1;
      console.log(`\n${total - failed}/${total} drills passed`);
    }
    return failed === 0 ? 0 : 1;
  });
}
