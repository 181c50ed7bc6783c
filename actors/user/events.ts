/** The events of the `user` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type {
  DomainEvent,
  EventVersions,
  Upcaster,
} from "../../runtime/core/mod.ts";
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
/**
 * v2: the reason (free text about the person) is sealed in the log with the
 * user's key and reads `null` once it is shredded; v1 held it in clear.
 */
export type UserDisabled = DomainEvent<"user.disabled", {
  reason: string | null;
  at: string;
}>;
/**
 * GDPR erasure: the address and the password hash are gone from the state,
 * the account is disabled for good (the key is shredded right after).
 */
export type UserPersonalDataErased = DomainEvent<
  "user.personal_data_erased",
  { at: string }
>;
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
  | UserLocked
  | UserPersonalDataErased;

/** Current schema version of each user event. */
export const UserEventVersions = {
  "user.registered": 1,
  "user.updated": 1,
  "user.password_changed": 1,
  // 2: the reason sealed in the log.
  "user.disabled": 2,
  "user.logged_in": 1,
  "user.login_failed": 1,
  "user.locked": 1,
  "user.personal_data_erased": 1,
} as const satisfies EventVersions<UserEvent>;

/** Every user event type. */
export const USER_EVENT_TYPES = eventTypesOf(UserEventVersions);

/** Builds a user event at its current schema version. */
export const userEvent = eventFactory<UserEvent>(UserEventVersions);

/** v1 → v2 of `user.disabled`: a clear reason reads as it is. */
export const userUpcasters: readonly Upcaster[] = [
  { type: "user.disabled", from: 1, upcast: (data: unknown) => data },
];
