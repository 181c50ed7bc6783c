/** Value types, commands, state and error codes of the `user` aggregate. */
import type { EncryptedValue } from "../../runtime/storage/mod.ts";

/** Actor type of a user. */
export const USER = "user";

/** The roles of DOMAIN.md: ADMIN is the platform's, the others a bedrift's. */
export const UserRole = {
  ADMIN: "ADMIN",
  HOVEDBRUKER: "HOVEDBRUKER",
  OKONOMI: "OKONOMI",
  TRAFIKKLARER: "TRAFIKKLARER",
} as const;
export type UserRole = (typeof UserRole)[keyof typeof UserRole];

/** Every role, in order of reach. */
export const USER_ROLES: readonly UserRole[] = Object.values(UserRole);

export const UserStatus = { ACTIVE: "ACTIVE", DISABLED: "DISABLED" } as const;
export type UserStatus = (typeof UserStatus)[keyof typeof UserStatus];

/**
 * Lockout: this many failed logins within the window lock the account for
 * `lockMs`, doubling with each lock in a row (up to `maxLockMs`).
 */
export const LockoutRules = {
  failures: 5,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  maxLockMs: 24 * 60 * 60_000,
} as const;

/** Stable error codes of the `user` aggregate and its flows. */
export const UserErrorCode = {
  ALREADY_REGISTERED: "user.already_registered",
  NOT_FOUND: "user.not_found",
  EMAIL_TAKEN: "user.email_taken",
  INVALID_EMAIL: "user.invalid_email",
  INVALID_ROLE: "user.invalid_role",
  BEDRIFT_REQUIRED: "user.bedrift_required",
  ADMIN_HAS_NO_BEDRIFT: "user.admin_has_no_bedrift",
  UNKNOWN_BEDRIFT: "user.unknown_bedrift",
  DISABLED: "user.disabled",
  ROLE_NOT_ALLOWED: "user.role_not_allowed",
  WRONG_PASSWORD: "user.wrong_password",
} as const;

export type UserCommand =
  | {
    type: "register";
    id: string;
    bedriftId: string | null;
    role: UserRole;
    /** Encrypted with the user's own key; the decider never sees it plain. */
    email: EncryptedValue;
    /** Blind index of the normalized address (its uniqueness key). */
    emailIndex: string;
    /** The PHC string, encrypted with the user's key. */
    passwordHash: EncryptedValue;
    employeeId?: string | null;
    at: string;
  }
  | {
    type: "update";
    role?: UserRole;
    employeeId?: string | null;
    email?: { value: EncryptedValue; index: string };
    at: string;
  }
  | { type: "set_password"; passwordHash: EncryptedValue; at: string }
  | { type: "disable"; reason?: string | null; at: string }
  | {
    /** GDPR erasure: address and hash gone, disabled for good. Idempotent. */
    type: "erase_personal_data";
    at: string;
  }
  | {
    type: "record_login";
    /** A fresh hash when the stored one's parameters are out of date. */
    rehashed?: EncryptedValue | null;
    at: string;
  }
  | { type: "record_failed_login"; at: string };

/** A user; `null` until registered. Plain JSON. */
export interface User {
  id: string;
  bedriftId: string | null;
  role: UserRole;
  status: UserStatus;
  /** `null` once the person's data is erased. */
  email: EncryptedValue | null;
  emailIndex: string;
  /** `null` once the person's data is erased. */
  passwordHash: EncryptedValue | null;
  employeeId: string | null;
  /** Failed logins inside the lockout window, oldest first (ISO). */
  failures: string[];
  lockedUntil: string | null;
  /** Locks in a row (reset by a successful login): the next lasts 2^n longer. */
  locks: number;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** When the person's data was erased (GDPR), else `null`. */
  erasedAt: string | null;
}
export type UserState = User | null;
