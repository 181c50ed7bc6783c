/** Where the `nats-server` binary is, for the tests, the cluster task and the test task. */

/** Debian's `nats-server` package installs it here, which is not on every `PATH`. */
export const DEBIAN_NATS_SERVER = "/usr/sbin/nats-server";

/**
 * The nats-server to run: `$NATS_SERVER_BIN` when set (whether or not it
 * exists, so a wrong setting fails loudly), else `/usr/sbin/nats-server` when
 * present, else the first `nats-server` on `PATH`; `null` when there is none.
 */
export async function findNatsServer(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<string | null> {
  const configured = env.NATS_SERVER_BIN?.trim();
  if (configured) return configured;
  const candidates = [
    DEBIAN_NATS_SERVER,
    ...(env.PATH ?? "").split(":").filter((dir) => dir !== "").map((dir) =>
      `${dir}/nats-server`
    ),
  ];
  for (const path of candidates) {
    if (await isExecutableFile(path)) return path;
  }
  return null;
}

/** True for a regular file with an execute bit. */
export async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}
