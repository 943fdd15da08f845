/**
 * Why a 401 (or 438) happened, in words an operator can act on at 3 a.m., with a hint: for
 * the log (precise), and a shorter phrase for the answer's reason phrase (RFC 8489 §14.8),
 * which browsers show as `icecandidateerror.errorText`. The phrase never tells an unknown
 * user from a wrong password, so it cannot be used to find user names. Pure.
 */
import { parseRestUsername } from '../auth/rest-api.ts';
import type { AuthFailure } from './drop-reason.ts';

/** What is known about a failed request. */
export interface AuthFailureDetails {
  user: string | undefined;
  /** the REALM the request carried */
  sentRealm: string | undefined;
  /** the realm the server expected */
  expectedRealm: string;
  /** `rest-api-separator` */
  separator: string;
}

/** The explanation: `words` and `hint` for the log, `phrase` for the wire. */
export interface AuthExplanation {
  words: string;
  hint: string;
  phrase: string;
}

const ago = (seconds: number): string =>
  seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.round(seconds / 60)} minutes` : seconds < 172_800 ? `${Math.round(seconds / 3600)} hours` : `${Math.round(seconds / 86_400)} days`;

/** See the module comment. `nowMs` dates expired REST user names. */
export function explainAuthFailure(reason: AuthFailure, d: AuthFailureDetails, nowMs: number): AuthExplanation {
  const realm = d.expectedRealm;
  switch (reason) {
    case 'no-credentials':
      return { words: 'the request carries no credentials', hint: 'the normal first step: the client answers the challenge', phrase: 'Unauthorized' };
    case 'missing-username-realm-or-nonce':
      return { words: 'MESSAGE-INTEGRITY without USERNAME, REALM or NONCE', hint: 'a broken client', phrase: 'Bad Request: USERNAME, REALM and NONCE are needed' };
    case 'stale-nonce':
      return { words: 'the nonce has expired', hint: 'normal: the client retries with the fresh nonce sent with the 438', phrase: 'Stale Nonce' };
    case 'invalid-nonce':
      return { words: 'a nonce this server did not issue to this address', hint: 'another server of a fleet without the same stateless-nonce-secret, a client that moved, or a forged request', phrase: 'Stale Nonce: nonce not issued here' };
    case 'wrong-realm':
      return { words: `realm '${realm}' expected, client sent '${d.sentRealm ?? ''}'`, hint: 'the client must use the REALM of the 401 challenge; check realm= and the origin-to-realm mapping', phrase: `Unauthorized: realm '${realm}' expected` };
    case 'unknown-user':
      return { words: `user '${d.user ?? ''}' unknown in realm '${realm}'`, hint: 'add it (user= or turnadmin -a) in this realm, or check the realm the client uses', phrase: 'Unauthorized: unknown user or wrong password' };
    case 'bad-integrity':
      return { words: `wrong password for user '${d.user ?? ''}' in realm '${realm}'`, hint: "the key is MD5(user:realm:password); a REST client may use another static-auth-secret, or a hex instead of a base64 password", phrase: 'Unauthorized: unknown user or wrong password' };
    case 'rest-expired': {
      const parsed = d.user === undefined ? undefined : parseRestUsername(d.user, d.separator);
      const when = parsed?.ok ? ` ${ago(Math.max(0, Math.round(nowMs / 1000 - parsed.expiresAt)))} ago` : '';
      return { words: `REST user name expired${when}`, hint: 'clock skew between the credential service and this server, or credentials kept too long', phrase: `Unauthorized: REST user name expired${when}` };
    }
    case 'rest-milliseconds':
      return { words: 'REST user name has its timestamp in milliseconds', hint: 'the timestamp must be Unix seconds (10 digits today)', phrase: 'Unauthorized: REST timestamp in milliseconds, not seconds' };
    case 'rest-malformed':
      return { words: `'${d.user ?? ''}' is no REST user name (expiry${d.separator}name)`, hint: `use-auth-secret is on: user names carry an expiry timestamp, separated by '${d.separator}'`, phrase: 'Unauthorized: REST user name needs an expiry timestamp' };
    case 'database-unavailable':
      return { words: 'the user database does not answer', hint: 'see the user-database-down log line; allocations made before keep working', phrase: 'Unauthorized: user database unavailable, try again' };
    case 'password-algorithm-mismatch':
      return { words: 'PASSWORD-ALGORITHM(S) missing or not the list this server offered', hint: 'RFC 8489 §9.2.4 bid-down protection: the client must echo PASSWORD-ALGORITHMS from the challenge unchanged, or an attacker altered it', phrase: 'Bad Request: PASSWORD-ALGORITHMS does not match the offer' };
    case 'password-algorithm-unavailable':
      return { words: `user '${d.user ?? ''}' chose SHA-256, but only an MD5 key is known for it`, hint: 'users from a database or user=name:0x… lines have MD5 keys only: the client should choose MD5', phrase: 'Unauthorized: SHA-256 not available for this user, use MD5' };
    case 'oauth-unknown-kid':
      return { words: `no oauth_key row for kid '${d.user ?? ''}'`, hint: 'add the key shared with the authorization server to the oauth_key table (docs/authentication.md)', phrase: 'Unauthorized: unknown access token key' };
    case 'oauth-bad-token':
      return { words: `the access token does not open with kid '${d.user ?? ''}'`, hint: 'another key, as_rs_alg or server-name than the authorization server used, or a broken token', phrase: 'Unauthorized: invalid access token' };
    case 'oauth-token-expired':
      return { words: `the access token or its key (kid '${d.user ?? ''}') is past its lifetime`, hint: 'the client needs a fresh token; check the clocks and the oauth_key row\'s timestamp and lifetime', phrase: 'Unauthorized: access token expired' };
  }
}
