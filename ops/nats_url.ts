/**
 * NATS server lists as TMS's variables give them (`TMS_NATS_URL`,
 * `TMS_INTEGRATION_NATS_URL`): comma-separated URLs, each may carry a user
 * and password (`nats://tms:secret@nats-1:4222`) — nats.js does not read
 * them from a URL, so they become its `user`/`pass` options, and the URLs
 * go without them.
 */

/** The connect options of a server list. */
export interface NatsServerList {
  servers: string[];
  user?: string;
  pass?: string;
}

/**
 * Splits `list` into servers and credentials; throws `RangeError` when two
 * URLs carry different ones.
 *
 * @example
 * ```ts
 * natsServerList("nats://tms:pw@a:4222,nats://b:4222");
 * // { servers: ["nats://a:4222", "nats://b:4222"], user: "tms", pass: "pw" }
 * ```
 */
export function natsServerList(list: string): NatsServerList {
  let user: string | undefined;
  let pass: string | undefined;
  const servers = list.split(",").map((s) => s.trim()).filter((s) => s)
    .map((server) => {
      const match = /^(\w+:\/\/)([^@/]*)@(.*)$/.exec(server);
      if (!match) return server;
      const [name, password = ""] = match[2].split(":");
      const u = decodeURIComponent(name);
      const p = decodeURIComponent(password);
      if (
        (user !== undefined && user !== u) || (pass !== undefined && pass !== p)
      ) {
        throw new RangeError("The NATS URLs carry different credentials");
      }
      user = u;
      pass = p;
      return match[1] + match[3];
    });
  return { servers, ...(user !== undefined ? { user, pass } : {}) };
}
