/**
 * Validates an AsyncAPI document with `@asyncapi/parser` (the tests use it
 * for `/asyncapi.json`). The parser runs in a `deno eval` of its own, pinned
 * by `asyncapi_parser.lock` beside this file, not by deno.lock: see
 * `ASYNCAPI_PARSER` in deps.ts for why.
 */
import { ASYNCAPI_PARSER } from "../deps.ts";

const LOCK = new URL("./asyncapi_parser.lock", import.meta.url).pathname;

/** One finding of the parser (severity 0 is an error). */
export interface AsyncApiDiagnostic {
  code: string;
  message: string;
  severity: number;
  path: (string | number)[];
}

/** What the parser made of a document. */
export interface AsyncApiValidation {
  /** The document's `asyncapi` version, when it parsed. */
  version: string | null;
  channels: number;
  messages: number;
  diagnostics: AsyncApiDiagnostic[];
}

/**
 * Parses and validates `document` (JSON text); the first run downloads the
 * parser from the npm registry into Deno's cache.
 */
export async function validateAsyncApi(
  document: string,
  options: { frozen?: boolean } = {},
): Promise<AsyncApiValidation> {
  const code = `
    const { Parser } = await import(${JSON.stringify(ASYNCAPI_PARSER)});
    const text = await new Response(Deno.stdin.readable).text();
    const { document, diagnostics } = await new Parser().parse(text);
    console.log(JSON.stringify({
      version: document ? document.version() : null,
      channels: document ? document.allChannels().all().length : 0,
      messages: document ? document.allMessages().all().length : 0,
      diagnostics: diagnostics.map(({ code, message, severity, path }) =>
        ({ code: String(code), message, severity, path })),
    }));`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--no-config",
      ...(options.frozen === false ? [] : ["--frozen"]),
      `--lock=${LOCK}`,
      code,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(document));
  await writer.close();
  const output = await child.output();
  const text = new TextDecoder().decode(output.stdout).trim();
  if (!output.success || !text) {
    throw new Error(
      `${ASYNCAPI_PARSER} did not run (deno eval exited with ${output.code}): ${
        new TextDecoder().decode(output.stderr).slice(-2000)
      }`,
    );
  }
  return JSON.parse(text.split("\n").at(-1)!) as AsyncApiValidation;
}
