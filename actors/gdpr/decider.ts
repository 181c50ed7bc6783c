import { DomainError } from "../../runtime/core/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import { parseInstant } from "../validators/mod.ts";
import { gdprEvent } from "./events.ts";
import type { GdprEvent } from "./events.ts";
import {
  ConsentStatus,
  GDPR,
  GdprErrorCode as E,
  LegalBasis,
} from "./types.ts";
import type { GdprCommand, GdprState } from "./types.ts";

type Cmd<T extends GdprCommand["type"]> = Extract<GdprCommand, { type: T }>;

/** A purpose is a key, not free text: `markedsforing`, `nyhetsbrev.epost`. */
const PURPOSE = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** Allowance for clock skew between whoever reports a consent and the server. */
const FUTURE_TOLERANCE_MS = 60_000;

function invalid(code: string, message: string): DomainError {
  return new DomainError(code, message, { status: 422 });
}

function instant(value: string, name: string): number {
  const ms = parseInstant(value);
  if (ms === null) {
    throw invalid(E.INVALID_TIME, `${name} must be an ISO instant with offset`);
  }
  return ms;
}

function recordConsent(
  command: Cmd<"record_consent">,
  state: GdprState,
): GdprEvent[] {
  if (!PURPOSE.test(command.purpose)) {
    throw invalid(
      E.INVALID_PURPOSE,
      "A purpose is 1–64 lower-case letters, digits, '_', '.' or '-'",
    );
  }
  if (!Object.hasOwn(LegalBasis, command.legalBasis)) {
    throw invalid(
      E.INVALID_LEGAL_BASIS,
      `Legal basis must be one of ${Object.values(LegalBasis).join(", ")}`,
    );
  }
  if (!Object.hasOwn(ConsentStatus, command.status)) {
    throw invalid(E.INVALID_STATUS, "Status must be GRANTED or WITHDRAWN");
  }
  const at = instant(command.at, "at");
  if (at > instant(command.recordedAt, "recordedAt") + FUTURE_TOLERANCE_MS) {
    throw invalid(
      E.CONSENT_IN_FUTURE,
      "A consent cannot be given later than now",
    );
  }
  const current = state?.consents[command.purpose];
  if (
    command.status === ConsentStatus.WITHDRAWN &&
    current?.status !== ConsentStatus.GRANTED
  ) {
    throw new DomainError(
      E.NOT_GRANTED,
      `No consent for ${command.purpose} stands to be withdrawn`,
    );
  }
  const { type: _, ...data } = command;
  return [gdprEvent("gdpr.consent_recorded", data)];
}

function recordErasure(
  command: Cmd<"record_erasure">,
  state: GdprState,
): GdprEvent[] {
  instant(command.at, "at");
  if (state?.erasure) return [];
  const { type: _, ...data } = command;
  return [gdprEvent("gdpr.subject_erased", data)];
}

/**
 * The GDPR record of one data subject (an employee, a user or a person who
 * is an invoice customer, by the id the GDPR routes take): consents per
 * purpose with their legal basis (art. 6, 7), and the erasure once done
 * (art. 17). Holds ids, never the person's data.
 */
export const gdprDecider: Decider<GdprCommand, GdprEvent, GdprState> = {
  initialState: null,
  decide(command, state) {
    switch (command.type) {
      case "record_consent":
        return recordConsent(command, state);
      case "record_erasure":
        return recordErasure(command, state);
      default:
        throw new TypeError(
          `Unknown gdpr command ${(command as { type: string }).type}`,
        );
    }
  },
  evolve(state, event) {
    const base = state ?? {
      subjectId: event.data.subjectId,
      kind: event.data.kind,
      bedriftId: event.data.bedriftId,
      consents: {},
      recorded: 0,
      erasure: null,
    };
    switch (event.type) {
      case "gdpr.consent_recorded": {
        const { subjectId: _s, kind: _k, bedriftId: _b, ...consent } =
          event.data;
        return {
          ...base,
          consents: { ...base.consents, [consent.purpose]: consent },
          recorded: base.recorded + 1,
        };
      }
      case "gdpr.subject_erased": {
        const { subjectId: _s, kind: _k, bedriftId: _b, ...erasure } =
          event.data;
        return { ...base, erasure };
      }
      default:
        return state;
    }
  },
};

/** Actor type `gdpr`: one data subject's record, in its bedrift. */
export const gdprActor: ActorDefinition<GdprCommand, GdprEvent, GdprState> = {
  type: GDPR,
  decider: gdprDecider,
  stateVersion: 1,
  tenantOf: (state, command) =>
    state !== null ? state.bedriftId : command?.bedriftId,
};
