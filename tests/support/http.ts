/** HTTP helpers of the end-to-end tests against real server processes. */

/**
 * Sends `body` as JSON (when given) to `base + path` and returns the status
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
    headers: body === undefined
      ? headers
      : { "content-type": "application/json", ...headers },
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
