/** HTTP helpers of the end-to-end tests against real server processes. */
import { authHeaders } from "../../ops/server_process.ts";

/**
 * Sends `body` as JSON (when given) to `base + path` — with the ADMIN's token
 * when `base` is a server this process started — and returns the status
 * and the parsed JSON answer (null when empty; a non-JSON answer throws).
 */
export async function callJson(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: ReturnType<typeof JSON.parse> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? { ...authHeaders(base), ...headers } : {
      "content-type": "application/json",
      ...authHeaders(base),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** `size` bytes with a JPEG signature (a real camera photo is not needed to test). */
export function jpegPhoto(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size).fill(42);
  bytes.set([0xff, 0xd8, 0xff, 0xe0]);
  return bytes;
}

/** `size` bytes with a PDF signature (`%PDF-`), e.g. a scanned receipt. */
export function pdfReceipt(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size).fill(32);
  bytes.set(new TextEncoder().encode("%PDF-1.7\n"));
  return bytes;
}
