/**
 * The long-term credential mechanism on the server side (RFC 8489 §9.2.4): challenge, nonce
 * check, key choice and MESSAGE-INTEGRITY verification. Pure: keys are looked up before this
 * runs (the store may be a database) and handed in.
 */
import { getAttribute, verifyMessageIntegrity } from '../stun/index.ts';
import { Attr, type DecodedStunMessage, type StunAttribute } from '../stun/types.ts';
import type { KeyLookup } from '../auth/credential-store.ts';
import type { NonceService } from '../auth/nonce.ts';
import type { AuthFailure } from './drop-reason.ts';

/** The outcome of checking a request's credentials. */
export type AuthOutcome =
  | { ok: true; username: string; realm: string; key: Uint8Array }
  | { ok: false; code: 400 | 401 | 438; reason: AuthFailure; attrs: StunAttribute[] };

/** Does this request carry credentials worth looking a key up for? */
export function carriesCredentials(req: DecodedStunMessage): boolean {
  return req.integrityOffset >= 0 && getAttribute(req, Attr.Username) !== undefined;
}

/**
 * RFC 8489 §9.2.4. `lookup` is the store's answer for the request's USERNAME (undefined when
 * the request carries none). Failing answers carry the REALM and a fresh NONCE to retry with.
 */
export function authenticate(
  req: DecodedStunMessage,
  lookup: KeyLookup | undefined,
  realm: string,
  nonces: NonceService,
  clientIp: string,
  now: number,
): AuthOutcome {
  const challenge = (): StunAttribute[] => [
    { type: Attr.Realm, value: realm },
    { type: Attr.Nonce, value: nonces.issue(clientIp, now) },
  ];
  if (req.integrityOffset < 0) return { ok: false, code: 401, reason: 'no-credentials', attrs: challenge() };
  const username = getAttribute(req, Attr.Username);
  const reqRealm = getAttribute(req, Attr.Realm);
  const nonce = getAttribute(req, Attr.Nonce);
  if (username === undefined || reqRealm === undefined || nonce === undefined) {
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
  if (!lookup || lookup.keys.length === 0) {
    return { ok: false, code: 401, reason: lookup?.reason ?? 'unknown-user', attrs: challenge() };
  }
  for (const key of lookup.keys) {
    if (verifyMessageIntegrity(req, key)) return { ok: true, username, realm, key };
  }
  return { ok: false, code: 401, reason: 'bad-integrity', attrs: challenge() };
}
