import { z } from "../deps.ts";

const id = z.string().trim().regex(
  /^[A-Za-z0-9_-]{1,100}$/,
  "Must be an id (letters, digits, _ and -)",
);
const role = z.enum(["ADMIN", "HOVEDBRUKER", "OKONOMI", "TRAFIKKLARER"]);
const email = z.string().trim().min(3).max(254);
/** Length is checked by the password policy (12–128); this only bounds the body. */
const password = z.string().min(1).max(1024);

/** Body of `POST /api/v1/users`. */
export const CreateUserBody = z.strictObject({
  email,
  password,
  role,
  /** Required for every role but ADMIN; for ADMIN absent or null. */
  bedriftId: id.nullish(),
  employeeId: id.nullish(),
});

/** Body of `PATCH /api/v1/users/:id`: any subset, at least one field. */
export const UpdateUserBody = z.strictObject({
  email,
  role,
  employeeId: id.nullable(),
}).partial().refine(
  (body) => Object.keys(body).length > 0,
  "At least one field must be given",
);

/** Body of `POST /api/v1/users/:id/disable`. */
export const DisableUserBody = z.strictObject({
  reason: z.string().trim().max(500).nullish(),
});

/** Body of `POST /api/v1/users/me/password`. */
export const ChangePasswordBody = z.strictObject({
  currentPassword: password,
  newPassword: password,
});

/** Body of `POST /api/v1/auth/login`. */
export const LoginBody = z.strictObject({ email, password });

/** Body of `POST /api/v1/auth/refresh` and `/logout`. */
export const RefreshBody = z.strictObject({
  refreshToken: z.string().min(1).max(200),
});
