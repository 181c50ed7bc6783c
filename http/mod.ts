export { createApp } from "./app.ts";
export { checkReadiness } from "./health.ts";
export type {
  AuthPrincipal,
  EdgeAuth,
  EdgeDeps,
  EdgeSecurity,
  ReadinessCheck,
} from "./context.ts";
export type { ReadSide } from "./queries.ts";
export {
  onError,
  problem,
  PROBLEM_CONTENT_TYPE,
  ProblemTypes,
} from "./problem.ts";
export type { Problem } from "./problem.ts";
export { bedriftView } from "./bedrifter.ts";
export { invoiceView } from "./invoices.ts";
export {
  askOptions,
  newId,
  now,
  parseBody,
  pathId,
  writeHeaders,
} from "./write.ts";
