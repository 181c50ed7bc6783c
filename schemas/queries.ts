import { z } from "../deps.ts";
import { decodeCursor } from "../runtime/sql/mod.ts";
import type { CursorShape } from "../runtime/sql/mod.ts";

const limit = z.coerce.number().int().min(1).max(200).default(50);

const cursor = (shape: CursorShape) =>
  z.string().max(1024).refine(
    (text) => decodeCursor(text, shape) !== null,
    "Not a cursor this list gave out; start again without one",
  );

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Must be YYYY-MM-DD")
  .refine((text) => {
    const time = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(time.getTime()) &&
      time.toISOString().slice(0, 10) === text;
  }, "Must be a real date");

/** Query of `GET /api/v1/bedrifter`. */
export const BedrifterQuery = z.strictObject({
  status: z.enum(["AKTIV", "SUSPENDERT", "AVVIKLET"]).optional(),
  q: z.string().trim().min(1).max(100).optional(),
  limit,
  cursor: cursor(["string", "string"]).optional(),
});

/** Query of `GET /api/v1/invoices`. */
export const InvoicesQuery = z.strictObject({
  bedriftId: z.string().min(1).max(100).optional(),
  status: z.enum([
    "UTKAST",
    "SENDT",
    "DELVIS_BETALT",
    "BETALT",
    "PURRET",
    "KANSELLERT",
    "KREDITERT",
  ]).optional(),
  kunde: z.string().trim().min(1).max(100).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  limit,
  cursor: cursor(["number", "string"]).optional(),
}).refine(
  (query) => !query.from || !query.to || query.from <= query.to,
  { message: "Must not be before from", path: ["to"] },
);

/** Query of `GET /api/v1/kontroller`. */
export const KontrollerQuery = z.strictObject({
  bedriftId: z.string().min(1).max(100).optional(),
  status: z.enum(["OPPRETTET", "UNDER_ARBEID", "BESTATT", "IKKE_BESTATT"])
    .optional(),
  registreringsnummer: z.string().trim().min(1).max(20).regex(
    /^[A-Za-z]{0,2}[\d ]*$/,
    "Must be the start of a registreringsnummer (two letters, five digits)",
  ).optional(),
  instructorId: z.string().min(1).max(100).optional(),
  limit,
  cursor: cursor(["number", "string"]).optional(),
});

/** Query of `GET /api/v1/employees`. */
export const EmployeesQuery = z.strictObject({
  bedriftId: z.string().min(1).max(100).optional(),
  role: z.enum(["HOVEDBRUKER", "TRAFIKKLARER", "ADMIN", "OKONOMI"]).optional(),
  status: z.enum(["ACTIVE", "TERMINATED"]).optional(),
  q: z.string().trim().min(1).max(100).optional(),
  limit,
  cursor: cursor(["string", "string"]).optional(),
});

/** Query of `GET /api/v1/users`. */
export const UsersQuery = z.strictObject({
  bedriftId: z.string().min(1).max(100).optional(),
  role: z.enum(["ADMIN", "HOVEDBRUKER", "OKONOMI", "TRAFIKKLARER"]).optional(),
  status: z.enum(["ACTIVE", "DISABLED"]).optional(),
  limit,
  cursor: cursor(["number", "string"]).optional(),
});

/** Query of `GET /api/v1/audit/security`. */
export const SecurityEventsQuery = z.strictObject({
  userId: z.string().min(1).max(100).optional(),
  bedriftId: z.string().min(1).max(100).optional(),
  kind: z.enum([
    "user.login_failed",
    "user.locked",
    "user.disabled",
    "session.reuse_detected",
  ]).optional(),
  limit,
  cursor: cursor(["number", "string"]).optional(),
});

/** `X-TMS-Min-Position`: a feed position from an earlier write's `X-TMS-Position`. */
export const MinPositionHeader = z.string().trim().regex(
  /^\d{1,15}$/,
  "Must be a feed position (a non-negative whole number)",
).transform(Number);
