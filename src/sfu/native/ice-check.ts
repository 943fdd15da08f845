/**
 * The responder side of an ICE connectivity check (RFC 8445 §7.3), for an ICE-lite agent: is a
 * STUN datagram a Binding request authenticated with one of our short-term credentials (RFC 8489
 * §9.1.3), and what do we answer. Pure: the credentials are passed in, the reply is bytes.
 */
import {
  Attr,
  MessageClass,
  Method,
  decodeMessage,
  encodeMessage,
  getAttribute,
  reasonPhrase,
  unknownComprehensionRequired,
  verifyMessageIntegrity,
  type DecodedStunMessage,
  type StunAttribute,
  type TransportAddress,
} from '../../stun/index.ts';

/** Where a datagram came from (the UDP source), as `node:dgram` reports it. */
export type IceAddress = TransportAddress;

/** Credentials a check may be authenticated with: our ufrag and password, and the peer's ufrag when known. */
export interface CheckCredentials {
  readonly localUfrag: string;
  /** HMAC key of MESSAGE-INTEGRITY: the local password's UTF-8 bytes (RFC 8489 §9.1.1) */
  readonly key: Uint8Array;
  /** undefined until the remote description is known: any sender part is then accepted */
  readonly remoteUfrag: string | undefined;
}

/** Why a datagram got no answer at all. Stable strings, safe to count. */
export type IceDropReason =
  | 'malformed'
  | 'not-binding'
  | 'indication'
  | 'response'
  | 'no-fingerprint'
  | 'failed'
  | 'closed';

/** Why a request got an error response (RFC 8489 §6.3.1.1, §9.1.3; RFC 8445 §7.3.1.1). */
export type IceRejectReason = 'bad-request' | 'unauthenticated' | 'unknown-attribute' | 'role-conflict';

/** What a check comes to. `index` is the position in the credential list that authenticated it. */
export type CheckVerdict =
  | { readonly kind: 'valid'; readonly index: number; readonly useCandidate: boolean; readonly reply: Uint8Array }
  | { readonly kind: 'rejected'; readonly reason: IceRejectReason; readonly code: number; readonly reply: Uint8Array }
  | { readonly kind: 'dropped'; readonly reason: IceDropReason };

/** Decodes a datagram as STUN; undefined if it is not a well-formed STUN message. */
export function decodeStun(bytes: Uint8Array): DecodedStunMessage | undefined {
  const r = decodeMessage(bytes);
  return r.ok ? r.value : undefined;
}

/** The local-ufrag part of a request's USERNAME ("local:remote", RFC 8445 §7.2.2), if any. */
export function usernameUfrag(msg: DecodedStunMessage): string | undefined {
  const username = getAttribute(msg, Attr.Username);
  if (username === undefined) return undefined;
  const colon = username.indexOf(':');
  return colon < 0 ? username : username.slice(0, colon);
}

function response(msg: DecodedStunMessage, cls: MessageClass, attributes: StunAttribute[], key: Uint8Array | undefined): Uint8Array {
  return encodeMessage(
    { method: Method.Binding, class: cls, transactionId: msg.transactionId, attributes },
    { integrityKey: key, fingerprint: true },
  );
}

/**
 * An error response (RFC 8489 §6.3.4). 400 and 401 carry no MESSAGE-INTEGRITY (§9.1.3: the
 * request was not authenticated); the others do. FINGERPRINT on all (RFC 8445 §7).
 */
function reject(msg: DecodedStunMessage, reason: IceRejectReason, code: number, key?: Uint8Array, unknown?: number[]): CheckVerdict {
  const attributes: StunAttribute[] = [{ type: Attr.ErrorCode, value: { code, reason: reasonPhrase(code) } }];
  if (unknown !== undefined) attributes.push({ type: Attr.UnknownAttributes, value: unknown });
  return { kind: 'rejected', reason, code, reply: response(msg, MessageClass.ErrorResponse, attributes, key) };
}

/** The source address as XOR-MAPPED-ADDRESS carries it: a link-local IPv6 source loses its zone ("%eth0"), which is local to this host. */
function mappedAddress(from: IceAddress): IceAddress {
  const zone = from.address.indexOf('%');
  return zone < 0 ? from : { family: from.family, address: from.address.slice(0, zone), port: from.port };
}

/** The credential entry the USERNAME names ("local:remote"), or -1. */
function findCredentials(username: string, creds: readonly CheckCredentials[]): number {
  const colon = username.indexOf(':');
  if (colon < 0) return -1;
  const local = username.slice(0, colon);
  const remote = username.slice(colon + 1);
  return creds.findIndex((c) => c.localUfrag === local && (c.remoteUfrag === undefined || c.remoteUfrag === remote));
}

/**
 * Judges one decoded STUN message received from `from` (RFC 8445 §7.3, RFC 8489 §6.3, §9.1.3).
 * A lite agent is always the controlled one (RFC 8445 §6.1.1), so a request that says the
 * sender is controlled as well is a role conflict it cannot resolve by switching: 487.
 */
export function checkBindingRequest(msg: DecodedStunMessage, from: IceAddress, creds: readonly CheckCredentials[]): CheckVerdict {
  if (msg.method !== Method.Binding) return { kind: 'dropped', reason: 'not-binding' };
  // RFC 8445 §11: Binding indications are keepalives; they get no answer and prove nothing.
  if (msg.class === MessageClass.Indication) return { kind: 'dropped', reason: 'indication' };
  // A lite agent sends no requests, so it expects no responses.
  if (msg.class !== MessageClass.Request) return { kind: 'dropped', reason: 'response' };
  // RFC 8445 §7 (RFC 7983): without FINGERPRINT it may not be a check meant for ICE at all.
  if (!msg.hasFingerprint) return { kind: 'dropped', reason: 'no-fingerprint' };
  const username = getAttribute(msg, Attr.Username);
  if (username === undefined || msg.integrityOffset < 0) return reject(msg, 'bad-request', 400);
  const index = findCredentials(username, creds);
  if (index < 0) return reject(msg, 'unauthenticated', 401);
  const key = creds[index].key;
  if (!verifyMessageIntegrity(msg, key)) return reject(msg, 'unauthenticated', 401);
  const unknown = unknownComprehensionRequired(msg);
  if (unknown.length > 0) return reject(msg, 'unknown-attribute', 420, key, unknown);
  if (getAttribute(msg, Attr.IceControlled) !== undefined) return reject(msg, 'role-conflict', 487, key);
  // RFC 8489 §7.3.1: the success response reflects the source transport address.
  const reply = response(msg, MessageClass.SuccessResponse, [{ type: Attr.XorMappedAddress, value: mappedAddress(from) }], key);
  return { kind: 'valid', index, useCandidate: getAttribute(msg, Attr.UseCandidate) !== undefined, reply };
}
