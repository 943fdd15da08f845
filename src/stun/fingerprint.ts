/**
 * The FINGERPRINT attribute's value (RFC 8489 §14.7): the CRC-32 of the message before it,
 * with the header length already counting the 8-byte FINGERPRINT attribute, xored with
 * 0x5354554e so that a STUN message is told apart from other protocols carrying a CRC-32.
 */

/** RFC 8489 §14.7: the constant xored into the CRC-32 ("STUN" in ASCII). */
export const FINGERPRINT_XOR = 0x5354554e;

/**
 * The CRC-32 of ISO 3309 / ITU-T V.42 (reflected polynomial 0xEDB88320), by table, here
 * rather than from `node:zlib`: STUN messages are short, and a server that never compresses
 * anything need not load zlib for one checksum.
 */
const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 of `bytes` (the value zlib's crc32 gives). */
export function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * The FINGERPRINT value for a message whose bytes before the FINGERPRINT attribute are
 * `bytes` (header length field already covering the attribute).
 */
export function fingerprintOf(bytes: Uint8Array): number {
  return (crc32(bytes) ^ FINGERPRINT_XOR) >>> 0;
}
