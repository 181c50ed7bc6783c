/** Starts real TMS server processes for end-to-end tests and benchmarks. */

const ROOT = new URL("../", import.meta.url).pathname;

/** Ports this process has handed out: a port chosen but not yet bound is free to the kernel. */
const handedOut = new Set<number>();

/**
 * A port nobody listens on right now and that this process has not handed out
 * before, below Linux's ephemeral range (32768+): a port the kernel hands out
 * for port 0 may be taken by an outgoing connection before the server binds
 * it. Remembering handed-out ports keeps two servers started together (a
 * cluster's client, route and monitor ports) from being given the same one.
 */
export function freePort(): number {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      handedOut.add(port);
      return port;
    } catch {
      // taken: try another
    }
  }
  throw new Error("No free port in 20000-31999");
}

/**
 * The first ADMIN of the nodes this module starts (for tests, benchmarks and
 * `deno task cluster`), unless the caller's env names one.
 */
export const LOCAL_ADMIN = {
  email: "admin@tms.local",
  password: "local-admin-only-for-dev-nodes",
} as const;

/** Bearer tokens of the servers this process started, by URL. */
const tokens = new Map<string, string>();

/** `Authorization` for a server this process started (empty when unknown). */
export function authHeaders(url: string): Record<string, string> {
  const token = tokens.get(new URL(url).origin);
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A TMS node running as its own `deno run main.ts` process. */
export interface ServerProcess {
  url: string;
  port: number;
  child: Deno.ChildProcess;
  /** An ADMIN's access token on it (valid 15 minutes). */
  token: string;
  /** `{ authorization: "Bearer <token>" }`. */
  auth: Record<string, string>;
  /** Stops it with a signal and waits for the exit; returns the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/**
 * Logs `admin` in, trying again until `deadline`: a node creates its first
 * ADMIN just after it becomes ready. Null when it never succeeds.
 */
async function loginUntil(
  url: string,
  admin: { email: string; password: string },
  deadline: number,
): Promise<string | null> {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(admin),
      });
      const body = await res.json();
      if (res.ok) return body.accessToken as string;
    } catch { /* not answering yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

/**
 * Starts `main.ts` with `env`, waits until `/health/ready` answers 200 and
 * logs its first ADMIN in (`TMS_ADMIN_*` of `env`, else `LOCAL_ADMIN`).
 * `TMS_BENCH_NODE_FLAGS` in this process adds `deno run` flags (a profile).
 */
export async function startServer(
  env: Record<string, string>,
  options: { timeoutMs?: number; port?: number } = {},
): Promise<ServerProcess> {
  const port = options.port ?? freePort();
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-kv",
      "--unstable-cron",
      ...(Deno.env.get("TMS_BENCH_NODE_FLAGS")?.split(" ").filter(Boolean) ??
        []),
      `${ROOT}main.ts`,
    ],
    cwd: ROOT,
    // Read models in PGlite under the data dir unless the caller names a database:
    // servers of different tests must not share tables.
    env: {
      DATABASE_URL: "",
      TMS_CRONS: "off",
      TMS_ADMIN_EMAIL: LOCAL_ADMIN.email,
      TMS_ADMIN_PASSWORD: LOCAL_ADMIN.password,
      ...env,
      PORT: String(port),
      TMS_HOSTNAME: "127.0.0.1",
    },
    stdout: "null",
    stderr: "piped",
  });
  const child = command.spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream());
  let errors = "";
  const drained = (async () => {
    for await (const chunk of stderr) errors += chunk;
  })();
  const url = `http://127.0.0.1:${port}`;
  let status: Promise<Deno.CommandStatus> | null = null;
  const server: ServerProcess = {
    url,
    port,
    child,
    token: "",
    auth: {},
    async stop(signal: Deno.Signal = "SIGTERM") {
      if (!status) {
        try {
          child.kill(signal);
        } catch { /* already gone */ }
        status = child.status;
      }
      const result = await status;
      await drained;
      return result;
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/health/ready`);
      await res.body?.cancel();
      if (res.ok) {
        const admin = env.TMS_AUTH === "off" ? null : {
          email: env.TMS_ADMIN_EMAIL ?? LOCAL_ADMIN.email,
          password: env.TMS_ADMIN_PASSWORD ?? LOCAL_ADMIN.password,
        };
        const token = admin ? await loginUntil(url, admin, deadline) : null;
        if (admin && token === null) break;
        server.token = token ?? "";
        server.auth = token ? { authorization: `Bearer ${token}` } : {};
        if (token) tokens.set(url, token);
        return server;
      }
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.stop("SIGKILL");
  throw new Error(
    `Server did not become ready on ${url}: ${errors.slice(-2000)}`,
  );
}
