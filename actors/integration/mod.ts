/**
 * @module integration
 *
 * The mapping from domain commits to the integration events of the
 * catalogue (`schemas/integration/`): one pure function per domain event
 * type (`bedrift.ts`, `invoice.ts`, `kontroll.ts`, `employee.ts`,
 * `economy.ts`), the
 * stream origins they need (`origin.ts`), and `integrationMapper`, which
 * the relay (`runtime/relay/`) and the realtime and webhook deliveries take.
 * Events no outsider needs (lines, clock events, sessions, …) map to none.
 */
import type { Commit } from "../../runtime/core/mod.ts";
import type {
  IntegrationEvent,
  IntegrationMapper,
} from "../../runtime/relay/mod.ts";
import { bedriftMappings } from "./bedrift.ts";
import { budgetMappings, expenseMappings } from "./economy.ts";
import { employeeMappings } from "./employee.ts";
import { invoiceMappings } from "./invoice.ts";
import { kontrollMappings } from "./kontroll.ts";
import { streamOrigin } from "./origin.ts";
import type { StreamOrigin } from "./origin.ts";
import type { EventMapping } from "./support.ts";

export { MissingOriginError } from "./support.ts";
export { streamOrigin } from "./origin.ts";
export type {
  EmployeeOrigin,
  InvoiceOrigin,
  KontrollOrigin,
  StreamOrigin,
} from "./origin.ts";

/** Every mapping, by domain event type. */
export const INTEGRATION_MAPPINGS: Readonly<Record<string, EventMapping>> = {
  ...bedriftMappings,
  ...invoiceMappings,
  ...kontrollMappings,
  ...employeeMappings,
  ...expenseMappings,
  ...budgetMappings,
} as Record<string, EventMapping>;

/**
 * The integration events of one commit, in order — pure. `origin` is what
 * the stream's first commit gave (`streamOrigin`); a first commit is its
 * own origin. Throws `MissingOriginError` when an event needs an origin
 * that was not given.
 *
 * @example
 * ```ts
 * const origin = streamOrigin(draftCommit);
 * toIntegrationEvents(paidCommit, origin)[0].type; // "no.tms.invoice.paid.v1"
 * ```
 */
export function toIntegrationEvents(
  commit: Commit,
  origin: StreamOrigin | null = null,
): IntegrationEvent[] {
  const own = commit.version === 1 ? streamOrigin(commit) : null;
  const context = { commit, origin: own ?? origin };
  const events: IntegrationEvent[] = [];
  for (const event of commit.events) {
    const mapped = INTEGRATION_MAPPINGS[event.type]?.map(event.data, context);
    if (mapped) events.push(mapped);
  }
  return events;
}

/** True when some event of the commit needs its stream's origin. */
function needsOrigin(commit: Commit): boolean {
  if (commit.version === 1) return false;
  return commit.events.some((event) =>
    INTEGRATION_MAPPINGS[event.type]?.needs != null
  );
}

/** The domain's mapping as the relay takes it. */
export const integrationMapper: IntegrationMapper<StreamOrigin> = {
  origin: streamOrigin,
  needsOrigin,
  map: toIntegrationEvents,
};
