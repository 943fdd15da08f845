import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { formatIp, isIpv4Mapped } from '../net/ip-format.ts';
import { parseIpAddress } from '../net/ip-parse.ts';
import { constantTimeEqual } from './constant-time.ts';

/**
 * Stateless NONCE values for the long-term credential mechanism (RFC 8489 §9.2, §14.10).
 *
 * A nonce is "obMatJos2" (the RFC 8489 §9.2 nonce cookie), four base64 characters holding
 * the 24 security-feature bits (§9.2, registry of §18.1), then base64url of
 * issuedAt (48-bit milliseconds) ‖ HMAC-SHA256(secret, version ‖ cookie+features ‖ issuedAt ‖ client IP)
 * truncated to 16 bytes. 43 printable ASCII characters in all, well under §14.10's
 * 128-character limit and free of `"` and `\`.
 *
 * Nothing is stored: any server holding the same secret can check a nonce another one
 * issued, so a fleet behind one DNS name shares nonces. Only the client's IP is bound, not
 * its port, so a client that moves to a new port (RFC 8016 mobility, a NAT rebinding)
 * keeps its nonce.
 */
export interface NonceService {
  /** A fresh nonce for a 401 or 438 response to `clientIp` (RFC 8489 §9.2.4). */
  issue(clientIp: string, nowMs: number): string;
  /**
   * Checks a NONCE a request from `clientIp` carried (RFC 8489 §9.2.4): 'stale' once it is
   * `staleNonceSeconds` old; 'invalid' when it was not issued by a holder of the secret (or of a
   * previous one, within its grace period) for this IP, or is garbled. Both are answered with
   * 438 Stale Nonce and a fresh nonce; the two are told apart only in counters and logs.
   */
  check(nonce: string, clientIp: string, nowMs: number): 'valid' | 'stale' | 'invalid';
}

/** Options of {@link createNonceService}. */
export interface NonceServiceOptions {
  /**
   * The HMAC key. Required: the caller passes the configured secret, or 32 random bytes it
   * drew at start-up when none is configured (this module draws no randomness). A string
   * is used as its UTF-8 bytes.
   */
  secret: Uint8Array | string;
  /**
   * Secrets used before `secret` (a rotation): nonces they signed are still accepted until
   * `previousUntilMs`, so clients holding one keep their allocations; new nonces use `secret`.
   */
  previousSecrets?: readonly (Uint8Array | string)[];
  /** When the previous secrets stop being accepted (ms); default: never, while they are listed. */
  previousUntilMs?: number;
  /** Lifetime of a nonce, coturn's `stale-nonce` (default there: 600). */
  staleNonceSeconds: number;
  /** Set the "Password algorithms" security feature bit (RFC 8489 §9.2.1): the server offers SHA-256. */
  passwordAlgorithms?: boolean;
  /** Set the "Username anonymity" security feature bit (RFC 8489 §9.2.1): the server takes USERHASH. */
  usernameAnonymity?: boolean;
}

/** The RFC 8489 §9.2 nonce cookie that announces security-feature bits. */
export const NONCE_COOKIE = 'obMatJos2';

/** Security feature bit 0, "Password algorithms" (RFC 8489 §18.1): the most significant of the 24. */
const PASSWORD_ALGORITHMS_BIT = 0x800000;
/** Security feature bit 1, "Username anonymity" (RFC 8489 §18.1). */
const USERNAME_ANONYMITY_BIT = 0x400000;

const ISSUED_AT_BYTES = 6;
const MAC_BYTES = 16;
const FORMAT_VERSION = 1;
const FEATURES_CHARS = 4;
const BODY_CHARS = Math.ceil(((ISSUED_AT_BYTES + MAC_BYTES) * 4) / 3);
const NONCE_CHARS = NONCE_COOKIE.length + FEATURES_CHARS + BODY_CHARS;
const MAX_ISSUED_AT = 2 ** (ISSUED_AT_BYTES * 8) - 1;
/** Nonces remembered as verified, and for how long at most. */
const VERIFIED_NONCES = 10_000;
const VERIFIED_TRUST_MS = 60_000;

/** Creates a {@link NonceService}; throws `TurnpikeError` CONFIG_INVALID for an empty secret or a non-positive lifetime. */
export function createNonceService(opts: NonceServiceOptions): NonceService {
  const secret = typeof opts.secret === 'string' ? Buffer.from(opts.secret, 'utf8') : Buffer.from(opts.secret ?? []);
  if (secret.byteLength === 0) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, 'nonce secret is empty: pass the configured secret or 32 random bytes');
  }
  if (!Number.isFinite(opts.staleNonceSeconds) || opts.staleNonceSeconds <= 0) {
    throw new TurnpikeError(
      ErrorCode.CONFIG_INVALID,
      `stale-nonce must be a positive number of seconds, got ${String(opts.staleNonceSeconds)}`,
    );
  }
  // A KeyObject made once: createHmac with a raw Buffer rebuilds one per call (about 4× slower).
  const key = createSecretKey(secret);
  const previous = (opts.previousSecrets ?? []).map((p) => {
    const bytes = typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p);
    if (bytes.byteLength === 0) throw new TurnpikeError(ErrorCode.CONFIG_INVALID, 'a previous nonce secret is empty');
    return createSecretKey(bytes);
  });
  const previousUntil = opts.previousUntilMs ?? Infinity;
  const windowMs = opts.staleNonceSeconds * 1000;
  const features = (opts.passwordAlgorithms === true ? PASSWORD_ALGORITHMS_BIT : 0) | (opts.usernameAnonymity === true ? USERNAME_ANONYMITY_BIT : 0);
  const prefix = NONCE_COOKIE + encodeFeatures(features);
  // A nonce from the future was still signed by us: another fleet member's clock runs ahead.
  // Within one lifetime of skew it is accepted; beyond, the client gets a fresh one.
  const ageOf = (age: number): 'valid' | 'stale' => (Math.abs(age) < windowMs ? 'valid' : 'stale');
  /**
   * Nonces that verified lately: nonce → the address it verified for and when it was issued.
   * Bounded, oldest first out; an entry is trusted for at most a minute, and one that a
   * previous secret signed never past the rotation's grace period.
   */
  const verified = new Map<string, { ip: string; issuedAt: number; trustedUntil: number }>();
  const remember = (nonce: string, ip: string, issuedAt: number, nowMs: number, viaPrevious: boolean): void => {
    if (verified.size >= VERIFIED_NONCES) {
      const oldest = verified.keys().next().value;
      if (oldest !== undefined) verified.delete(oldest);
    }
    verified.delete(nonce);
    verified.set(nonce, { ip, issuedAt, trustedUntil: viaPrevious ? Math.min(nowMs + VERIFIED_TRUST_MS, previousUntil) : nowMs + VERIFIED_TRUST_MS });
  };

  return {
    issue(clientIp, nowMs) {
      const issuedAt = Math.min(MAX_ISSUED_AT, Math.max(0, Math.floor(nowMs)));
      const stamp = Buffer.alloc(ISSUED_AT_BYTES);
      stamp.writeUIntBE(issuedAt, 0, ISSUED_AT_BYTES);
      const mac = nonceMac(key, prefix, stamp, clientIp);
      return prefix + Buffer.concat([stamp, mac]).toString('base64url');
    },
    check(nonce, clientIp, nowMs) {
      // A client signs every request with the nonce it was given: one that verified for this
      // address moments ago needs no second HMAC, only its age checked again.
      const seen = verified.get(nonce);
      if (seen !== undefined && seen.ip === clientIp && nowMs < seen.trustedUntil) return ageOf(nowMs - seen.issuedAt);
      if (nonce.length !== NONCE_CHARS || !nonce.startsWith(NONCE_COOKIE)) return 'invalid';
      const noncePrefix = nonce.slice(0, NONCE_COOKIE.length + FEATURES_CHARS);
      const body = nonce.slice(noncePrefix.length);
      if (!/^[A-Za-z0-9+/]{4}$/.test(noncePrefix.slice(NONCE_COOKIE.length))) return 'invalid';
      const bytes = Buffer.from(body, 'base64url');
      // The decoder skips junk and ignores the last character's spare bits: only the one
      // canonical spelling of the bytes counts, so every altered character is noticed.
      if (bytes.byteLength !== ISSUED_AT_BYTES + MAC_BYTES || bytes.toString('base64url') !== body) return 'invalid';
      const stamp = bytes.subarray(0, ISSUED_AT_BYTES);
      const mac = bytes.subarray(ISSUED_AT_BYTES);
      const current = constantTimeEqual(mac, nonceMac(key, noncePrefix, stamp, clientIp));
      if (!current) {
        // Signed under a secret this server rotated away from, within the grace period?
        const known = nowMs < previousUntil && previous.some((k) => constantTimeEqual(mac, nonceMac(k, noncePrefix, stamp, clientIp)));
        if (!known) return 'invalid';
      }
      const issuedAt = stamp.readUIntBE(0, ISSUED_AT_BYTES);
      remember(nonce, clientIp, issuedAt, nowMs, !current);
      return ageOf(nowMs - issuedAt);
    },
  };
}

/**
 * Whether a NONCE carries the RFC 8489 §9.2 cookie with the "Password algorithms" bit set,
 * i.e. whether the server that issued it offered PASSWORD-ALGORITHMS (RFC 8489 §9.2.5
 * bid-down protection). `false` for nonces without the cookie.
 */
export function nonceOffersPasswordAlgorithms(nonce: string): boolean {
  return (nonceFeatures(nonce) & PASSWORD_ALGORITHMS_BIT) !== 0;
}

/** Whether a NONCE carries the cookie with the "Username anonymity" bit set (USERHASH accepted). */
export function nonceOffersUsernameAnonymity(nonce: string): boolean {
  return (nonceFeatures(nonce) & USERNAME_ANONYMITY_BIT) !== 0;
}

/** The 24 security feature bits of a NONCE (RFC 8489 §9.2), 0 for a nonce without the cookie. */
function nonceFeatures(nonce: string): number {
  if (!nonce.startsWith(NONCE_COOKIE)) return 0;
  const features = nonce.slice(NONCE_COOKIE.length, NONCE_COOKIE.length + FEATURES_CHARS);
  if (!/^[A-Za-z0-9+/]{4}$/.test(features)) return 0;
  return Buffer.from(features, 'base64').readUIntBE(0, 3);
}

function encodeFeatures(bits: number): string {
  const bytes = Buffer.alloc(3);
  bytes.writeUIntBE(bits, 0, 3);
  return bytes.toString('base64');
}

function nonceMac(secret: KeyObject, prefix: string, stamp: Uint8Array, clientIp: string): Buffer {
  return createHmac('sha256', secret)
    .update(Buffer.from([FORMAT_VERSION]))
    .update(prefix, 'latin1')
    .update(stamp)
    .update(nonceClientIp(clientIp), 'utf8')
    .digest()
    .subarray(0, MAC_BYTES);
}

/**
 * The client address a nonce is bound to, in one spelling: canonical text, and the IPv4
 * address itself for an IPv4-mapped one (RFC 4291 §2.5.5.2), because the same client seen
 * through a dual-stack socket ("::ffff:192.0.2.1") and an IPv4 one must match.
 */
function nonceClientIp(ip: string): string {
  const parsed = parseIpAddress(ip);
  // Not an address (a zone id, a test's placeholder): bound to the text as it came, any case.
  if (parsed === undefined) return ip.toLowerCase();
  if (parsed.family === 'IPv6' && isIpv4Mapped(parsed.bytes)) return formatIp('IPv4', parsed.bytes, 12);
  return formatIp(parsed.family, parsed.bytes);
}
