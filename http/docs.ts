/**
 * The published contract: `GET /openapi.json` (OpenAPI 3.1, both versions),
 * `GET /openapi/v1.json` and `/openapi/v2.json` (one each), Swagger UI at
 * `GET /docs` (its assets served from the npm package `swagger-ui-dist`,
 * so it works offline), and a short page per problem type at
 * `GET /problems/:type` (HTML for a browser, JSON otherwise).
 */
import {
  SWAGGER_UI_DIST_VERSION,
  swaggerUI,
  swaggerUiAssetsDir,
} from "../deps.ts";
import { NotFoundError } from "../runtime/core/mod.ts";
import { BedriftErrorCode } from "../actors/bedrift/mod.ts";
import { BudgetErrorCode } from "../actors/budget/mod.ts";
import { ExpenseErrorCode } from "../actors/expense/mod.ts";
import { EmployeeErrorCode } from "../actors/employee/mod.ts";
import { InvoiceErrorCode } from "../actors/invoice/mod.ts";
import { LedgerErrorCode } from "../actors/ledger/mod.ts";
import { InvoiceSequenceErrorCode } from "../actors/invoice_sequence/mod.ts";
import { KontrollErrorCode } from "../actors/kontroll/mod.ts";
import { KontrollMalErrorCode } from "../actors/kontroll_mal/mod.ts";
import { SessionErrorCode } from "../actors/session/mod.ts";
import { UniqueErrorCode } from "../actors/unique/mod.ts";
import { UserErrorCode } from "../actors/user/mod.ts";
import { openApiDocument } from "./openapi.ts";
import type { ProblemTypeDoc } from "./openapi.ts";
import { PROBLEM_DOCS, problemTypeOfCode, ProblemTypes } from "./problem.ts";
import { RouteGroup } from "./route.ts";
import { API_VERSIONS } from "./versions.ts";
import type { ApiVersion } from "./versions.ts";

const DOMAIN_CODES: readonly Record<string, string>[] = [
  BedriftErrorCode,
  BudgetErrorCode,
  EmployeeErrorCode,
  ExpenseErrorCode,
  InvoiceErrorCode,
  InvoiceSequenceErrorCode,
  KontrollErrorCode,
  KontrollMalErrorCode,
  LedgerErrorCode,
  SessionErrorCode,
  UniqueErrorCode,
  UserErrorCode,
];

/** Every problem type of the edge: the generic ones and one per domain rule code. */
export const PROBLEM_TYPES: readonly ProblemTypeDoc[] = [
  ...Object.entries(ProblemTypes).map(([key, type]) => ({
    type,
    ...PROBLEM_DOCS[key as keyof typeof ProblemTypes],
  })),
  ...[...new Set(DOMAIN_CODES.flatMap((codes) => Object.values(codes)))]
    .filter((code) => !code.startsWith("auth."))
    .sort()
    .map((code) => {
      const [aggregate, rule] = code.split(".");
      return {
        type: problemTypeOfCode(code),
        status: "409 or 422",
        title: `${aggregate}: ${rule.replaceAll("_", " ")}`,
        description:
          `A rule of the ${aggregate} aggregate refuses the command (code \`${code}\`): 409 when the current state forbids it (it may succeed later), 422 when the request can never succeed as it is. The answer's \`title\` says what, in words.`,
        code,
      };
    }),
];

const BY_TYPE = new Map(PROBLEM_TYPES.map((p) => [p.type, p]));

const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

/**
 * The CSP of the Swagger UI page: its own scripts (files, and the inline
 * one by hash), styles (Swagger UI sets `style` attributes), images (its CSS
 * has `data:` icons), and requests to this node only (the documents, "Try
 * it out"); nobody may frame it.
 */
async function docsCsp(inlineScript: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(inlineScript),
  );
  const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
  return [
    "default-src 'none'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Routes of the documentation: the document, Swagger UI, problem pages. */
export function docsRoutes(
  groups: () => readonly RouteGroup[],
  defaultVersion: ApiVersion,
): RouteGroup {
  const group = new RouteGroup({
    tag: "Documentation",
    description: "This document, Swagger UI and the problem types",
    base: "",
    versioned: false,
  });
  const documents = new Map<string, string>();
  const documentOf = (versions?: readonly ApiVersion[]) => {
    const key = versions?.join(",") ?? "all";
    let text = documents.get(key);
    if (text === undefined) {
      text = JSON.stringify(
        openApiDocument(groups(), {
          versions,
          problemTypes: PROBLEM_TYPES,
          defaultVersion,
        }),
      );
      documents.set(key, text);
    }
    return text;
  };
  const json = (text: string) =>
    new Response(text, {
      headers: {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "public, max-age=60",
      },
    });

  group.route({
    method: "get",
    path: "/openapi.json",
    operationId: "openApiDocument",
    summary: "This OpenAPI 3.1 document (every version)",
    responses: {
      200: {
        description: "The document",
        content: { "application/json": { schema: { type: "object" } } },
      },
    },
    problems: [],
    access: "public",
  }, () => json(documentOf()));

  group.route({
    method: "get",
    path: "/openapi/:version",
    operationId: "openApiDocumentOfVersion",
    summary: "The OpenAPI 3.1 document of one version (`v1.json`, `v2.json`)",
    request: { params: { version: "`v1.json` or `v2.json`" } },
    responses: {
      200: {
        description: "The document",
        content: { "application/json": { schema: { type: "object" } } },
      },
    },
    problems: [404],
    access: "public",
  }, (c) => {
    const match = /^v(\d+)\.json$/.exec(c.req.param("version") ?? "");
    const version = Number(match?.[1]);
    if (!(API_VERSIONS as readonly number[]).includes(version)) {
      throw new NotFoundError("No such API version");
    }
    return json(documentOf([version as ApiVersion]));
  });

  // The standalone layout, for its top bar that switches between the
  // versions' documents (the bundle alone ignores `urls`).
  const urls = [...API_VERSIONS].reverse().map((v) => ({
    url: `/openapi/v${v}.json`,
    name: `v${v}`,
  }));
  // The one inline script of the page; its CSP names it by its hash.
  const init = `
window.onload = () => {
  window.ui = SwaggerUIBundle({
    dom_id: "#swagger-ui",
    urls: ${JSON.stringify(urls)},
    "urls.primaryName": ${JSON.stringify(urls[0].name)},
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
    deepLinking: true,
    docExpansion: "list",
    displayOperationId: true,
    persistAuthorization: true,
    validatorUrl: null,
  });
};
`;
  const ui = swaggerUI({
    url: urls[0].url,
    title: "TMS API",
    baseUrl: "/docs/assets",
    version: SWAGGER_UI_DIST_VERSION,
    manuallySwaggerUIHtml: (asset) => {
      const preset = asset.js[0].replace(
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
      );
      const icon = asset.css[0].replace("swagger-ui.css", "favicon-32x32.png");
      return `<link rel="icon" type="image/png" href="${icon}" />
<div id="swagger-ui"></div>
${asset.css.map((url) => `<link rel="stylesheet" href="${url}" />`).join("")}
${
        [...asset.js, preset].map((url) => `<script src="${url}"></script>`)
          .join("")
      }
<script>${init}</script>`;
    },
  });
  let csp: Promise<string> | undefined;
  group.route({
    method: "get",
    path: "/docs",
    operationId: "swaggerUi",
    summary: "Swagger UI over the documents of each version",
    responses: {
      200: {
        description: "An HTML page",
        content: { "text/html": { schema: { type: "string" } } },
      },
    },
    problems: [],
    access: "public",
  }, async (c) => {
    csp ??= docsCsp(init);
    c.header("Content-Security-Policy", await csp);
    return await ui(c, () => Promise.resolve()) as Response;
  });

  let assets: Promise<string> | undefined;
  group.route({
    method: "get",
    path: `/docs/assets/:package/:file`,
    operationId: "swaggerUiPackageAsset",
    summary: "Swagger UI's CSS and JS, `swagger-ui-dist@<version>/<file>`",
    request: {
      params: {
        package: `\`swagger-ui-dist@${SWAGGER_UI_DIST_VERSION}\``,
        file:
          "`swagger-ui.css`, `swagger-ui-bundle.js`, `swagger-ui-standalone-preset.js` or `favicon-32x32.png`",
      },
    },
    responses: {
      200: {
        description: "The asset",
        content: {
          "text/css": { schema: { type: "string" } },
          "text/javascript": { schema: { type: "string" } },
        },
      },
    },
    problems: [404],
    access: "public",
  }, async (c) => {
    const file = c.req.param("file") ?? "";
    if (
      c.req.param("package") !== `swagger-ui-dist@${SWAGGER_UI_DIST_VERSION}` ||
      !Object.hasOwn(ASSETS, file)
    ) {
      throw new NotFoundError("No such asset");
    }
    assets ??= swaggerUiAssetsDir();
    const bytes = await Deno.readFile(`${await assets}/${file}`);
    return c.body(bytes, 200, {
      "content-type": ASSETS[file],
      "cache-control": "public, max-age=86400, immutable",
    });
  });

  group.route({
    method: "get",
    path: "/problems",
    operationId: "listProblemTypes",
    summary: "Every problem type the API answers with",
    responses: {
      200: {
        description: "The problem types",
        content: { "application/json": { schema: { type: "object" } } },
      },
    },
    problems: [],
    access: "public",
  }, (c) => c.json({ items: PROBLEM_TYPES }));

  group.route({
    method: "get",
    path: "/problems/:type",
    operationId: "getProblemType",
    summary: "What one problem type means (HTML for a browser, else JSON)",
    request: { params: { type: "The last segment of the problem's `type`" } },
    responses: {
      200: {
        description: "Its description",
        content: {
          "text/html": { schema: { type: "string" } },
          "application/json": { schema: { type: "object" } },
        },
      },
    },
    problems: [404],
    access: "public",
  }, (c) => {
    const doc = BY_TYPE.get(`/problems/${c.req.param("type")}`);
    if (!doc) throw new NotFoundError("No such problem type");
    const accept = c.req.header("accept") ?? "";
    if (accept.includes("text/html")) {
      return c.html(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${
          escapeHtml(doc.title)
        } — TMS</title></head><body><h1>${
          escapeHtml(doc.title)
        }</h1><p>Status ${escapeHtml(String(doc.status))} · <code>${
          escapeHtml(doc.type)
        }</code></p><p>${
          escapeHtml(doc.description)
        }</p><p><a href="/docs">API documentation</a></p></body></html>`,
      );
    }
    return c.json(doc);
  });

  return group;
}
