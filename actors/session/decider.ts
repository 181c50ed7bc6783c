import { DomainError } from "../../runtime/core/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import { sessionEvent } from "./events.ts";
import type { SessionEvent } from "./events.ts";
import {
  SESSION,
  SessionErrorCode as E,
  SessionRules,
  SessionStatus,
} from "./types.ts";
import type { Session, SessionCommand, SessionState } from "./types.ts";

type Cmd<T extends SessionCommand["type"]> = Extract<
  SessionCommand,
  { type: T }
>;

function usable(state: SessionState, at: string): Session {
  if (state === null) {
    throw new DomainError(E.INVALID_TOKEN, "Unknown refresh token");
  }
  if (state.status === SessionStatus.REVOKED) {
    throw new DomainError(E.REVOKED, "The session was revoked");
  }
  if (Date.parse(at) >= Date.parse(state.expiresAt)) {
    throw new DomainError(E.EXPIRED, "The session has expired");
  }
  return state;
}

/**
 * Rotation per RFC 9700 §4.14.2: the current token rotates; a retry of the
 * previous one within the grace period (its response was lost, and the
 * caller derived the same next token) changes nothing; any other used token
 * is a replay — the whole family is revoked.
 */
function rotate(command: Cmd<"rotate">, state: SessionState): SessionEvent[] {
  const session = usable(state, command.at);
  const { presentedHash: presented, at } = command;
  if (presented === session.current) {
    return [sessionEvent("session.rotated", {
      tokenHash: command.nextHash,
      generation: session.generation + 1,
      at,
    })];
  }
  const retry = presented === session.previous &&
    session.rotatedAt !== null &&
    Date.parse(at) - Date.parse(session.rotatedAt) <=
      SessionRules.retryGraceMs &&
    command.nextHash === session.current;
  if (retry) return [];
  if (presented === session.previous || session.used.includes(presented)) {
    return [
      sessionEvent("session.reuse_detected", {
        userId: session.userId,
        tokenHash: presented,
        at,
      }),
      sessionEvent("session.revoked", { reason: "reuse_detected", at }),
    ];
  }
  throw new DomainError(E.INVALID_TOKEN, "Unknown refresh token");
}

/** Session: one refresh-token family of one user; tokens stored hashed. */
export const sessionDecider: Decider<
  SessionCommand,
  SessionEvent,
  SessionState
> = {
  initialState: null,

  decide(command, state) {
    switch (command.type) {
      case "issue":
        if (state !== null) {
          throw new DomainError(E.ALREADY_ISSUED, "The session exists");
        }
        return [sessionEvent("session.issued", {
          userId: command.userId,
          tokenHash: command.tokenHash,
          expiresAt: new Date(
            Date.parse(command.at) + SessionRules.lifetimeMs,
          ).toISOString(),
          at: command.at,
        })];
      case "rotate":
        return rotate(command, state);
      case "revoke":
        if (state === null || state.status === SessionStatus.REVOKED) {
          return [];
        }
        return [sessionEvent("session.revoked", {
          reason: command.reason,
          at: command.at,
        })];
      default:
        throw new TypeError(
          `Unknown session command ${(command as { type: string }).type}`,
        );
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case "session.issued":
        return {
          userId: event.data.userId,
          status: SessionStatus.ACTIVE,
          current: event.data.tokenHash,
          previous: null,
          rotatedAt: null,
          generation: 0,
          used: [],
          issuedAt: event.data.at,
          expiresAt: event.data.expiresAt,
          revokedReason: null,
        };
      case "session.rotated": {
        if (state === null) return state;
        const used = state.previous === null
          ? state.used
          : [...state.used, state.previous].slice(-SessionRules.usedKept);
        return {
          ...state,
          previous: state.current,
          current: event.data.tokenHash,
          rotatedAt: event.data.at,
          generation: event.data.generation,
          used,
        };
      }
      case "session.reuse_detected":
        return state;
      case "session.revoked":
        return state === null ? state : {
          ...state,
          status: SessionStatus.REVOKED,
          revokedReason: event.data.reason,
        };
    }
  },
};

export const sessionActor: ActorDefinition<
  SessionCommand,
  SessionEvent,
  SessionState
> = { type: SESSION, decider: sessionDecider, stateVersion: 1 };
