/**
 * Rooms of the realtime edge: `bedrift:<id>`, `role:<role>`, `user:<id>`.
 * A principal joins only what its token allows (an ADMIN any room): its own
 * bedrift, its own role, its own user. A message reaches a connection when
 * it is in one of its rooms and the principal may read what it is about —
 * the room narrows, the audience (`actors/outbound`) decides.
 *
 * - `bedrift:<id>`: that bedrift's messages its role may read, and those
 *   about itself (its user, its employee);
 * - `role:<role>`: messages for that role in the principal's bedrift (an
 *   ADMIN's: in every bedrift);
 * - `user:<id>`: messages about that user, and about the employee linked to
 *   it (an employee's own clock events).
 */
import { ForbiddenError } from "../runtime/core/mod.ts";
import { UserRole } from "../actors/user/mod.ts";
import type { Audience } from "../actors/outbound/mod.ts";
import type { FeedMessage } from "../runtime/realtime/mod.ts";
import type { AuthPrincipal } from "./context.ts";
import { ID_PATTERN } from "./write.ts";

/** One room. */
export interface Room {
  kind: "bedrift" | "role" | "user";
  id: string;
}

/** Most rooms one connection may be in. */
export const MAX_ROOMS = 20;

/** Why a list of rooms is not usable (a 422). */
export class RoomSyntaxError extends RangeError {
  override name = "RoomSyntaxError";
}

/** `bedrift:<id>`, `role:<role>` or `user:<id>`, comma-separated. */
export function parseRooms(list: readonly string[]): Room[] {
  const rooms: Room[] = [];
  for (const text of list) {
    const match = /^(bedrift|role|user):(.+)$/.exec(text.trim());
    if (!match) {
      throw new RoomSyntaxError(
        `"${text}" is not a room: bedrift:<id>, role:<role> or user:<id>`,
      );
    }
    const [, kind, id] = match;
    const valid = kind === "role"
      ? (Object.values(UserRole) as string[]).includes(id)
      : ID_PATTERN.test(id);
    if (!valid) throw new RoomSyntaxError(`"${text}" names no ${kind}`);
    if (!rooms.some((r) => r.kind === kind && r.id === id)) {
      rooms.push({ kind: kind as Room["kind"], id });
    }
  }
  if (rooms.length > MAX_ROOMS) {
    throw new RoomSyntaxError(`At most ${MAX_ROOMS} rooms per connection`);
  }
  return rooms;
}

/** The rooms of a connection that names none: its bedrift and itself; an ADMIN's role (everything). */
export function defaultRooms(who: AuthPrincipal): Room[] {
  if (who.role === UserRole.ADMIN || who.tenant === null) {
    return [{ kind: "role", id: who.role }];
  }
  return [{ kind: "bedrift", id: who.tenant }, {
    kind: "user",
    id: who.subject,
  }];
}

/** Whether `who` may join `room`. */
export function mayJoin(who: AuthPrincipal, room: Room): boolean {
  if (who.role === UserRole.ADMIN) return true;
  switch (room.kind) {
    case "bedrift":
      return who.tenant === room.id;
    case "role":
      return who.role === room.id;
    case "user":
      return who.subject === room.id;
  }
}

/** Throws `ForbiddenError` (403) for the first room `who` may not join. */
export function checkRooms(who: AuthPrincipal, rooms: readonly Room[]): void {
  const refused = rooms.find((room) => !mayJoin(who, room));
  if (refused) {
    throw new ForbiddenError(
      "realtime.room_forbidden",
      `A ${who.role} may not join ${refused.kind}:${refused.id}`,
    );
  }
}

/** Whether `who` may read a message of `audience` at all. */
export function mayRead(who: AuthPrincipal, audience: Audience): boolean {
  if (who.role === UserRole.ADMIN) return true;
  if (audience.tenant !== who.tenant) return false;
  return audience.roles.includes(who.role) ||
    audience.users.includes(who.subject) ||
    (who.employeeId !== null && audience.employees.includes(who.employeeId));
}

/** A joined room, with the employee linked to a user room's user (if any). */
export interface JoinedRoom extends Room {
  employeeId?: string | null;
}

/** Whether a message belongs in `room` for `who` (who may read it). */
function inRoom(
  who: AuthPrincipal,
  room: JoinedRoom,
  audience: Audience,
): boolean {
  switch (room.kind) {
    case "bedrift":
      return audience.tenant === room.id && mayRead(who, audience);
    case "role":
      return audience.roles.includes(room.id as UserRole) &&
        (who.role === UserRole.ADMIN || audience.tenant === who.tenant);
    case "user":
      return audience.users.includes(room.id) ||
        (room.employeeId != null &&
          audience.employees.includes(room.employeeId));
  }
}

/**
 * The filter of a connection: a message in any of its rooms (each message
 * once, however many rooms it is in). `rooms` is read at each message, so
 * joining and leaving apply to what comes next.
 */
export function roomFilter(
  who: AuthPrincipal,
  rooms: () => readonly JoinedRoom[],
): (message: FeedMessage<Audience>) => boolean {
  return (message) =>
    rooms().some((room) => inRoom(who, room, message.audience));
}
