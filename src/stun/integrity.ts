/**
 * MESSAGE-INTEGRITY (RFC 8489 §14.5, HMAC-SHA1) and MESSAGE-INTEGRITY-SHA256 (§14.6): an HMAC
 * over the message up to the attribute, computed as if the header length ended right after
 * the attribute. The key is the short-term password, or MD5(username ":" realm ":" password)
 * for long-term credentials (§9.2.2); working it out is the caller's business.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { Attr, HEADER_LENGTH, type DecodedStunMessage } from './types.ts';

/** RFC 8489 §14.5: the size of a whole MESSAGE-INTEGRITY attribute, header included. */
export const INTEGRITY_ATTRIBUTE_LENGTH = 4 + 20;
/** RFC 8489 §14.6: the size of a whole untruncated MESSAGE-INTEGRITY-SHA256 attribute. */
export const INTEGRITY_SHA256_ATTRIBUTE_LENGTH = 4 + 32;

/**
 * A key object per key, made once: `createHmac` with a key object costs about a seventh of
 * `createHmac` with raw key bytes (measured: 2.9 µs against 22 µs per MESSAGE-INTEGRITY on
 * Node 24), and the same long-term key signs every request of an allocation.
 */
const keyObjects = new WeakMap<Uint8Array, KeyObject>();

function keyObject(key: Uint8Array): KeyObject | Uint8Array {
  // An empty key has no key object (RFC 2104 allows it; `no-auth` never gets here).
  if (key.length === 0) return key;
  let k = keyObjects.get(key);
  if (k === undefined) {
    k = createSecretKey(key);
    keyObjects.set(key, k);
  }
  return k;
}

/** HMAC (RFC 2104) of `header` then `body`. */
function hmac(algorithm: 'sha1' | 'sha256', key: Uint8Array, header: Uint8Array, body: Uint8Array): Buffer {
  return createHmac(algorithm, keyObject(key)).update(header).update(body).digest();
}

/**
 * The HMAC of `msg[0, attrOffset)` with the header length field replaced by `length`, the
 * length the message would have if it ended with the integrity attribute (RFC 8489 §14.5).
 * Only the 20-byte header is copied; the body is hashed in place.
 */
export function messageHmac(algorithm: 'sha1' | 'sha256', key: Uint8Array, msg: Uint8Array, attrOffset: number, length: number): Buffer {
  const header = Buffer.from(msg.subarray(0, HEADER_LENGTH));
  header.writeUInt16BE(length, 2);
  return hmac(algorithm, key, header, msg.subarray(HEADER_LENGTH, attrOffset));
}

/** Checks one integrity attribute of `raw` at `offset`; false unless it is there, well formed and matches. */
function verifyAt(raw: Uint8Array, offset: number, type: number, algorithm: 'sha1' | 'sha256', key: Uint8Array): boolean {
  // The offsets come from decodeMessage, but a hand-built message must not make this throw.
  if (!Number.isInteger(offset) || offset < HEADER_LENGTH || offset + 4 > raw.length) return false;
  if (((raw[offset] << 8) | raw[offset + 1]) !== type) return false;
  const n = (raw[offset + 2] << 8) | raw[offset + 3];
  const valid = algorithm === 'sha1' ? n === 20 : n >= 16 && n <= 32 && n % 4 === 0;
  if (!valid || offset + 4 + n > raw.length) return false;
  const mac = messageHmac(algorithm, key, raw, offset, offset + 4 + n - HEADER_LENGTH);
  // RFC 8489 §14.6: a truncated SHA-256 MAC is compared on its leading bytes.
  return timingSafeEqual(mac.subarray(0, n), raw.subarray(offset + 4, offset + 4 + n));
}

/**
 * True if the message carries a MESSAGE-INTEGRITY attribute and its HMAC-SHA1 under `key`
 * matches (RFC 8489 §14.5, compared in constant time); false if absent or wrong.
 */
export function verifyMessageIntegrity(msg: DecodedStunMessage, key: Uint8Array): boolean {
  return msg.integrityOffset >= 0 && verifyAt(msg.raw, msg.integrityOffset, Attr.MessageIntegrity, 'sha1', key);
}

/**
 * True if the message carries a MESSAGE-INTEGRITY-SHA256 attribute and its HMAC-SHA256 under
 * `key` matches (RFC 8489 §14.6, compared in constant time); false if absent or wrong.
 */
export function verifyMessageIntegritySha256(msg: DecodedStunMessage, key: Uint8Array): boolean {
  return msg.integritySha256Offset >= 0 && verifyAt(msg.raw, msg.integritySha256Offset, Attr.MessageIntegritySha256, 'sha256', key);
}
