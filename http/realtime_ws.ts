/**
 * One WebSocket connection of the realtime edge: its rooms (joined and left
 * by messages), its subscription (replaced by a `resume`), and the pump that
 * sends each message once the socket has room for it — so a slow client's
 * messages wait in the subscription's bounded queue, and past the bound the
 * socket is closed with 1013 and the reason.
 */
import { ForbiddenError } from "../runtime/core/mod.ts";
import { parseFeedCursor } from "../runtime/realtime/mod.ts";
import type { FeedCursor, Subscription } from "../runtime/realtime/mod.ts";
import type { Audience } from "../actors/outbound/mod.ts";
import type { AuthPrincipal } from "./context.ts";
import type { RealtimeEdge } from "./realtime.ts";
import {
  MAX_ROOMS,
  parseRooms,
  roomFilter,
  RoomSyntaxError,
} from "./realtime_rooms.ts";
import type { JoinedRoom, Room } from "./realtime_rooms.ts";

/** Close codes the server uses. */
export const WsCloseCodes = {
  /** The node stops. */
  goingAway: 1001,
  /** The token expired (or another policy reason). */
  policy: 1008,
  /** The client fell too far behind. */
  tryAgainLater: 1013,
} as const;

/** The socket is this full (bytes not yet sent): wait before sending more. */
const SOCKET_HIGH_WATER = 256 * 1024;

/** What a session needs. */
export interface WsSessionOptions {
  socket: WebSocket;
  who: AuthPrincipal;
  rooms: readonly JoinedRoom[];
  realtime: RealtimeEdge;
  /** Checks and resolves rooms a `join` asks for (throws 403). */
  join: (rooms: readonly Room[]) => Promise<JoinedRoom[]>;
  /** Epoch ms when the credentials expire. */
  expiresAt?: number;
}

type ClientMessage =
  | { type: "join"; rooms: string[] }
  | { type: "leave"; rooms: string[] }
  | { type: "resume"; after: string }
  | { type: "ping" };

/** A realtime WebSocket connection. */
export class WsSession {
  readonly #socket: WebSocket;
  readonly #who: AuthPrincipal;
  readonly #realtime: RealtimeEdge;
  readonly #join: WsSessionOptions["join"];
  readonly #expiresAt?: number;
  #rooms: JoinedRoom[];
  #subscription: Subscription<Audience> | null = null;
  #expiry: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: WsSessionOptions) {
    this.#socket = options.socket;
    this.#who = options.who;
    this.#rooms = [...options.rooms];
    this.#realtime = options.realtime;
    this.#join = options.join;
    this.#expiresAt = options.expiresAt;
  }

  /** Wires the socket's events; messages flow once it is open. */
  start(): void {
    this.#socket.onopen = () => {
      this.#send({ type: "joined", rooms: this.#roomNames() });
      this.#subscribe(null);
      void this.#pump();
      if (this.#expiresAt !== undefined) {
        this.#expiry = setTimeout(
          () => this.#close(WsCloseCodes.policy, "token expired"),
          Math.max(0, this.#expiresAt - Date.now()),
        );
      }
    };
    this.#socket.onmessage = (event) => void this.#onMessage(event.data);
    this.#socket.onclose = () => this.#stop();
    this.#socket.onerror = () => this.#stop();
  }

  #roomNames(): string[] {
    return this.#rooms.map((r) => `${r.kind}:${r.id}`);
  }

  #subscribe(after: FeedCursor | null): void {
    const previous = this.#subscription;
    this.#subscription = this.#realtime.hub.subscribe({
      accepts: roomFilter(this.#who, () => this.#rooms),
      after,
      ...this.#realtime.limits,
    });
    previous?.close("replaced by a resume");
  }

  async #pump(): Promise<void> {
    while (!this.#closed) {
      const subscription = this.#subscription!;
      const message = await subscription.next();
      if (message === null) {
        // A resume replaced it: go on with the new one.
        if (subscription !== this.#subscription) continue;
        const end = subscription.end!;
        if (end.reason === "backlog") {
          this.#close(
            WsCloseCodes.tryAgainLater,
            "too slow: resume from the last id",
          );
        } else if (end.reason === "stopped") {
          this.#close(WsCloseCodes.goingAway, "node stopping: resume");
        } else if (end.reason === "expired") {
          this.#close(WsCloseCodes.policy, "token expired");
        }
        return;
      }
      while (
        !this.#closed && this.#socket.bufferedAmount > SOCKET_HIGH_WATER &&
        subscription === this.#subscription && subscription.end === null
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if (this.#closed || subscription !== this.#subscription) continue;
      if (subscription.end !== null) continue;
      this.#sendRaw(`{"type":"event","event":${message.body}}`);
    }
  }

  async #onMessage(data: unknown): Promise<void> {
    let message: ClientMessage;
    try {
      message = JSON.parse(String(data));
    } catch {
      return this.#error(400, "realtime.malformed", "Messages are JSON");
    }
    try {
      switch (message?.type) {
        case "join": {
          const rooms = await this.#join(parseRooms(asList(message.rooms)));
          const added = rooms.filter((room) =>
            !this.#rooms.some((r) => r.kind === room.kind && r.id === room.id)
          );
          if (this.#rooms.length + added.length > MAX_ROOMS) {
            throw new RoomSyntaxError(
              `At most ${MAX_ROOMS} rooms per connection`,
            );
          }
          this.#rooms = [...this.#rooms, ...added];
          return this.#send({ type: "joined", rooms: this.#roomNames() });
        }
        case "leave": {
          const gone = parseRooms(asList(message.rooms));
          this.#rooms = this.#rooms.filter((r) =>
            !gone.some((g) => g.kind === r.kind && g.id === r.id)
          );
          return this.#send({ type: "left", rooms: this.#roomNames() });
        }
        case "resume": {
          const after = parseFeedCursor(String(message.after ?? ""));
          if (!after) {
            return this.#error(
              422,
              "realtime.bad_cursor",
              "`after` must be a message id <position>-<index>",
            );
          }
          this.#subscribe(after);
          return this.#send({ type: "resumed", after: message.after });
        }
        case "ping":
          return this.#send({ type: "pong" });
        default:
          return this.#error(
            422,
            "realtime.unknown_message",
            "Send join, leave, resume or ping",
          );
      }
    } catch (error) {
      if (error instanceof RoomSyntaxError) {
        return this.#error(422, "realtime.bad_room", error.message);
      }
      if (error instanceof ForbiddenError) {
        return this.#error(403, error.code, error.message);
      }
      console.error("Realtime: a WebSocket message failed", error);
      return this.#error(503, "realtime.unavailable", "Try again");
    }
  }

  #error(status: number, code: string, message: string): void {
    this.#send({ type: "error", status, code, message });
  }

  #send(message: Record<string, unknown>): void {
    this.#sendRaw(JSON.stringify(message));
  }

  #sendRaw(text: string): void {
    if (this.#closed || this.#socket.readyState !== WebSocket.OPEN) return;
    this.#socket.send(text);
  }

  #close(code: number, reason: string): void {
    if (this.#closed) return;
    try {
      this.#socket.close(code, reason);
    } catch {
      // Already closing.
    }
    this.#stop();
  }

  #stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#expiry);
    this.#subscription?.close("the socket closed");
  }
}

function asList(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new RoomSyntaxError("`rooms` is a list of room names");
  }
  return value;
}
