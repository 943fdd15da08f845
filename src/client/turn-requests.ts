/**
 * The requests a TURN client sends (RFC 8656 §7 Allocate, §7.2 Refresh, §9 CreatePermission,
 * §11 ChannelBind) and the long-term credential dance around them (RFC 8489 §9.2): pure
 * builders and decisions, no sockets. The caller passes the transaction id and the clock.
 */
import { longTermKey, longTermKeySha256 } from '../auth/long-term-key.ts';
import { nonceOffersPasswordAlgorithms, nonceOffersUsernameAnonymity } from '../auth/nonce.ts';
import { PasswordAlgorithm, userhashOf } from '../auth/password-algorithms.ts';
import { restApiPassword } from '../auth/rest-api.ts';
import { canonicalIp, getAttribute } from '../stun/index.ts';
import {
  Attr,
  MessageClass,
  type AddressFamily,
  type PasswordAlgorithmValue,
  type StunAttribute,
  type StunMessage,
  type TransportAddress,
} from '../stun/types.ts';
import type { EncodeOptions } from '../stun/index.ts';

/** RFC 8656 §18.5 / RFC 8489: IANA protocol number for UDP in REQUESTED-TRANSPORT. */
const UDP_PROTOCOL = 17;

/** A user name and password for long-term credentials (RFC 8489 §9.2). */
export interface LongTermCredentials {
  username: string;
  password: string;
  /**
   * RFC 8489 §9.2.3: when the server offers PASSWORD-ALGORITHMS, choose this one (the requests
   * then carry PASSWORD-ALGORITHM, PASSWORD-ALGORITHMS and, for 'sha256', MESSAGE-INTEGRITY-SHA256).
   * Unset: RFC 5389 behaviour, MD5 and MESSAGE-INTEGRITY whatever the server offers.
   */
  passwordAlgorithm?: 'md5' | 'sha256';
  /** RFC 8489 §9.2.3: name the user by USERHASH when the server's nonce offers username anonymity */
  userhash?: boolean;
}

/**
 * TURN REST API credentials (draft-uberti-behave-turn-rest-00 §2.2), as `turnutils_uclient -W`
 * makes them: user name `<expiry><sep><user>` (or a bare expiry without a user), password
 * base64(HMAC-SHA1(secret, user name)). Valid `ttlSeconds` from `nowMs`.
 */
export function restCredentials(secret: string, user: string | undefined, separator: string, nowMs: number, ttlSeconds = 86400): LongTermCredentials {
  const expiry = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = user === undefined || user === '' ? String(expiry) : `${expiry}${separator}${user}`;
  return { username, password: restApiPassword(secret, username) };
}

/** What a client learns from the server's challenge: realm, nonce and the key they give (RFC 8489 §9.2.3). */
export interface AuthState {
  credentials: LongTermCredentials | undefined;
  realm: string | undefined;
  nonce: string | undefined;
  key: Uint8Array | undefined;
  /** the challenge's PASSWORD-ALGORITHMS, echoed with the chosen algorithm (RFC 8489 §9.2.3.1) */
  offered?: PasswordAlgorithmValue[];
  /** the chosen algorithm: SHA-256 signs with MESSAGE-INTEGRITY-SHA256 */
  algorithm?: number;
}

/** A fresh state: credentials known, nothing learnt from the server yet. */
export function initialAuth(credentials: LongTermCredentials | undefined): AuthState {
  return { credentials, realm: undefined, nonce: undefined, key: undefined };
}

/**
 * Builds a request with the credential attributes once a realm is known: USERNAME, REALM,
 * NONCE, then MESSAGE-INTEGRITY (RFC 8489 §9.2.4). Before the first challenge the request
 * goes without them, and the server answers 401 with a realm and a nonce.
 */
export function signedRequest(method: number, attributes: StunAttribute[], auth: AuthState, transactionId: Uint8Array): { msg: StunMessage; opts: EncodeOptions } {
  const attrs = [...attributes];
  if (auth.credentials !== undefined && auth.realm !== undefined && auth.nonce !== undefined && auth.key !== undefined) {
    const anonymous = auth.credentials.userhash === true && nonceOffersUsernameAnonymity(auth.nonce);
    attrs.push(
      anonymous ? { type: Attr.Userhash, value: userhashOf(auth.credentials.username, auth.realm) } : { type: Attr.Username, value: auth.credentials.username },
      { type: Attr.Realm, value: auth.realm },
      { type: Attr.Nonce, value: auth.nonce },
    );
    if (auth.offered !== undefined && auth.algorithm !== undefined) {
      attrs.push(
        { type: Attr.PasswordAlgorithm, value: { algorithm: auth.algorithm, parameters: new Uint8Array(0) } },
        { type: Attr.PasswordAlgorithms, value: auth.offered },
      );
    }
    const opts: EncodeOptions = auth.algorithm === PasswordAlgorithm.SHA256 ? { integritySha256Key: auth.key } : { integrityKey: auth.key };
    return { msg: { method, class: MessageClass.Request, transactionId, attributes: attrs }, opts };
  }
  return { msg: { method, class: MessageClass.Request, transactionId, attributes: attrs }, opts: {} };
}

/** What to do with the answer to a request (RFC 8489 §9.2.5). */
export type AuthDecision =
  | { kind: 'answer' }
  | { kind: 'retry'; auth: AuthState }
  | { kind: 'fail'; code: number; reason: string };

/**
 * Decides on an answer: a success or an error that is not about credentials is the answer; a
 * first 401 with REALM and NONCE is retried with credentials (§9.2.3); a 438 Stale Nonce is
 * retried with the new nonce (§9.2.5); a 401 to a request that already carried credentials
 * means they are wrong. `attempts` counts the sends so far, so a server that keeps
 * answering 438 cannot loop the client forever.
 */
export function decideAuth(answer: StunMessage, auth: AuthState, attempts: number): AuthDecision {
  if (answer.class !== MessageClass.ErrorResponse) return { kind: 'answer' };
  const error = getAttribute(answer, Attr.ErrorCode);
  const code = error?.code ?? 0;
  const nonce = getAttribute(answer, Attr.Nonce);
  if (code === 401) {
    const realm = getAttribute(answer, Attr.Realm);
    if (auth.credentials === undefined) return { kind: 'fail', code, reason: 'Unauthorized: the server wants credentials (-u and -w, or -W)' };
    if (auth.key !== undefined || realm === undefined || nonce === undefined) {
      return { kind: 'fail', code, reason: `Unauthorized: ${error?.reason || 'wrong user name or password'}` };
    }
    return { kind: 'retry', auth: challengedAuth(answer, auth.credentials, realm, nonce) };
  }
  if (code === 438 && nonce !== undefined && attempts < 4) {
    const realm = getAttribute(answer, Attr.Realm) ?? auth.realm;
    if (auth.credentials === undefined || realm === undefined) return { kind: 'answer' };
    return { kind: 'retry', auth: challengedAuth(answer, auth.credentials, realm, nonce) };
  }
  return { kind: 'answer' };
}

/**
 * The state after a 401 or 438 (RFC 8489 §9.2.3.1): the key of the password algorithm the
 * credentials ask for, when the challenge offers it (PASSWORD-ALGORITHMS and the nonce's
 * feature bit); MD5 otherwise.
 */
function challengedAuth(answer: StunMessage, credentials: LongTermCredentials, realm: string, nonce: string): AuthState {
  const { username, password } = credentials;
  const offered = getAttribute(answer, Attr.PasswordAlgorithms);
  if (credentials.passwordAlgorithm === undefined || offered === undefined || !nonceOffersPasswordAlgorithms(nonce)) {
    return { credentials, realm, nonce, key: longTermKey(username, realm, password) };
  }
  const sha256 = credentials.passwordAlgorithm === 'sha256' && offered.some((a) => a.algorithm === PasswordAlgorithm.SHA256);
  const algorithm = sha256 ? PasswordAlgorithm.SHA256 : PasswordAlgorithm.MD5;
  const key = sha256 ? longTermKeySha256(username, realm, password) : longTermKey(username, realm, password);
  return { credentials, realm, nonce, key, offered, algorithm };
}

/** A transport address from IP text and port; undefined when the text is not an IP. */
export function transportAddress(ip: string, port: number): TransportAddress | undefined {
  const c = canonicalIp(ip);
  return c === undefined ? undefined : { family: c.family, address: c.address, port };
}

/** What an Allocate asks for (RFC 8656 §7.1). */
export interface AllocateParams {
  /** REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.11) */
  family?: AddressFamily;
  /** EVEN-PORT with R=1: reserve the next port for RTCP (§18.7) */
  reserveNextPort?: boolean;
  /** RESERVATION-TOKEN from an earlier EVEN-PORT allocation (§18.9) */
  reservationToken?: Uint8Array;
  /** DONT-FRAGMENT (§18.8) */
  dontFragment?: boolean;
  /** LIFETIME in seconds (§18.4) */
  lifetime?: number;
  /** an empty MOBILITY-TICKET: ask for one, to move the allocation later (RFC 8016 §3.1) */
  mobility?: boolean;
}

/** The attributes of an Allocate request for a UDP relay (RFC 8656 §7.1). */
export function allocateAttributes(p: AllocateParams): StunAttribute[] {
  const attrs: StunAttribute[] = [{ type: Attr.RequestedTransport, value: UDP_PROTOCOL }];
  if (p.lifetime !== undefined) attrs.push({ type: Attr.Lifetime, value: p.lifetime });
  // §7.1: RESERVATION-TOKEN excludes EVEN-PORT and REQUESTED-ADDRESS-FAMILY (the token fixes the family).
  if (p.reservationToken !== undefined) attrs.push({ type: Attr.ReservationToken, value: p.reservationToken });
  else {
    if (p.reserveNextPort) attrs.push({ type: Attr.EvenPort, value: { reserveNext: true } });
    if (p.family !== undefined) attrs.push({ type: Attr.RequestedAddressFamily, value: p.family });
  }
  if (p.dontFragment) attrs.push({ type: Attr.DontFragment, value: true });
  if (p.mobility) attrs.push({ type: Attr.MobilityTicket, value: new Uint8Array(0) });
  return attrs;
}

/** The attributes of a Refresh request (RFC 8656 §7.2); lifetime 0 deletes the allocation. */
export function refreshAttributes(lifetime: number): StunAttribute[] {
  return [{ type: Attr.Lifetime, value: lifetime }];
}

/** The attributes of a CreatePermission request (RFC 8656 §9.1): one XOR-PEER-ADDRESS per peer. */
export function createPermissionAttributes(peers: readonly TransportAddress[]): StunAttribute[] {
  return peers.map((p) => ({ type: Attr.XorPeerAddress, value: p }));
}

/** The attributes of a ChannelBind request (RFC 8656 §11.1). */
export function channelBindAttributes(channel: number, peer: TransportAddress): StunAttribute[] {
  return [
    { type: Attr.ChannelNumber, value: channel },
    { type: Attr.XorPeerAddress, value: peer },
  ];
}

/** What a successful Allocate gave (RFC 8656 §7.3). */
export interface AllocateResult {
  relayed: TransportAddress;
  mapped: TransportAddress | undefined;
  lifetime: number;
  reservationToken: Uint8Array | undefined;
  /** RFC 8016 §3.1: the ticket that moves the allocation to another 5-tuple, when asked for and granted */
  mobilityTicket?: Uint8Array;
}

/** Reads an Allocate success response; undefined when it has no XOR-RELAYED-ADDRESS. */
export function readAllocateSuccess(answer: StunMessage): AllocateResult | undefined {
  const relayed = getAttribute(answer, Attr.XorRelayedAddress);
  if (relayed === undefined) return undefined;
  const ticket = getAttribute(answer, Attr.MobilityTicket);
  return {
    relayed,
    mapped: getAttribute(answer, Attr.XorMappedAddress),
    lifetime: getAttribute(answer, Attr.Lifetime) ?? 600,
    reservationToken: getAttribute(answer, Attr.ReservationToken),
    ...(ticket === undefined ? {} : { mobilityTicket: ticket }),
  };
}

/** "400 Bad Request" from an error response, for reports. */
export function describeError(answer: StunMessage): string {
  const e = getAttribute(answer, Attr.ErrorCode);
  return e === undefined ? 'error response without ERROR-CODE' : `${e.code} ${e.reason}`.trim();
}

/**
 * The channel number client `index` binds (RFC 8656 §12): 0x4000–0x4FFF by default; with
 * `rfc5766` 0x5000–0x7FFF, numbers RFC 5766 §11 allowed and RFC 8656 no longer does.
 */
export function channelNumberFor(index: number, rfc5766: boolean): number {
  return rfc5766 ? 0x5000 + (index % 0x3000) : 0x4000 + (index % 0x1000);
}
