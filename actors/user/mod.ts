/**
 * @module user
 *
 * User — an account that logs in: one role in one bedrift (ADMIN: none), an
 * e-mail address unique across TMS (reserved under its blind index), a
 * password hashed with argon2id; address and hash encrypted with the user's
 * own key (a disabling reason sealed in the log with it;
 * `user.personal_data_erased` empties both and disables for good). Login with lockout (5 failures in 15 minutes lock the account,
 * doubling), refresh-token rotation with reuse detection (through the
 * `session` aggregate), logout, password change, the first ADMIN's
 * bootstrap; the `users` and `security_events` read models.
 */
export {
  LockoutRules,
  USER,
  USER_ROLES,
  UserErrorCode,
  UserRole,
  UserStatus,
} from "./types.ts";
export type { User, UserCommand, UserState } from "./types.ts";
export {
  USER_EVENT_TYPES,
  userEvent,
  UserEventVersions,
  userUpcasters,
} from "./events.ts";
export type {
  UserDisabled,
  UserEvent,
  UserLocked,
  UserLoggedIn,
  UserLoginFailed,
  UserPasswordChanged,
  UserPersonalDataErased,
  UserRegistered,
  UserUpdated,
} from "./events.ts";
export { userActor, userDecider } from "./decider.ts";
export type { AccessTokens, UserServices } from "./services.ts";
export {
  emailIndex,
  normalizeEmail,
  registerUser,
  userSubject,
} from "./register.ts";
export type { RegisterUserInput } from "./register.ts";
export {
  accessClaims,
  AuthErrorCode,
  changePassword,
  login,
  logout,
  refresh,
  tokenHash,
  userByEmail,
} from "./login.ts";
export type { LoginInput, TokenPair } from "./login.ts";
export {
  BOOTSTRAP_ADMIN_ID,
  bootstrapAdmin,
  DEFAULT_ADMIN_EMAIL,
} from "./bootstrap.ts";
export type { BootstrapInput, BootstrapResult } from "./bootstrap.ts";
export {
  SECURITY_EVENT_TYPES,
  SECURITY_EVENTS_PROJECTION,
  securityEventsProjection,
  USERS_PROJECTION,
  usersProjection,
} from "./projection.ts";
export type { SecurityEventRow, UserRow } from "./projection.ts";
export { listSecurityEvents, listUsers } from "./queries.ts";
export type {
  SecurityEventFilter,
  SecurityEventItem,
  UserFilter,
  UserListItem,
} from "./queries.ts";
export { updateUser } from "./update.ts";
export type { UpdateUserInput } from "./update.ts";
