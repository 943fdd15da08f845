/**
 * The long-term credential mechanism on the server side (RFC 8489 §9.2.4): challenge, nonce
 * check, password algorithm (§9.2.4 bid-down protection), key choice and MESSAGE-INTEGRITY or
 * MESSAGE-INTEGRITY-SHA256 verification; and the third-party authorization challenge
 * (RFC 7635 §5). Pure: keys are looked up before this runs (the store may be a database, an
 * access token is opened there too) and handed in.
 */
import { getAttribute, verifyMessageIntegrity, verifyMessageIntegritySha256 } from '../stun/index.ts';
import { Attr, type DecodedStunMessage, type StunAttribute } from '../stun/types.ts';
import type { KeyLookup } from '../auth/credential-store.ts';
import { nonceOffersPasswordAlgorithms, type NonceService } from '../auth/nonce.ts';
import { choosePasswordAlgorithm, OFFERED_PASSWORD_ALGORITHMS, PasswordAlgorithm } from '../auth/password-algorithms.ts';
import type { AuthFailure } from './drop-reason.ts';

/** The outcome of checking a request's credentials. */
export type AuthOutcome =
  | { ok: true; username: string; realm: string; key: Uint8Array; oauth?: boolean; tokenRealm?: string; tokenExpiresAt?: number }
  | { ok: false; code: 400 | 401 | 438; reason: AuthFailure; attrs: StunAttribute[] };

/** What the challenge offers beyond REALM and NONCE (a subset of the core's options). */
export interface AuthFeatures {
  /** RFC 8489 §9.2.1: PASSWORD-ALGORITHMS in challenges, SHA-256 keys and USERHASH accepted */
  passwordAlgorithms?: boolean;
  /** RFC 7635 §5: THIRD-PARTY-AUTHORIZATION in challenges */
  oauth?: boolean;
  /** its value; default the realm (as coturn does) */
  oauthServerName?: string;
}

/** Does this request carry credentials worth looking a key up for? */
export function carriesCredentials(req: DecodedStunMessage): boolean {
  return (req.integrityOffset >= 0 || req.integritySha256Offset >= 0) && (getAttribute(req, Attr.Username) !== undefined || getAttribute(req, Attr.Userhash) !== undefined);
}

/** The attributes of a 401 or 438 (RFC 8489 §9.2.4, RFC 7635 §5). */
export function challengeAttributes(realm: string, nonce: string, features: AuthFeatures): StunAttribute[] {
  const attrs: StunAttribute[] = [
    { type: Attr.Realm, value: realm },
    { type: Attr.Nonce, value: nonce },
  ];
  if (features.passwordAlgorithms === true) attrs.push({ type: Attr.PasswordAlgorithms, value: [...OFFERED_PASSWORD_ALGORITHMS] });
  if (features.oauth === true) attrs.push({ type: Attr.ThirdPartyAuthorization, value: features.oauthServerName || realm });
  return attrs;
}

/**
 * RFC 8489 §9.2.4. `lookup` is the store's answer for the request's USERNAME or USERHASH
 * (undefined when the request carries none). Failing answers carry the REALM and a fresh NONCE
 * to retry with (and PASSWORD-ALGORITHMS, THIRD-PARTY-AUTHORIZATION when offered).
 */
export function authenticate(
  req: DecodedStunMessage,
  lookup: KeyLookup | undefined,
  realm: string,
  nonces: NonceService,
  clientIp: string,
  now: number,
  features: AuthFeatures = {},
): AuthOutcome {
  const challenge = (): StunAttribute[] => challengeAttributes(realm, nonces.issue(clientIp, now), features);
  const sha256 = req.integritySha256Offset >= 0;
  if (req.integrityOffset < 0 && !sha256) return { ok: false, code: 401, reason: 'no-credentials', attrs: challenge() };
  const named = getAttribute(req, Attr.Username) ?? (getAttribute(req, Attr.Userhash) !== undefined ? '' : undefined);
  const reqRealm = getAttribute(req, Attr.Realm);
  const nonce = getAttribute(req, Attr.Nonce);
  if (named === undefined || reqRealm === undefined || nonce === undefined) {
    return { ok: false, code: 400, reason: 'missing-username-realm-or-nonce', attrs: [] };
  }
  // RFC 8489 §9.2.4: a nonce that is not (or no longer) good gets 438 and a fresh one. That
  // includes nonces this server cannot verify at all: one issued under a rotated secret, by a
  // fleet member with another secret, to another address, or garbled on the way. 401 would
  // end a live allocation (libwebrtc gives up on a 401 to Refresh); 438 costs a round trip.
  const nonceState = nonces.check(nonce, clientIp, now);
  if (nonceState === 'stale') return { ok: false, code: 438, reason: 'stale-nonce', attrs: challenge() };
  if (nonceState === 'invalid') return { ok: false, code: 438, reason: 'invalid-nonce', attrs: challenge() };
  if (reqRealm !== realm) return { ok: false, code: 401, reason: 'wrong-realm', attrs: challenge() };
  // The nonce is ours, so its feature bits say what this server offered when it issued it.
  const choice = choosePasswordAlgorithm(req, features.passwordAlgorithms === true && nonceOffersPasswordAlgorithms(nonce));
  if (!choice.ok) return { ok: false, code: 400, reason: choice.why, attrs: [] };
  if (!lookup || lookup.keys.length === 0) {
    return { ok: false, code: 401, reason: lookup?.reason ?? 'unknown-user', attrs: challenge() };
  }
  const username = lookup.username ?? named;
  // An access token's MAC key is no password hash: PASSWORD-ALGORITHM does not apply to it.
  const keys = lookup.oauth === true || choice.algorithm === PasswordAlgorithm.MD5 ? lookup.keys : (lookup.sha256Keys ?? []);
  if (keys.length === 0) return { ok: false, code: 401, reason: 'password-algorithm-unavailable', attrs: challenge() };
  // RFC 8489 §14.6: with MESSAGE-INTEGRITY-SHA256 present, MESSAGE-INTEGRITY is not looked at.
  const verify = sha256 ? verifyMessageIntegritySha256 : verifyMessageIntegrity;
  for (const key of keys) {
    if (verify(req, key)) return { ok: true, username, realm, key, ...(lookup.oauth === true ? { oauth: true, tokenRealm: lookup.realm, tokenExpiresAt: lookup.expiresAtMs } : {}) };
  }
  return { ok: false, code: 401, reason: 'bad-integrity', attrs: challenge() };
}
