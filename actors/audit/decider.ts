import { DomainError } from "../../runtime/core/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import { parseInstant } from "../validators/mod.ts";
import { auditEvent } from "./events.ts";
import type { AuditEvent } from "./events.ts";
import { AUDIT, AuditAction, AuditErrorCode } from "./types.ts";
import type { AuditCommand, AuditState } from "./types.ts";

const ACTIONS: readonly string[] = Object.values(AuditAction);

/**
 * The access log of one operator for one day (`<YYYY-MM-DD>_<userId>`):
 * every read of a person's unmasked data by a platform ADMIN, and every
 * export and erasure, appended as it happens. It only records; nothing is
 * ever changed or removed.
 */
export const auditDecider: Decider<AuditCommand, AuditEvent, AuditState> = {
  initialState: null,
  decide(command) {
    const { type: _, ...entry } = command;
    if (
      !ACTIONS.includes(entry.action) || parseInstant(entry.at) === null ||
      !Array.isArray(entry.subjects) || entry.subjects.length === 0
    ) {
      throw new DomainError(
        AuditErrorCode.INVALID_ENTRY,
        "An audit entry needs a known action, an instant and its subjects",
        { status: 422 },
      );
    }
    return [auditEvent("audit.recorded", entry)];
  },
  evolve(state, event) {
    return { entries: (state?.entries ?? 0) + 1, lastAt: event.data.at };
  },
};

/** Actor type `audit`: the platform's own log, of no bedrift. */
export const auditActor: ActorDefinition<
  AuditCommand,
  AuditEvent,
  AuditState
> = {
  type: AUDIT,
  decider: auditDecider,
  stateVersion: 1,
  tenantOf: () => null,
};
