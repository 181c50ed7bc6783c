/** Queries of the `users` and `security_events` read models. */
import {
  countRows,
  isoTimestamp,
  keysetPage,
  newestFirstPage,
  pageLimit,
  readCursor,
  SqlParams,
  withTotal,
} from "../../runtime/sql/mod.ts";
import type { ListOptions, Page, SqlExecutor } from "../../runtime/sql/mod.ts";
import type { EncryptedValue } from "../../runtime/storage/mod.ts";
import { USER_SELECT, userFromDb } from "./projection.ts";
import type { SecurityEventRow, UserRow } from "./projection.ts";
import type { UserRole, UserStatus } from "./types.ts";

/** A user as the list holds it; the edge decrypts `email` for the answer. */
export interface UserListItem {
  id: string;
  version: number;
  position: number;
  bedriftId: string | null;
  role: UserRole;
  status: UserStatus;
  /** `null` once the person's data is erased. */
  email: EncryptedValue | null;
  employeeId: string | null;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface UserFilter {
  bedriftId?: string;
  role?: UserRole;
  status?: UserStatus;
  limit?: number;
  cursor?: string | null;
}

/** Lists users newest first, keyset-paged on (created position, id). */
export async function listUsers(
  db: SqlExecutor,
  filter: UserFilter = {},
  options: ListOptions = {},
): Promise<Page<UserListItem>> {
  const p = new SqlParams();
  if (filter.bedriftId) {
    p.where(`bedrift_id = ${p.add(filter.bedriftId)}::text`);
  }
  if (filter.role) p.where(`role = ${p.add(filter.role)}::text`);
  if (filter.status) p.where(`status = ${p.add(filter.status)}::text`);
  return await newestFirstPage(
    db,
    {
      table: "users",
      select: USER_SELECT,
      fromDb: userFromDb,
      toItem: (row: UserRow): UserListItem => ({
        id: row.id,
        version: row.version,
        position: row.position,
        bedriftId: row.bedrift_id,
        role: row.role,
        status: row.status,
        email: row.email,
        employeeId: row.employee_id,
        lastLoginAt: row.last_login_at,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }),
    },
    p,
    filter,
    options,
  );
}

/** A security event as the audit list shows it. */
export interface SecurityEventItem {
  position: number;
  at: string;
  kind: SecurityEventRow["kind"];
  userId: string;
  bedriftId: string | null;
  detail: Record<string, unknown>;
}

export interface SecurityEventFilter {
  userId?: string;
  kind?: SecurityEventRow["kind"];
  bedriftId?: string;
  limit?: number;
  cursor?: string | null;
}

/** The keyset cursor of the security events: `[position, idx]`. */
const SECURITY_EVENT_CURSOR = ["number", "string"] as const;

/** Lists security events newest first, with the user's bedrift. */
export async function listSecurityEvents(
  db: SqlExecutor,
  filter: SecurityEventFilter = {},
  options: ListOptions = {},
): Promise<Page<SecurityEventItem>> {
  const limit = pageLimit(filter.limit);
  const p = new SqlParams();
  if (filter.userId) p.where(`e.user_id = ${p.add(filter.userId)}::text`);
  if (filter.kind) p.where(`e.kind = ${p.add(filter.kind)}::text`);
  if (filter.bedriftId) {
    p.where(`u.bedrift_id = ${p.add(filter.bedriftId)}::text`);
  }
  const total = await countRows(
    db,
    "security_events e LEFT JOIN users u ON u.id = e.user_id",
    p,
    options,
  );
  if (filter.cursor) {
    const after = readCursor(filter.cursor, SECURITY_EVENT_CURSOR);
    p.where(
      `(e.position, e.idx) < (${p.add(after[0])}::bigint, ${
        p.add(Number(after[1]))
      }::int)`,
    );
  }
  const rows = await db.query(
    `SELECT e.position, e.idx, e.at, e.kind, e.user_id, e.detail,
            u.bedrift_id
     FROM security_events e LEFT JOIN users u ON u.id = e.user_id
     ${p.clause()}
     ORDER BY e.position DESC, e.idx DESC LIMIT ${p.add(limit + 1)}::int`,
    p.values,
    options,
  );
  return withTotal(
    total,
    keysetPage(
      rows,
      limit,
      (row) => row,
      (row): SecurityEventItem => ({
        position: Number(row.position),
        at: isoTimestamp(row.at),
        kind: row.kind as SecurityEventItem["kind"],
        userId: String(row.user_id),
        bedriftId: (row.bedrift_id as string | null) ?? null,
        detail: row.detail as Record<string, unknown>,
      }),
      (row) => [Number(row.position), String(row.idx)],
    ),
  );
}
