import { DomainError, NotFoundError } from "../../runtime/core/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import { userEvent } from "./events.ts";
import type { UserEvent, UserUpdated } from "./events.ts";
import {
  LockoutRules,
  USER,
  USER_ROLES,
  UserErrorCode as E,
  UserRole,
  UserStatus,
} from "./types.ts";
import type { User, UserCommand, UserState } from "./types.ts";

type Cmd<T extends UserCommand["type"]> = Extract<UserCommand, { type: T }>;

function invalid(code: string, message: string): DomainError {
  return new DomainError(code, message, { status: 422 });
}

function requireUser(state: UserState): User {
  if (state === null) {
    throw new NotFoundError("The user does not exist", { code: E.NOT_FOUND });
  }
  return state;
}

function requireActive(state: UserState): User {
  const user = requireUser(state);
  if (user.status === UserStatus.DISABLED) {
    throw new DomainError(E.DISABLED, "The user is disabled");
  }
  return user;
}

/** A role with the bedrift it needs: ADMIN none, every other role one. */
function checkRole(role: unknown, bedriftId: string | null): UserRole {
  if (!USER_ROLES.includes(role as UserRole)) {
    throw invalid(
      E.INVALID_ROLE,
      `Role must be one of ${USER_ROLES.join(", ")}`,
    );
  }
  if (role === UserRole.ADMIN && bedriftId !== null) {
    throw invalid(E.ADMIN_HAS_NO_BEDRIFT, "An ADMIN belongs to no bedrift");
  }
  if (role !== UserRole.ADMIN && bedriftId === null) {
    throw invalid(E.BEDRIFT_REQUIRED, `A ${role} belongs to a bedrift`);
  }
  return role as UserRole;
}

/** Failed logins still inside the window that ends at `at`. */
function recentFailures(failures: readonly string[], at: string): string[] {
  const from = Date.parse(at) - LockoutRules.windowMs;
  return failures.filter((f) => Date.parse(f) > from);
}

function register(command: Cmd<"register">, state: UserState): UserEvent[] {
  if (state !== null) {
    throw new DomainError(E.ALREADY_REGISTERED, "The user already exists");
  }
  const role = checkRole(command.role, command.bedriftId);
  return [userEvent("user.registered", {
    id: command.id,
    bedriftId: command.bedriftId,
    role,
    email: command.email,
    emailIndex: command.emailIndex,
    passwordHash: command.passwordHash,
    employeeId: command.employeeId ?? null,
    at: command.at,
  })];
}

function update(command: Cmd<"update">, state: UserState): UserEvent[] {
  const user = requireActive(state);
  const data: UserUpdated["data"] = { at: command.at };
  if (command.role !== undefined && command.role !== user.role) {
    data.role = checkRole(command.role, user.bedriftId);
  }
  if (
    command.employeeId !== undefined && command.employeeId !== user.employeeId
  ) {
    data.employeeId = command.employeeId;
  }
  if (command.email && command.email.index !== user.emailIndex) {
    data.email = command.email.value;
    data.emailIndex = command.email.index;
  }
  return Object.keys(data).length > 1 ? [userEvent("user.updated", data)] : [];
}

function failedLogin(
  command: Cmd<"record_failed_login">,
  state: UserState,
): UserEvent[] {
  const user = requireUser(state);
  const failures = recentFailures(user.failures, command.at).length + 1;
  const events: UserEvent[] = [
    userEvent("user.login_failed", { failures, at: command.at }),
  ];
  if (failures >= LockoutRules.failures) {
    const ms = Math.min(
      LockoutRules.lockMs * 2 ** user.locks,
      LockoutRules.maxLockMs,
    );
    events.push(userEvent("user.locked", {
      until: new Date(Date.parse(command.at) + ms).toISOString(),
      locks: user.locks + 1,
      at: command.at,
    }));
  }
  return events;
}

/**
 * User: an account that logs in, with one role in one bedrift (none for
 * ADMIN). Personal data (the e-mail address) and the password hash arrive
 * encrypted with the user's own key. Counts failed logins and locks itself.
 */
export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: null,

  decide(command, state) {
    switch (command.type) {
      case "register":
        return register(command, state);
      case "update":
        return update(command, state);
      case "set_password":
        requireActive(state);
        return [userEvent("user.password_changed", {
          passwordHash: command.passwordHash,
          rehash: false,
          at: command.at,
        })];
      case "disable": {
        const user = requireUser(state);
        if (user.status === UserStatus.DISABLED) return [];
        return [userEvent("user.disabled", {
          reason: command.reason ?? null,
          at: command.at,
        })];
      }
      case "erase_personal_data": {
        const user = requireUser(state);
        if (user.erasedAt !== null) return [];
        return [userEvent("user.personal_data_erased", { at: command.at })];
      }
      case "record_login": {
        requireActive(state);
        const events: UserEvent[] = [];
        if (command.rehashed) {
          events.push(userEvent("user.password_changed", {
            passwordHash: command.rehashed,
            rehash: true,
            at: command.at,
          }));
        }
        events.push(userEvent("user.logged_in", { at: command.at }));
        return events;
      }
      case "record_failed_login":
        return failedLogin(command, state);
      default:
        throw new TypeError(
          `Unknown user command ${(command as { type: string }).type}`,
        );
    }
  },

  evolve(state, event) {
    if (event.type === "user.registered") {
      const d = event.data;
      return {
        id: d.id,
        bedriftId: d.bedriftId,
        role: d.role,
        status: UserStatus.ACTIVE,
        email: d.email,
        emailIndex: d.emailIndex,
        passwordHash: d.passwordHash,
        employeeId: d.employeeId,
        failures: [],
        lockedUntil: null,
        locks: 0,
        lastLoginAt: null,
        createdAt: d.at,
        updatedAt: d.at,
        erasedAt: null,
      };
    }
    if (state === null) return state;
    switch (event.type) {
      case "user.updated": {
        const { at, ...changes } = event.data;
        return { ...state, ...changes, updatedAt: at };
      }
      case "user.password_changed":
        return {
          ...state,
          passwordHash: event.data.passwordHash,
          updatedAt: event.data.at,
        };
      case "user.disabled":
        return {
          ...state,
          status: UserStatus.DISABLED,
          updatedAt: event.data.at,
        };
      case "user.logged_in":
        return {
          ...state,
          failures: [],
          lockedUntil: null,
          locks: 0,
          lastLoginAt: event.data.at,
        };
      case "user.login_failed":
        return {
          ...state,
          failures: [
            ...recentFailures(state.failures, event.data.at),
            event.data.at,
          ],
        };
      case "user.locked":
        return {
          ...state,
          failures: [],
          lockedUntil: event.data.until,
          locks: event.data.locks,
        };
      case "user.personal_data_erased":
        return {
          ...state,
          status: UserStatus.DISABLED,
          email: null,
          passwordHash: null,
          failures: [],
          erasedAt: event.data.at,
          updatedAt: event.data.at,
        };
    }
    return state;
  },
};

export const userActor: ActorDefinition<UserCommand, UserEvent, UserState> = {
  type: USER,
  decider: userDecider,
  // 2: erasedAt; email and passwordHash may be null.
  stateVersion: 2,
  // An ADMIN's account (no bedrift) belongs to the platform.
  tenantOf: (state, command) =>
    state !== null
      ? state.bedriftId
      : command?.type === "register"
      ? command.bedriftId
      : undefined,
};
