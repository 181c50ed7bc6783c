/**
 * The `users` read model (one row per user; the e-mail address stays
 * encrypted with the user's key, so shredding it makes the row unreadable
 * too, and `user.personal_data_erased` empties it) and `security_events`
 * (failed logins, locks, disabled users and replayed refresh tokens, for the
 * ADMIN's audit list; an erasure drops the free-text reason of the user's
 * rows).
 */
import {
  isoTimestamp,
  isoTimestampOrNull,
  upsertFromJson,
} from "../../runtime/sql/mod.ts";
import { foldIntoTable } from "../../runtime/projection/mod.ts";
import type { Commit } from "../../runtime/core/mod.ts";
import type { Projection } from "../../runtime/projection/mod.ts";
import type { SqlExecutor, UpsertColumn } from "../../runtime/sql/mod.ts";
import type { EncryptedValue } from "../../runtime/storage/mod.ts";
import type { SessionEvent } from "../session/mod.ts";
import { USER_EVENT_TYPES } from "./events.ts";
import type { UserEvent } from "./events.ts";
import { UserStatus } from "./types.ts";
import type { UserRole } from "./types.ts";

/** Name of the projection and of its table. */
export const USERS_PROJECTION = "users";

/** A row of `users`. */
export interface UserRow {
  id: string;
  bedrift_id: string | null;
  role: UserRole;
  status: UserStatus;
  /** `null` once the person's data is erased. */
  email: EncryptedValue | null;
  employee_id: string | null;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
  created_position: number;
  version: number;
  position: number;
}

export const USER_COLUMNS: readonly UpsertColumn[] = [
  ["id", "text"],
  ["bedrift_id", "text"],
  ["role", "text"],
  ["status", "text"],
  ["email", "jsonb"],
  ["employee_id", "text"],
  ["last_login_at", "timestamptz"],
  ["created_at", "timestamptz"],
  ["updated_at", "timestamptz"],
  ["created_position", "bigint"],
  ["version", "integer"],
  ["position", "bigint"],
];
export const USER_SELECT = USER_COLUMNS.map(([name]) => name).join(", ");
const UPSERT = upsertFromJson(USERS_PROJECTION, USER_COLUMNS, ["id"]);

const MIGRATIONS = [{
  version: 1,
  name: "create users",
  sql: `
    CREATE TABLE users (
      id text COLLATE "C" PRIMARY KEY,
      bedrift_id text,
      role text NOT NULL,
      status text NOT NULL,
      email jsonb NOT NULL,
      employee_id text,
      last_login_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      created_position bigint NOT NULL,
      version integer NOT NULL,
      position bigint NOT NULL
    );
    CREATE INDEX users_created_idx ON users (created_position DESC, id DESC);
    CREATE INDEX users_bedrift_idx
      ON users (bedrift_id, created_position DESC, id DESC);
  `,
}, {
  version: 2,
  name: "email null once erased",
  sql: `ALTER TABLE users ALTER COLUMN email DROP NOT NULL;`,
}];

export function userFromDb(row: Record<string, unknown>): UserRow {
  return {
    ...row,
    last_login_at: isoTimestampOrNull(row.last_login_at),
    created_at: isoTimestamp(row.created_at),
    updated_at: isoTimestamp(row.updated_at),
  } as UserRow;
}

function evolve(
  row: UserRow | null,
  commit: Commit,
  event: UserEvent,
): UserRow | null {
  if (event.type === "user.registered") {
    const d = event.data;
    return {
      id: d.id,
      bedrift_id: d.bedriftId,
      role: d.role,
      status: UserStatus.ACTIVE,
      email: d.email,
      employee_id: d.employeeId,
      last_login_at: null,
      created_at: d.at,
      updated_at: d.at,
      created_position: commit.position,
      version: commit.version,
      position: commit.position,
    };
  }
  if (row === null) return null;
  switch (event.type) {
    case "user.updated":
      return {
        ...row,
        role: event.data.role ?? row.role,
        employee_id: event.data.employeeId !== undefined
          ? event.data.employeeId
          : row.employee_id,
        email: event.data.email ?? row.email,
        updated_at: event.data.at,
      };
    case "user.disabled":
      return { ...row, status: UserStatus.DISABLED, updated_at: event.data.at };
    case "user.logged_in":
      return { ...row, last_login_at: event.data.at };
    case "user.personal_data_erased":
      return {
        ...row,
        status: UserStatus.DISABLED,
        email: null,
        updated_at: event.data.at,
      };
    default:
      // Password changes and failed logins do not show in the list.
      return { ...row };
  }
}

/** Projection of user events into `users`; idempotent per row by version. */
export const usersProjection: Projection = {
  name: USERS_PROJECTION,
  eventTypes: USER_EVENT_TYPES,
  tables: [USERS_PROJECTION],
  migrations: MIGRATIONS,
  // 2: user.personal_data_erased.
  version: 2,
  apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    return foldIntoTable(commits, tx, {
      table: USERS_PROJECTION,
      select: USER_SELECT,
      upsert: UPSERT,
      fromDb: userFromDb,
      evolve,
    });
  },
};

/** Name of the security-events projection and of its table. */
export const SECURITY_EVENTS_PROJECTION = "security_events";

/** The events the audit list shows. */
export const SECURITY_EVENT_TYPES = [
  "user.login_failed",
  "user.locked",
  "user.disabled",
  "session.reuse_detected",
] as const satisfies readonly (UserEvent | SessionEvent)["type"][];

/** What the security-events projection reads: the list's events and erasures. */
const SECURITY_PROJECTION_TYPES = [
  ...SECURITY_EVENT_TYPES,
  "user.personal_data_erased",
] as const satisfies readonly (UserEvent | SessionEvent)["type"][];

/** A row of `security_events`: one per event, keyed by its feed place. */
export interface SecurityEventRow {
  position: number;
  idx: number;
  at: string;
  kind: (typeof SECURITY_EVENT_TYPES)[number];
  user_id: string;
  detail: Record<string, unknown>;
}

/**
 * Projection of security events into `security_events`: insert-only, one
 * row per event, so a batch applied again inserts nothing.
 */
export const securityEventsProjection: Projection = {
  name: SECURITY_EVENTS_PROJECTION,
  eventTypes: SECURITY_PROJECTION_TYPES,
  // 2: an erasure drops the reason of the user's rows.
  version: 2,
  tables: [SECURITY_EVENTS_PROJECTION],
  migrations: [{
    version: 1,
    name: "create security_events",
    sql: `
      CREATE TABLE security_events (
        position bigint NOT NULL,
        idx integer NOT NULL,
        at timestamptz NOT NULL,
        kind text NOT NULL,
        user_id text NOT NULL,
        detail jsonb NOT NULL,
        PRIMARY KEY (position, idx)
      );
      CREATE INDEX security_events_user_idx ON security_events (user_id, position);
    `,
  }],
  async apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    const rows: SecurityEventRow[] = [];
    const erased = new Set<string>();
    for (const commit of commits) {
      commit.events.forEach((e, idx) => {
        const event = e as UserEvent | SessionEvent;
        if (event.type === "user.personal_data_erased") {
          erased.add(commit.id);
          return;
        }
        const { at, ...detail } = event.data as
          & { at: string }
          & Record<
            string,
            unknown
          >;
        const userId = event.type === "session.reuse_detected"
          ? event.data.userId
          : commit.id;
        rows.push({
          position: commit.position,
          idx,
          at,
          kind: event.type as SecurityEventRow["kind"],
          user_id: userId,
          detail: event.type === "session.reuse_detected"
            ? { sessionId: commit.id }
            : detail,
        });
      });
    }
    if (rows.length > 0) await insertSecurityEvents(tx, rows);
    if (erased.size > 0) {
      // Rows of this batch are inserted first, so their reasons go too.
      await tx.query(
        `UPDATE security_events SET detail = detail - 'reason'
         WHERE user_id = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))`,
        [JSON.stringify([...erased])],
      );
    }
  },
};

async function insertSecurityEvents(
  tx: SqlExecutor,
  rows: SecurityEventRow[],
): Promise<void> {
  await tx.query(
    `INSERT INTO security_events (position, idx, at, kind, user_id, detail)
       SELECT position, idx, at, kind, user_id, detail
       FROM jsonb_to_recordset($1::jsonb) AS r(
         position bigint, idx integer, at timestamptz, kind text,
         user_id text, detail jsonb)
       ON CONFLICT (position, idx) DO NOTHING`,
    [JSON.stringify(rows)],
  );
}
