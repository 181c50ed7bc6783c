/**
 * `/api/v<n>/users`: accounts, the caller's own account and password, and the
 * list from the `users` read model. E-mail addresses are decrypted for the
 * answer (an erased user's shows as `null`); password hashes never leave.
 */
import type { Context, z } from "../deps.ts";
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
  UserView,
} from "../schemas/mod.ts";
import { principal } from "./auth.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { listRoute } from "./queries.ts";
import { apiBase, page, reply, resource } from "./representation.ts";
import {
  COMMAND_PROBLEMS,
  CREATE_PROBLEMS,
  CREATED,
  READ_PROBLEMS,
  RouteGroup,
  WRITE_HEADERS,
  WRITTEN,
} from "./route.ts";
import { AsOfQuery, AsOfView, historyRoute, readResource } from "./history.ts";
import { auditPersonalRead } from "./access_log.ts";
import {
  askOptions,
  newId,
  now,
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
    email: user.email && await keys.decrypt(user.email),
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

type UserBody = Awaited<ReturnType<typeof userView>> & {
  asOf?: z.output<typeof AsOfView>;
};

const userLinks = (u: UserBody, c: Context) => ({
  self: `${apiBase(c)}/users/${u.id}`,
  history: `${apiBase(c)}/users/${u.id}/history`,
  bedrift: u.bedriftId ? `${apiBase(c)}/bedrifter/${u.bedriftId}` : null,
  employee: u.employeeId ? `${apiBase(c)}/employees/${u.employeeId}` : null,
});

/** A user in each version. */
export const UserRep = resource<UserBody>(
  "User",
  UserView.extend({ asOf: AsOfView.optional() }),
  userLinks,
);

/** A page of `GET /users`. */
export const UserPage = page(
  "UserPage",
  resource<UserBody>("UserListItem", UserView, userLinks),
);

/** Routes of `/api/v<n>/users`. */
export function userRoutes(deps: EdgeDeps): RouteGroup {
  const system = clientOf(deps);
  const services = deps.auth.users;
  const group = new RouteGroup({
    tag: "Users",
    description:
      "Accounts (one role, one bedrift), the caller's own account and password",
    base: "/users",
    versioned: true,
  });

  const answer = async (
    c: Context,
    result: AskResult<unknown, UserState>,
    status: 200 | 201 = 200,
  ) => {
    writeHeaders(c, result);
    const user = result.state!;
    if (status === 201) c.header("Location", `${apiBase(c)}/users/${user.id}`);
    return reply(
      c,
      UserRep,
      await userView(services.keys, result.version, user),
      status,
    );
  };

  const read = async (c: Context, id: string) => {
    const result = await system.read<UserState>(USER, id, readOptions(c));
    if (result.state === null) throw new NotFoundError("No such user");
    writeHeaders(c, result);
    return reply(
      c,
      UserRep,
      await userView(services.keys, result.version, result.state),
    );
  };

  const readSpec = {
    method: "get" as const,
    responses: {
      200: {
        description: "The user",
        body: UserRep,
        headers: ["ETag", "X-TMS-Position"] as ("ETag" | "X-TMS-Position")[],
      },
    },
    problems: READ_PROBLEMS,
  };

  listRoute(group, deps.readSide, {
    operationId: "listUsers",
    summary: "List users, newest first",
    rep: UserPage,
    projection: USERS_PROJECTION,
    query: UsersQuery,
    audit: {
      client: system,
      subjects: (items) => items.map((u) => u.email === null ? null : u.id),
    },
    list: async (db, filter, options) => {
      const page = await listUsers(db, filter, options);
      return {
        ...page,
        items: await Promise.all(
          page.items.map((u) => userView(services.keys, u.version, u)),
        ),
      };
    },
  });

  group.route({
    method: "post",
    path: "/",
    operationId: "createUser",
    summary: "Create a user (e-mail unique; a HOVEDBRUKER only in its bedrift)",
    request: { body: { schema: CreateUserBody }, headers: WRITE_HEADERS },
    responses: {
      201: { description: "The user", body: UserRep, headers: CREATED },
    },
    problems: CREATE_PROBLEMS,
  }, async (c, { body }) => {
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
    return await answer(c, result, 201);
  });

  group.route({
    ...readSpec,
    path: "/me",
    operationId: "getMe",
    summary: "The caller's own account",
  }, (c) => read(c, principal(c).subject));

  group.route({
    method: "post",
    path: "/me/password",
    operationId: "changeMyPassword",
    summary: "Change the caller's own password",
    request: { body: { schema: ChangePasswordBody } },
    responses: { 204: { description: "Changed" } },
    problems: [400, 401, 403, 422, 429, 503],
  }, async (c, { body }) => {
    await changePassword(system, services, {
      userId: principal(c).subject,
      current: body.currentPassword,
      next: body.newPassword,
      at: now(),
    }, readOptions(c));
    return c.body(null, 204);
  });

  group.route({
    ...readSpec,
    path: "/:id",
    operationId: "getUser",
    summary: "Read a user, now or as of a version or instant",
    request: { query: AsOfQuery },
  }, async (c, { query }) => {
    const id = requireId(c, "user");
    if (query.asOf === undefined) {
      const answer = await read(c, id);
      await auditPersonalRead(c, system, [id]);
      return answer;
    }
    const then = await readResource<UserState>(
      c,
      { system: deps.system, client: system },
      USER,
      id,
      query.asOf,
      "user",
      (_, state) => state !== null,
    );
    if (then.state!.email !== null) await auditPersonalRead(c, system, [id]);
    writeHeaders(c, then);
    return reply(c, UserRep, {
      ...(await userView(services.keys, then.version, then.state!)),
      asOf: then.asOf,
    });
  });

  historyRoute(group, deps, {
    type: USER,
    what: "user",
    operationId: "getUserHistory",
  });

  group.route({
    method: "patch",
    path: "/:id",
    operationId: "updateUser",
    summary: "Change a user's e-mail, role or employee",
    request: { body: { schema: UpdateUserBody }, headers: WRITE_HEADERS },
    responses: {
      200: { description: "The user", body: UserRep, headers: WRITTEN },
    },
    problems: COMMAND_PROBLEMS,
  }, async (c, { body }) => {
    const id = requireId(c, "user");
    const result = await updateUser(system, services, {
      id,
      ...body,
      at: now(),
    }, askOptions(c, "user.update"));
    return await answer(c, result);
  });

  group.route({
    method: "post",
    path: "/:id/disable",
    operationId: "disableUser",
    summary:
      "Disable a user (refresh stops at once, access tokens within 15 minutes)",
    request: {
      body: { schema: DisableUserBody, optional: true },
      headers: WRITE_HEADERS,
    },
    responses: {
      200: { description: "The user", body: UserRep, headers: WRITTEN },
    },
    problems: COMMAND_PROBLEMS,
  }, async (c, { body }) => {
    const id = requireId(c, "user");
    const result = await system.ask<never, UserState>(USER, id, {
      type: "disable",
      reason: body.reason ?? null,
      at: now(),
    }, askOptions(c, "user.disable"));
    return await answer(c, result);
  });

  return group;
}
