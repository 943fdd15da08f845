/**
 * The RFC 8489 §9.2 additions to the long-term credential mechanism, server side, as pure
 * decisions: which password algorithms the server offers (PASSWORD-ALGORITHMS, §14.11), which
 * one a request chose and whether that choice is honest (§9.2.4 bid-down protection), and the
 * USERHASH of a user (§14.4).
 */
import { createHash } from 'node:crypto';
import { getAttribute } from '../stun/index.ts';
import { Attr, type DecodedStunMessage, type PasswordAlgorithmValue } from '../stun/types.ts';
import { saslPrep } from './saslprep.ts';

/** RFC 8489 §18.5: the password algorithm numbers. */
export const PasswordAlgorithm = { MD5: 0x0001, SHA256: 0x0002 } as const;
export type PasswordAlgorithmNumber = (typeof PasswordAlgorithm)[keyof typeof PasswordAlgorithm];

/**
 * What the server puts in PASSWORD-ALGORITHMS (RFC 8489 §14.11), in its order of preference.
 * MD5 comes first: it is the one key every credential source has (a user database holds only
 * MD5(user:realm:password)), so a client that takes the first entry it knows always succeeds;
 * SHA-256 is there for clients that prefer it and whose credentials allow it.
 */
export const OFFERED_PASSWORD_ALGORITHMS: readonly PasswordAlgorithmValue[] = Object.freeze([
  { algorithm: PasswordAlgorithm.MD5, parameters: new Uint8Array(0) },
  { algorithm: PasswordAlgorithm.SHA256, parameters: new Uint8Array(0) },
]);

/** The outcome of reading a request's password algorithm. */
export type PasswordAlgorithmChoice = { ok: true; algorithm: PasswordAlgorithmNumber } | { ok: false; why: 'password-algorithm-mismatch' };

function sameList(a: readonly PasswordAlgorithmValue[], b: readonly PasswordAlgorithmValue[]): boolean {
  return a.length === b.length && a.every((x, i) => x.algorithm === b[i].algorithm && Buffer.compare(Buffer.from(x.parameters), Buffer.from(b[i].parameters)) === 0);
}

/**
 * RFC 8489 §9.2.4: the password algorithm of a request whose nonce offered PASSWORD-ALGORITHMS
 * (`offered`). A request with neither PASSWORD-ALGORITHM nor PASSWORD-ALGORITHMS is MD5 (every
 * RFC 5389 client). Otherwise both must be there, PASSWORD-ALGORITHMS must repeat the server's
 * list exactly (an attacker who removed SHA-256 from the challenge is found out here), and
 * PASSWORD-ALGORITHM must be one of them; else 400. A nonce without the feature bit makes the
 * two attributes meaningless: MD5.
 */
export function choosePasswordAlgorithm(req: DecodedStunMessage, offered: boolean): PasswordAlgorithmChoice {
  const chosen = getAttribute(req, Attr.PasswordAlgorithm);
  const echoed = getAttribute(req, Attr.PasswordAlgorithms);
  if (!offered || (chosen === undefined && echoed === undefined)) return { ok: true, algorithm: PasswordAlgorithm.MD5 };
  if (chosen === undefined || echoed === undefined || !sameList(echoed, OFFERED_PASSWORD_ALGORITHMS)) return { ok: false, why: 'password-algorithm-mismatch' };
  const known = OFFERED_PASSWORD_ALGORITHMS.some((a) => a.algorithm === chosen.algorithm && a.parameters.length === chosen.parameters.length);
  if (!known) return { ok: false, why: 'password-algorithm-mismatch' };
  return { ok: true, algorithm: chosen.algorithm as PasswordAlgorithmNumber };
}

/**
 * RFC 8489 §14.4: USERHASH = SHA-256(OpaqueString(username) ":" OpaqueString(realm)), 32
 * bytes. The username is hashed as given, as the long-term key hashes it (long-term-key.ts).
 */
export function userhashOf(username: string, realm: string): Buffer {
  return createHash('sha256').update(`${username}:${saslPrep(realm)}`, 'utf8').digest();
}
