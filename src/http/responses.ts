/**
 * JSON responses of Turnpike's HTTP API. Every refusal is a value sent to the client as
 * `{ "error": { "code", "message" } }` with the matching status (RFC 9110 §15), so scripts can
 * branch on `code` and people can read `message`.
 */
import type http from 'node:http';

/** Stable `error.code` strings of HTTP API responses (documented in docs/http-api.md). */
export const HttpErrorCode = {
  BAD_REQUEST: 'bad_request',
  UNAUTHORIZED: 'unauthorized',
  NOT_FOUND: 'not_found',
  METHOD_NOT_ALLOWED: 'method_not_allowed',
  PAYLOAD_TOO_LARGE: 'payload_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  INTERNAL: 'internal_error',
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/** Sends `body` as JSON with `status`; responses carrying credentials should pass `no-store`. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/** Sends the standard error body `{ error: { code, message } }` (RFC 9110 §15.5, §15.6). */
export function sendError(
  res: http.ServerResponse,
  status: number,
  code: HttpErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

/** Answers with a redirect to `location` (RFC 9110 §15.4); 308 keeps the method for non-GET. */
export function sendRedirect(res: http.ServerResponse, location: string, status: 301 | 302 | 307 | 308 = 302): void {
  res.writeHead(status, { Location: location, 'Content-Length': 0, 'Cache-Control': 'no-cache' });
  res.end();
}

/** What `readJsonBody` gives: the parsed value, or the error response to send. */
export type JsonBody =
  | { ok: true; value: unknown }
  | { ok: false; status: 400 | 413 | 415; code: HttpErrorCode; message: string };

/**
 * Reads and parses a JSON request body of at most `limitBytes` (default 64 KiB), for the
 * admin API's PUT/POST routes. Bad input gives a 4xx description, never a thrown error.
 */
export async function readJsonBody(req: http.IncomingMessage, limitBytes = 65536): Promise<JsonBody> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    return { ok: false, status: 415, code: HttpErrorCode.UNSUPPORTED_MEDIA_TYPE,
      message: 'send the body as Content-Type: application/json' };
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limitBytes) return tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) return tooLarge(limitBytes);
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch (err) {
    return { ok: false, status: 400, code: HttpErrorCode.BAD_REQUEST,
      message: `the body is not valid JSON: ${(err as Error).message}` };
  }
}

function tooLarge(limitBytes: number): JsonBody {
  return { ok: false, status: 413, code: HttpErrorCode.PAYLOAD_TOO_LARGE,
    message: `the body is larger than ${limitBytes} bytes` };
}
