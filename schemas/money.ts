/**
 * Money in HTTP bodies: a string with two decimals in v1, an object
 * `{ amount, currency }` in v2. Schemas mark their money nodes with
 * `money()`; the edge's representation layer converts exactly those.
 */
import { z } from "../deps.ts";

const MONEY_NODES = new WeakSet<object>();

/** Marks a schema node as money: a string in v1, a money object in v2. */
export function money<T extends z.ZodType>(schema: T): T {
  MONEY_NODES.add(schema);
  return schema;
}

/** True for a schema node marked with `money()`. */
export function isMoneyNode(schema: unknown): boolean {
  return typeof schema === "object" && schema !== null &&
    MONEY_NODES.has(schema);
}

/** The pattern of an amount in answers: two decimals, a sign for credits. */
export const MONEY_PATTERN = /^-?\d+\.\d{2}$/;

/** An amount in NOK as answers give it (v1): a string with two decimals. */
export const Money = money(
  z.string().regex(MONEY_PATTERN).describe(
    'An amount in NOK: a string with two decimals, e.g. "1250.00"',
  ),
);

/** The v2 money object. */
export const MoneyObject = z.strictObject({
  amount: z.string().regex(/^-?\d+(\.\d{1,2})?$/).describe(
    'The amount as a decimal string, e.g. "1250.00" (two decimals in answers)',
  ),
  currency: z.literal("NOK"),
}).describe("An amount of money (v2)");

/** The JSON Schema of a v2 money object (what the document shows for money nodes). */
export const MONEY_OBJECT_JSON_SCHEMA = {
  type: "object",
  description: "An amount of money (v2)",
  properties: {
    amount: {
      type: "string",
      pattern: "^-?\\d+(\\.\\d{1,2})?$",
      description: 'The amount as a decimal string, e.g. "1250.00"',
    },
    currency: { type: "string", const: "NOK" },
  },
  required: ["amount", "currency"],
  additionalProperties: false,
} as const;
