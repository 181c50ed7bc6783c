/**
 * `/api/v<n>/gdpr`: consent records, and a person's export and erasure. A
 * subject id is an employee's or a user's aggregate id, or an invoice
 * customer's data subject (`kunde-<bedriftId>-<kundenummer>`, or
 * `faktura-<invoiceId>` for a customer without a kundenummer; an invoice
 * shows it as `kunde.subjectId`). Every export and erasure is audit-logged.
 */
import type { Context } from "../deps.ts";
import { NotFoundError, UnavailableError } from "../runtime/core/mod.ts";
import { MemoryKeyStore } from "../runtime/storage/mod.ts";
import {
  eraseSubject,
  exportSubject,
  GDPR_CONSENTS_PROJECTION,
  listConsents,
  recordConsent,
} from "../actors/gdpr/mod.ts";
import type {
  ConsentItem,
  ErasureResult,
  GdprServices,
  SubjectExport,
} from "../actors/gdpr/mod.ts";
import { AuditAction } from "../actors/audit/mod.ts";
import { EMPLOYEES_PROJECTION } from "../actors/employee/mod.ts";
import { INVOICES_PROJECTION } from "../actors/invoice/mod.ts";
import { USERS_PROJECTION } from "../actors/user/mod.ts";
import {
  ConsentsQuery,
  ConsentView,
  ErasureResultView,
  RecordConsentBody,
  SubjectExportView,
  SubjectId,
} from "../schemas/mod.ts";
import { auditAccess } from "./access_log.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { listRoute, requestSignal, waitForPosition } from "./queries.ts";
import { apiBase, page, plain, reply } from "./representation.ts";
import {
  CREATE_PROBLEMS,
  CREATED,
  READ_PROBLEMS,
  RouteGroup,
  WRITE_HEADERS,
  WRITTEN,
} from "./route.ts";
import { askOptions, newId, now, writeHeaders } from "./write.ts";

const ConsentRep = plain<ConsentItem>("Consent", ConsentView);
const ConsentPage = page("ConsentPage", ConsentRep);
const ExportRep = plain<SubjectExport>("SubjectExport", SubjectExportView);
const ErasureRep = plain<Omit<ErasureResult, "version" | "position">>(
  "ErasureResult",
  ErasureResultView,
);

/** The read models the GDPR flows look a person up in. */
const LOOKUP_PROJECTIONS = [
  EMPLOYEES_PROJECTION,
  USERS_PROJECTION,
  INVOICES_PROJECTION,
  GDPR_CONSENTS_PROJECTION,
];

/** The `:id` of a subject route, or 404. */
function subjectId(c: Context): string {
  const parsed = SubjectId.safeParse(c.req.param("id"));
  if (!parsed.success) throw new NotFoundError("No such data subject");
  return parsed.data;
}

/** What the GDPR flows need, from the node. */
export function gdprServices(deps: EdgeDeps): GdprServices {
  const keys = deps.keys ?? new MemoryKeyStore();
  return {
    system: clientOf(deps),
    log: deps.system.log,
    keys,
    async readModels(options = {}) {
      const readSide = deps.readSide;
      if (!readSide) {
        throw new UnavailableError("This node has no read models", {
          retryAfter: 5,
        });
      }
      const signal = options.signal ?? new AbortController().signal;
      await waitForPosition(
        readSide.positions,
        await deps.system.log.headPosition({ signal }),
        LOOKUP_PROJECTIONS,
        readSide.minPositionTimeoutMs ?? 5000,
        signal,
      );
      return readSide.store;
    },
  };
}

/** Routes of `/api/v<n>/gdpr`. */
export function gdprRoutes(deps: EdgeDeps): RouteGroup {
  const services = gdprServices(deps);
  const group = new RouteGroup({
    tag: "GDPR",
    description:
      "Consent records, and a person's export and erasure (crypto-shredding)",
    base: "/gdpr",
    versioned: true,
  });

  group.route({
    method: "post",
    path: "/consents",
    operationId: "recordConsent",
    summary: "Record a consent given or withdrawn, for a purpose",
    description:
      "The subject must be a person the caller may see: an employee, a user or an invoice customer of its bedrift. Withdrawing needs a consent that stands.",
    request: { body: { schema: RecordConsentBody }, headers: WRITE_HEADERS },
    responses: {
      201: {
        description: "The consent record",
        body: ConsentRep,
        headers: CREATED,
      },
    },
    problems: CREATE_PROBLEMS,
  }, async (c, { body }) => {
    const recordedAt = now();
    const result = await recordConsent(services, {
      subjectId: body.subjectId,
      consentId: await newId(c, "gdpr:consent"),
      purpose: body.purpose,
      legalBasis: body.legalBasis,
      status: body.status,
      at: body.at ?? recordedAt,
      recordedAt,
    }, askOptions(c, "gdpr.consent"));
    writeHeaders(c, result);
    const recorded = result.events.find((e) =>
      e.type === "gdpr.consent_recorded"
    );
    if (!recorded || recorded.type !== "gdpr.consent_recorded") {
      throw new UnavailableError("The consent was not recorded; retry", {
        retryAfter: 1,
      });
    }
    const { subjectId, kind, bedriftId, ...consent } = recorded.data;
    c.header(
      "Location",
      `${apiBase(c)}/gdpr/consents?subjectId=${encodeURIComponent(subjectId)}`,
    );
    return reply(c, ConsentRep, {
      position: result.position,
      subjectId,
      kind,
      bedriftId,
      ...consent,
    }, 201);
  });

  listRoute(group, deps.readSide, {
    path: "/consents",
    operationId: "listConsents",
    summary: "Consent records, newest first (by subject, bedrift or purpose)",
    rep: ConsentPage,
    projection: GDPR_CONSENTS_PROJECTION,
    query: ConsentsQuery,
    list: listConsents,
  });

  group.route({
    method: "get",
    path: "/subjects/:id/export",
    operationId: "exportSubject",
    summary: "Everything held about a person, decrypted, as JSON",
    description:
      "Profiles (the fødselsnummer in full), every event of the person's aggregates with its personal fields, time records, invoices where the person is the customer, consent records. After an erasure the same export holds null wherever the person's data was. Audit-logged (`gdpr.export`).",
    request: {
      params: {
        id: "An employee's or user's id, or an invoice customer's subject id",
      },
    },
    responses: {
      200: { description: "The export", body: ExportRep },
    },
    problems: READ_PROBLEMS,
  }, async (c) => {
    const id = subjectId(c);
    const exported = await exportSubject(services, id, {
      principal: c.get("principal"),
      signal: requestSignal(c),
      at: now(),
    });
    await auditAccess(c, services.system, AuditAction.EXPORT, [id]);
    c.header("Cache-Control", "no-store");
    return reply(c, ExportRep, exported);
  });

  group.route({
    method: "post",
    path: "/subjects/:id/erase",
    operationId: "eraseSubject",
    summary:
      "Erase a person: their aggregates' personal fields, then their keys (crypto-shredding)",
    description:
      "Idempotent: asked again, it answers the first erasure. Invoices keep their numbers and amounts (bookkeeping law); the customer's name and e-mail go. `clearTextEvents` counts events written before personal data was sealed: no reader gets them any more, but their bytes stay in the log and its backups. Audit-logged (`gdpr.erase`).",
    request: {
      headers: ["Idempotency-Key"],
      params: {
        id: "An employee's or user's id, or an invoice customer's subject id",
      },
    },
    responses: {
      200: {
        description: "What the erasure did",
        body: ErasureRep,
        headers: WRITTEN,
      },
    },
    problems: [401, 403, 404, 409, 422, 429, 503],
  }, async (c) => {
    const id = subjectId(c);
    const options = askOptions(c, "gdpr.erase");
    const result = await eraseSubject(services, id, {
      principal: options.principal,
      signal: options.signal,
      meta: options.meta,
      at: now(),
    });
    await auditAccess(c, services.system, AuditAction.ERASE, [id]);
    writeHeaders(c, result);
    const { version: _, position: __, ...body } = result;
    return reply(c, ErasureRep, body);
  });

  return group;
}
