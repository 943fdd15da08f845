import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/**
 * Time-limited credentials of the TURN REST API (draft-uberti-behave-turn-rest-00 §2.2, as
 * coturn implements `use-auth-secret` / `static-auth-secret`): a web service that shares a
 * secret with the TURN server hands clients a username carrying an expiry time and a
 * password derived from it, and the server checks both without a user database.
 */

/** coturn's default `rest-api-separator`. */
export const DEFAULT_REST_API_SEPARATOR = ':';

/**
 * A timestamp above this is taken for milliseconds: 1e11 seconds is the year 5138, while
 * Date.now() has been above 1e12 since 2001.
 */
const MILLISECONDS_THRESHOLD = 1e11;

/**
 * The REST API password for a username: base64(HMAC-SHA1(secret, username)), draft-uberti-
 * behave-turn-rest-00 §2.2. The username is "<unix-expiry><sep><user>" or just "<unix-expiry>".
 */
export function restApiPassword(secret: string, username: string): string {
  return createHmac('sha1', secretKey(secret)).update(username, 'utf8').digest('base64');
}

/** A REST API username taken apart: its expiry (unix seconds) and the user part, or why it is not one. */
export type RestUsername =
  | { ok: true; expiresAt: number; user: string }
  | { ok: false; reason: 'no-timestamp' | 'bad-timestamp' };

/**
 * Reads the expiry and user out of a REST API username (draft-uberti-behave-turn-rest-00 §2.2).
 *
 * Accepted like coturn does: "<expiry><sep><user>", a bare "<expiry>", and also the reversed
 * "<user><sep><expiry>" that coturn falls back to when the part before the first separator
 * is not all digits. 'no-timestamp' means no part looks like a number; 'bad-timestamp'
 * means the part in the timestamp's place starts with a digit but is not a usable number
 * (trailing junk, or too large to be a time).
 */
export function parseRestUsername(username: string, separator: string): RestUsername {
  const sep = separator === '' ? DEFAULT_REST_API_SEPARATOR : separator;
  const at = username.indexOf(sep);
  if (at < 0) return readTimestamp(username, '');
  const before = username.slice(0, at);
  const after = username.slice(at + sep.length);
  if (/^[0-9]+$/.test(before)) return readTimestamp(before, after);
  const reversed = readTimestamp(after, before);
  // "17x:alice" is a mistyped timestamp, not a username without one: say so in the log.
  if (!reversed.ok && reversed.reason === 'no-timestamp' && /^[0-9]/.test(before)) {
    return { ok: false, reason: 'bad-timestamp' };
  }
  return reversed;
}

function readTimestamp(text: string, user: string): RestUsername {
  if (!/^[0-9]/.test(text)) return { ok: false, reason: 'no-timestamp' };
  if (!/^[0-9]+$/.test(text)) return { ok: false, reason: 'bad-timestamp' };
  const expiresAt = Number(text);
  if (!Number.isSafeInteger(expiresAt)) return { ok: false, reason: 'bad-timestamp' };
  return { ok: true, expiresAt, user };
}

/**
 * Whether a REST API expiry (unix seconds) still holds at `nowMs`. Valid up to and including
 * the expiry second, as coturn does. A value above 1e11 is reported as 'milliseconds'
 * rather than accepted: it is almost always a generator that used Date.now() instead of
 * seconds, and accepting it would mint a credential valid for millennia.
 */
export function checkRestExpiry(expiresAt: number, nowMs: number): 'valid' | 'expired' | 'milliseconds' {
  if (expiresAt > MILLISECONDS_THRESHOLD) return 'milliseconds';
  return expiresAt >= Math.floor(nowMs / 1000) ? 'valid' : 'expired';
}

/**
 * Mints REST API credentials for `user` valid for `ttlSeconds` from `nowMs`, as the web
 * service side of draft-uberti-behave-turn-rest-00 §2.2 does (the response's username,
 * password and ttl). An empty `user` gives a bare "<expiry>" username.
 */
export function restApiCredentials(
  secret: string,
  user: string,
  ttlSeconds: number,
  nowMs: number,
  separator: string = DEFAULT_REST_API_SEPARATOR,
): { username: string; password: string; ttl: number } {
  const expiresAt = Math.floor(nowMs / 1000) + Math.floor(ttlSeconds);
  const username = user === '' ? String(expiresAt) : `${expiresAt}${separator}${user}`;
  return { username, password: restApiPassword(secret, username), ttl: ttlSeconds };
}

/** KeyObjects of the few configured secrets, made once: a raw key costs a KeyObject per HMAC. */
const secretKeys = new Map<string, KeyObject>();

function secretKey(secret: string): KeyObject {
  let key = secretKeys.get(secret);
  if (key === undefined) {
    // Bounded: secrets come from the configuration (or a database), not from clients.
    if (secretKeys.size >= 64) secretKeys.clear();
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    secretKeys.set(secret, key);
  }
  return key;
}
