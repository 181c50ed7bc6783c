import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import { DomainError, ForbiddenError } from "../../runtime/core/mod.ts";
import type { EncryptedValue } from "../../runtime/storage/mod.ts";
import { releaseUnique, reserveUnique, UniqueKinds } from "../unique/mod.ts";
import type { UserEvent } from "./events.ts";
import { normalizeEmail, userSubject } from "./register.ts";
import type { UserServices } from "./services.ts";
import { USER, UserErrorCode, UserRole } from "./types.ts";
import type { UserState } from "./types.ts";

export interface UpdateUserInput {
  id: string;
  role?: UserRole;
  employeeId?: string | null;
  email?: string;
  at: string;
}

/**
 * Changes a user's role, employee link or e-mail address. Only an ADMIN
 * grants ADMIN, and nobody changes their own role (no self-promotion). A new
 * address is reserved before the change and the old one released after it.
 */
export async function updateUser(
  system: ActorClient,
  services: UserServices,
  input: UpdateUserInput,
  options: AskOptions = {},
): Promise<AskResult<UserEvent, UserState>> {
  const { principal, signal, meta } = options;
  if (principal && input.role !== undefined) {
    if (principal.role !== UserRole.ADMIN && input.role === UserRole.ADMIN) {
      throw new ForbiddenError(
        UserErrorCode.ROLE_NOT_ALLOWED,
        "Only an ADMIN grants ADMIN",
      );
    }
    if (principal.subject === input.id) {
      throw new ForbiddenError(
        UserErrorCode.ROLE_NOT_ALLOWED,
        "Nobody changes their own role",
      );
    }
  }
  let email: { value: EncryptedValue; index: string } | undefined;
  let previousIndex: string | undefined;
  if (input.email !== undefined) {
    const normalized = normalizeEmail(input.email);
    const index = await services.keys.blindIndex("email", normalized);
    const current = await system.read<UserState>(USER, input.id, {
      signal,
      principal,
    });
    if (current.state !== null && current.state.emailIndex !== index) {
      previousIndex = current.state.emailIndex;
      await reserveUnique(system, {
        kind: UniqueKinds.email,
        value: index,
        owner: { type: USER, id: input.id },
        at: input.at,
        taken: () =>
          new DomainError(
            UserErrorCode.EMAIL_TAKEN,
            "A user with that e-mail address exists",
          ),
        signal,
        meta,
      });
      email = {
        value: await services.keys.encrypt(userSubject(input.id), normalized),
        index,
      };
    }
  }
  const result = await system.ask<UserEvent, UserState>(USER, input.id, {
    type: "update",
    role: input.role,
    employeeId: input.employeeId,
    email,
    at: input.at,
  }, options).catch(async (error) => {
    if (email) {
      await releaseUnique(system, {
        kind: UniqueKinds.email,
        value: email.index,
        owner: input.id,
        at: input.at,
        meta,
      });
    }
    throw error;
  });
  if (email && previousIndex !== undefined && !result.duplicate) {
    await releaseUnique(system, {
      kind: UniqueKinds.email,
      value: previousIndex,
      owner: input.id,
      at: input.at,
      meta,
    });
  }
  return result;
}
