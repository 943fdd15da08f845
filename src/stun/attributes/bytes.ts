/**
 * Opaque byte-string attributes: DATA (RFC 8656 §18.4), PADDING (RFC 5780 §7.6), ACCESS-TOKEN
 * (RFC 7635 §6.2), MOBILITY-TICKET (RFC 8016 §3.3); the fixed-size RESERVATION-TOKEN (RFC 8656
 * §18.10, 8 bytes), USERHASH (RFC 8489 §14.4, 32 bytes) and MESSAGE-INTEGRITY (§14.5, 20
 * bytes); and MESSAGE-INTEGRITY-SHA256 (§14.6), 16 to 32 bytes in steps of 4.
 *
 * Decoded values are views into the received bytes, not copies: a DATA attribute is relayed
 * without being copied. Whoever keeps one beyond the life of the receive buffer copies it.
 */
import { badLength, checkBytes, unencodable, view, type AttributeCodec } from './codec.ts';

function writeBytes(out: Buffer, offset: number, value: Uint8Array): void {
  out.set(value, offset);
}

/** A codec for a byte string of any length. */
export function bytesCodec(name: string): AttributeCodec<Uint8Array> {
  return {
    name,
    decode: (msg, offset, length) => view(msg, offset, length),
    size: (value) => checkBytes(name, value),
    write: writeBytes,
  };
}

/** A codec for a byte string of exactly `size` bytes. */
export function fixedBytesCodec(name: string, size: number): AttributeCodec<Uint8Array> {
  return {
    name,
    decode: (msg, offset, length) => (length === size ? view(msg, offset, length) : badLength(name, length, String(size))),
    size(value) {
      const n = checkBytes(name, value);
      if (n !== size) unencodable(name, `${n} bytes, expected ${size}`);
      return n;
    },
    write: writeBytes,
  };
}

/** RFC 8489 §14.6: a SHA-256 HMAC, possibly truncated to 16, 20, 24 or 28 bytes. */
export const messageIntegritySha256Codec: AttributeCodec<Uint8Array> = {
  name: 'MESSAGE-INTEGRITY-SHA256',
  decode(msg, offset, length) {
    if (length < 16 || length > 32 || length % 4 !== 0) {
      return badLength('MESSAGE-INTEGRITY-SHA256', length, '16, 20, 24, 28 or 32');
    }
    return view(msg, offset, length);
  },
  size(value) {
    const n = checkBytes('MESSAGE-INTEGRITY-SHA256', value);
    if (n < 16 || n > 32 || n % 4 !== 0) unencodable('MESSAGE-INTEGRITY-SHA256', `${n} bytes, expected 16..32 in steps of 4`);
    return n;
  },
  write: writeBytes,
};
