/**
 * `/api/v1/users`: accounts, the caller's own account and password, and the
 * list from the `users` read model. E-mail addresses are decrypted for the
 * answer (an erased user's shows as `null`); password hashes never leave.
 */
import { Hono } from "../deps.ts";
import type { Context } from "../deps.ts";
import { NotFoundError } from "../runtime/core/mod.ts";
import type { AskResult } from "../runtime/actor/mod.ts";
import type { KeyStore } from "../runtime/storage/mod.ts";
import {
  changePassword,
  listUsers,
  registerUser,
  updateUser,
  USER,
  USERS_PROJECTION,
} from "../actors/user/mod.ts";
import type { User, UserListItem, UserState } from "../actors/user/mod.ts";
import {
  ChangePasswordBody,
  CreateUserBody,
  DisableUserBody,
  UpdateUserBody,
  UsersQuery,
} from "../schemas/mod.ts";
import { principal } from "./auth.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { listHandler } from "./queries.ts";
import {
  askOptions,
  newId,
  now,
  parseBody,
  parseOptionalBody,
  readOptions,
  requireId,
  writeHeaders,
} from "./write.ts";

/** The JSON view of a user: the address in clear, never the password hash. */
export async function userView(
  keys: KeyStore,
  version: number,
  user: User | UserListItem,
) {
  const locked = "lockedUntil" in user && user.lockedUntil !== null &&
    Date.parse(user.lockedUntil) > Date.now();
  return {
    id: user.id,
    version,
    email: await keys.decrypt(user.email),
    role: user.role,
    bedriftId: user.bedriftId,
    employeeId: user.employeeId,
    status: user.status,
    locked,
    lastLoginAt: user.lastLoginAt,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/** Routes of `/api/v1/users`. */
export function userRoutes(deps: EdgeDeps): Hono {
  const system = clientOf(deps);
  const services = deps.auth.users;
  const app = new Hono();

  const reply = async (
    c: Context,
    result: AskResult<unknown, UserState>,
    status: 200 | 201 = 200,
  ) => {
    writeHeaders(c, result);
    const user = result.state!;
    if (status === 201) c.header("Location", `/api/v1/users/${user.id}`);
    return c.json(
      await userView(services.keys, result.version, user),
      status,
    );
  };

  const read = async (c: Context, id: string) => {
    const result = await system.read<UserState>(USER, id, readOptions(c));
    if (result.state === null) throw new NotFoundError("No such user");
    writeHeaders(c, result);
    return c.json(
      await userView(services.keys, result.version, result.state),
    );
  };

  app.get(
    "/",
    listHandler(deps.readSide, {
      projection: USERS_PROJECTION,
      query: UsersQuery,
      list: async (db, filter, options) => {
        const page = await listUsers(db, filter, options);
        return {
          ...page,
          items: await Promise.all(
            page.items.map((u) => userView(services.keys, u.version, u)),
          ),
        };
      },
    }),
  );

  app.post("/", async (c) => {
    const body = await parseBody(c, CreateUserBody);
    const id = await newId(c, USER);
    const result = await registerUser(system, services, {
      id,
      email: body.email,
      password: body.password,
      role: body.role,
      bedriftId: body.bedriftId ?? null,
      employeeId: body.employeeId ?? null,
      at: now(),
    }, askOptions(c, "user.create"));
    return await reply(c, result, 201);
  });

  app.get("/me", (c) => read(c, principal(c).subject));

  app.post("/me/password", async (c) => {
    const body = await parseBody(c, ChangePasswordBody);
    await changePassword(system, services, {
      userId: principal(c).subject,
      current: body.currentPassword,
      next: body.newPassword,
      at: now(),
    }, readOptions(c));
    return c.body(null, 204);
  });

  app.get("/:id", (c) => read(c, requireId(c, "user")));

  app.patch("/:id", async (c) => {
    const id = requireId(c, "user");
    const body = await parseBody(c, UpdateUserBody);
    const result = await updateUser(system, services, {
      id,
      ...body,
      at: now(),
    }, askOptions(c, "user.update"));
    return await reply(c, result);
  });

  app.post("/:id/disable", async (c) => {
    const id = requireId(c, "user");
    const body = await parseOptionalBody(c, DisableUserBody);
    const result = await system.ask<never, UserState>(USER, id, {
      type: "disable",
      reason: body.reason ?? null,
      at: now(),
    }, askOptions(c, "user.disable"));
    return await reply(c, result);
  });

  return app;
}
