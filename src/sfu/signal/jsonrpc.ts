/**
 * JSON-RPC 2.0 framing (JSON-RPC 2.0 §4–§5) as ion-sfu's signalling uses it: one object per
 * WebSocket text frame, `"jsonrpc":"2.0"` optional on input (ion-sdk-js never sends it), ids
 * numbers or strings. Pure: text in, typed message or error value out, never throws.
 */

/** A request id (JSON-RPC 2.0 §4). */
export type RpcId = string | number;

/** Error codes: JSON-RPC 2.0 §5.1 for framing, and ion-sfu's catch-all 500 for failed calls. */
export const RpcErrorCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  /** JSON-RPC 2.0 §5.1: the server failed handling a message (a fault, counted and logged) */
  internalError: -32603,
  /** rate or size limit hit (server-defined range, §5.1) */
  limitExceeded: -32000,
  /** what ion-sfu returns for every failed call ("rtc transport already exists ...") */
  sfu: 500,
  /** a `join` its join token does not cover (Turnpike's `[auth]`, docs/jsonrpc.md) */
  unauthorized: 401,
} as const;
export type RpcErrorCode = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

/** A JSON-RPC error object (§5.1). */
export interface RpcError {
  readonly code: RpcErrorCode;
  readonly message: string;
}

/** What one incoming frame turned out to be. */
export type Incoming =
  | { readonly kind: 'request'; readonly id: RpcId; readonly method: string; readonly params: unknown }
  | { readonly kind: 'notification'; readonly method: string; readonly params: unknown }
  | { readonly kind: 'response'; readonly id: RpcId | null; readonly result: unknown; readonly error: unknown }
  | { readonly kind: 'invalid'; readonly id: RpcId | null; readonly error: RpcError };

function isId(v: unknown): v is RpcId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

/** Decodes one frame's text. */
export function decodeFrame(text: string): Incoming {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { kind: 'invalid', id: null, error: { code: RpcErrorCode.parseError, message: 'parse error: not JSON' } };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    // Batches (§6) are not part of ion-sfu's protocol.
    const message = Array.isArray(v) ? 'invalid request: batches are not supported' : 'invalid request: expected an object';
    return { kind: 'invalid', id: null, error: { code: RpcErrorCode.invalidRequest, message } };
  }
  const o = v as Record<string, unknown>;
  const hasId = Object.hasOwn(o, 'id') && o.id !== null;
  if (hasId && !isId(o.id)) {
    return { kind: 'invalid', id: null, error: { code: RpcErrorCode.invalidRequest, message: 'invalid request: id must be a string or number' } };
  }
  const id = hasId ? (o.id as RpcId) : null;
  if (o.jsonrpc !== undefined && o.jsonrpc !== '2.0') {
    return { kind: 'invalid', id, error: { code: RpcErrorCode.invalidRequest, message: 'invalid request: jsonrpc must be "2.0"' } };
  }
  if (o.method === undefined && (Object.hasOwn(o, 'result') || Object.hasOwn(o, 'error'))) {
    return { kind: 'response', id, result: o.result, error: o.error };
  }
  if (typeof o.method !== 'string') {
    return { kind: 'invalid', id, error: { code: RpcErrorCode.invalidRequest, message: 'invalid request: method must be a string' } };
  }
  const params = o.params;
  return id === null ? { kind: 'notification', method: o.method, params } : { kind: 'request', id, method: o.method, params };
}

/** A successful response (§5). */
export function encodeResult(id: RpcId, result: unknown): string {
  return JSON.stringify({ id, result, jsonrpc: '2.0' });
}

/** An error response (§5); `id` is null when the request's id could not be read. */
export function encodeError(id: RpcId | null, error: RpcError): string {
  return JSON.stringify({ id, error: { code: error.code, message: error.message, data: null }, jsonrpc: '2.0' });
}

/** A notification (§4.1). */
export function encodeNotification(method: string, params: unknown): string {
  return JSON.stringify({ method, params, jsonrpc: '2.0' });
}

/** A request (§4), as clients send it. */
export function encodeRequest(id: RpcId, method: string, params: unknown): string {
  return JSON.stringify({ method, params, id, jsonrpc: '2.0' });
}
