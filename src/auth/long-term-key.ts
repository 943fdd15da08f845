import { createHash } from 'node:crypto';
import { saslPrep } from './saslprep.ts';

/**
 * The long-term credential key of RFC 8489 §9.2.2 (and RFC 5389 §15.4): the 16-byte
 * MD5(username ":" realm ":" password) that user databases store and `turnadmin -k` prints.
 *
 * The username is hashed as given (it is what the client put in USERNAME); the realm and
 * the password go through {@link saslPrep} first, which leaves printable ASCII unchanged.
 */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return hashCredentials('md5', username, realm, password);
}

/**
 * The SHA-256 long-term key of RFC 8489 §9.2.2, used when the client picks
 * PASSWORD-ALGORITHM 0x0002 (RFC 8489 §18.5): SHA-256(username ":" realm ":" password), 32 bytes.
 * Same string preparation as {@link longTermKey}.
 */
export function longTermKeySha256(username: string, realm: string, password: string): Buffer {
  return hashCredentials('sha256', username, realm, password);
}

/**
 * The MD5 long-term key computed from the strings exactly as given, with no preparation.
 * WebRTC stacks hash the raw password, so a credential store offers this one too when a
 * password's prepared form differs from its raw form (RFC 8489 §9.2.2).
 */
export function longTermKeyUnprepared(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest();
}

function hashCredentials(algorithm: 'md5' | 'sha256', username: string, realm: string, password: string): Buffer {
  const text = `${username}:${saslPrep(realm)}:${saslPrep(password)}`;
  return createHash(algorithm).update(text, 'utf8').digest();
}

/** A key as `turnadmin -k` prints it and `user=name:0x…` writes it: "0x" and lower-case hex (RFC 8489 §9.2.2 key). */
export function formatKeyHex(key: Uint8Array): string {
  return `0x${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')}`;
}

/**
 * Reads a key written as "0x" and 32 hex digits (either case), the form of `user=name:0x…`
 * in turnserver.conf; `undefined` for anything else. RFC 8489 §9.2.2 MD5 key, 16 bytes.
 */
export function parseKeyHex(text: string): Buffer | undefined {
  const match = /^0[xX]([0-9a-fA-F]{32})$/.exec(text.trim());
  return match ? Buffer.from(match[1], 'hex') : undefined;
}
