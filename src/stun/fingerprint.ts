/**
 * The FINGERPRINT attribute's value (RFC 8489 §14.7): the CRC-32 of the message before it,
 * with the header length already counting the 8-byte FINGERPRINT attribute, xored with
 * 0x5354554e so that a STUN message is told apart from other protocols carrying a CRC-32.
 */
import { crc32 } from 'node:zlib';

/** RFC 8489 §14.7: the constant xored into the CRC-32 ("STUN" in ASCII). */
export const FINGERPRINT_XOR = 0x5354554e;

/**
 * The FINGERPRINT value for a message whose bytes before the FINGERPRINT attribute are
 * `bytes` (header length field already covering the attribute).
 */
export function fingerprintOf(bytes: Uint8Array): number {
  return (crc32(bytes) ^ FINGERPRINT_XOR) >>> 0;
}
