// Every third-party import of TMS, pinned to an exact version. Nothing else imports `npm:`.
export { Hono } from "npm:hono@4.13.19";
export type { Context, MiddlewareHandler } from "npm:hono@4.13.19";
export { HTTPException } from "npm:hono@4.13.19/http-exception";
export { z } from "npm:zod@4.6.7";
export { Decimal } from "npm:decimal.js@10.6.0";
export { bodyLimit } from "npm:hono@4.13.19/body-limit";
