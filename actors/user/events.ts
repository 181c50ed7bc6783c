/** The events of the `user` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";
import type { EncryptedValue } from "../../runtime/storage/mod.ts";
import type { UserRole } from "./types.ts";

export type UserRegistered = DomainEvent<"user.registered", {
  id: string;
  bedriftId: string | null;
  role: UserRole;
  email: EncryptedValue;
  emailIndex: string;
  passwordHash: EncryptedValue;
  employeeId: string | null;
  at: string;
}>;
/** Carries only what changed. */
export type UserUpdated = DomainEvent<"user.updated", {
  role?: UserRole;
  employeeId?: string | null;
  email?: EncryptedValue;
  emailIndex?: string;
  at: string;
}>;
export type UserPasswordChanged = DomainEvent<"user.password_changed", {
  passwordHash: EncryptedValue;
  /** True when the login rehashed it with current parameters. */
  rehash: boolean;
  at: string;
}>;
export type UserDisabled = DomainEvent<"user.disabled", {
  reason: string | null;
  at: string;
}>;
export type UserLoggedIn = DomainEvent<"user.logged_in", { at: string }>;
export type UserLoginFailed = DomainEvent<"user.login_failed", {
  /** Failures inside the window, this one included. */
  failures: number;
  at: string;
}>;
export type UserLocked = DomainEvent<"user.locked", {
  until: string;
  /** Locks in a row, this one included. */
  locks: number;
  at: string;
}>;

export type UserEvent =
  | UserRegistered
  | UserUpdated
  | UserPasswordChanged
  | UserDisabled
  | UserLoggedIn
  | UserLoginFailed
  | UserLocked;

/** Current schema version of each user event. */
export const UserEventVersions = {
  "user.registered": 1,
  "user.updated": 1,
  "user.password_changed": 1,
  "user.disabled": 1,
  "user.logged_in": 1,
  "user.login_failed": 1,
  "user.locked": 1,
} as const satisfies EventVersions<UserEvent>;

/** Every user event type. */
export const USER_EVENT_TYPES = eventTypesOf(UserEventVersions);

/** Builds a user event at its current schema version. */
export const userEvent = eventFactory<UserEvent>(UserEventVersions);
