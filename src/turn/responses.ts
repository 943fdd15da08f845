/**
 * Building answers to STUN requests (RFC 8489 §6.3): success and error responses with the
 * attributes every answer shares — SOFTWARE when asked, MESSAGE-INTEGRITY (or -SHA256, as the
 * request had) when the request was authenticated, FINGERPRINT when the client uses it or the server always adds it.
 */
import { encodeMessage, getAttribute, reasonPhrase, type EncodeOptions } from '../stun/index.ts';
import { Attr, MessageClass, type DecodedStunMessage, type StunAttribute } from '../stun/types.ts';
import type { TurnCoreOptions } from './core-options.ts';

/** How a response is finished: integrity key (authenticated) and fingerprint. */
export interface AnswerSeal {
  key?: Uint8Array;
}

function common(req: DecodedStunMessage, opts: TurnCoreOptions, attrs: StunAttribute[]): StunAttribute[] {
  if (opts.software !== undefined && getAttribute(req, Attr.Software) !== undefined) {
    attrs.push({ type: Attr.Software, value: opts.software });
  }
  return attrs;
}

function wantsFingerprint(req: DecodedStunMessage, opts: TurnCoreOptions): boolean {
  return opts.fingerprint || req.hasFingerprint;
}

/**
 * RFC 8489 §9.2.4: the answer carries the integrity attribute the request carried —
 * MESSAGE-INTEGRITY-SHA256 for a request that had it, else MESSAGE-INTEGRITY.
 */
function sealOptions(req: DecodedStunMessage, opts: TurnCoreOptions, seal: AnswerSeal): EncodeOptions {
  const fingerprint = wantsFingerprint(req, opts);
  if (seal.key === undefined) return { fingerprint };
  return req.integritySha256Offset >= 0 ? { integritySha256Key: seal.key, fingerprint } : { integrityKey: seal.key, fingerprint };
}

/** RFC 8489 §6.3.1: a success response carrying `attrs`. */
export function successResponse(
  req: DecodedStunMessage,
  opts: TurnCoreOptions,
  attrs: StunAttribute[],
  seal: AnswerSeal = {},
): Buffer {
  return encodeMessage(
    { method: req.method, class: MessageClass.SuccessResponse, transactionId: req.transactionId, attributes: common(req, opts, attrs) },
    sealOptions(req, opts, seal),
  );
}

/** RFC 8489 §6.3.4: an error response with ERROR-CODE `code` and extra attributes. */
export function errorResponse(
  req: DecodedStunMessage,
  opts: TurnCoreOptions,
  code: number,
  extra: StunAttribute[] = [],
  seal: AnswerSeal = {},
  phrase: string = reasonPhrase(code),
): Buffer {
  const attrs: StunAttribute[] = [{ type: Attr.ErrorCode, value: { code, reason: phrase } }, ...extra];
  return encodeMessage(
    { method: req.method, class: MessageClass.ErrorResponse, transactionId: req.transactionId, attributes: common(req, opts, attrs) },
    sealOptions(req, opts, seal),
  );
}
