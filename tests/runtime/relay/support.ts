/**
 * What the relay tests share: a mapping of `thing` streams (the first
 * commit names the tenant; every `thing.counted` is one integration event),
 * appends.
 */
import type { EventLog } from "../../../runtime/core/mod.ts";
import type { IntegrationMapper } from "../../../runtime/relay/mod.ts";

/** See the module doc. */
export const thingMapper: IntegrationMapper<{ tenant: string }> = {
  origin: (commit) => ({
    tenant: (commit.events[0].data as { tenant: string }).tenant,
  }),
  needsOrigin: (commit) => commit.version > 1,
  map: (commit, origin) =>
    commit.events.filter((e) => e.type === "thing.counted").map((e) => ({
      type: "no.tms.thing.counted.v1",
      aggregate: "thing",
      event: "counted",
      tenant: origin!.tenant,
      subject: commit.id,
      time: new Date(commit.timestamp).toISOString(),
      data: { n: (e.data as { n: number }).n },
    })),
};

export const created = (tenant: string) => ({
  type: "thing.created",
  data: { tenant },
});
export const counted = (n: number) => ({ type: "thing.counted", data: { n } });

/** Appends one commit to `thing/<id>` at `version`; answers its position. */
export async function append(
  log: EventLog,
  id: string,
  version: number,
  events: { type: string; data: unknown }[],
): Promise<number> {
  const result = await log.append({
    type: "thing",
    id,
    expectedVersion: version - 1,
    commandId: `${id}-${version}`,
    events: events.map((e) => ({ ...e, v: 1 })),
    meta: { traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01` },
  });
  return result.position;
}

export { readIntegrationStream } from "../../support/integration.ts";
