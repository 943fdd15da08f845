/**
 * Attributes whose value is one number or a flag: 32-bit counters (LIFETIME RFC 8656 §18.2,
 * PRIORITY RFC 8445 §7.1.1, CONNECTION-ID RFC 6062 §6.2.1, FINGERPRINT RFC 8489 §14.7),
 * 16-bit fields followed by two reserved bytes (CHANNEL-NUMBER RFC 8656 §18.1,
 * RESPONSE-PORT RFC 5780 §7.5), the 64-bit ICE tie-breakers (RFC 8445 §7.1.3), and the
 * empty-valued flags (DONT-FRAGMENT RFC 8656 §18.9, USE-CANDIDATE RFC 8445 §7.1.2).
 */
import { badLength, checkInt, u16, u32, unencodable, type AttributeCodec } from './codec.ts';

/** A codec for a 4-byte unsigned integer value. */
export function uint32Codec(name: string): AttributeCodec<number> {
  return {
    name,
    decode: (msg, offset, length) => (length === 4 ? u32(msg, offset) : badLength(name, length, '4')),
    size(value) {
      checkInt(name, value, 0, 0xffffffff);
      return 4;
    },
    write(out, offset, value) {
      out.writeUInt32BE(value, offset);
    },
  };
}

/**
 * A codec for a 16-bit unsigned integer followed by two reserved bytes. `shortAllowed` also
 * accepts a bare 2-byte value on decode: RFC 5780 §7.5 is read both ways by deployed clients.
 */
export function uint16Codec(name: string, shortAllowed: boolean): AttributeCodec<number> {
  return {
    name,
    decode(msg, offset, length) {
      if (length === 4 || (shortAllowed && length === 2)) return u16(msg, offset);
      return badLength(name, length, shortAllowed ? '2 or 4' : '4');
    },
    size(value) {
      checkInt(name, value, 0, 0xffff);
      return 4;
    },
    write(out, offset, value) {
      out.writeUInt16BE(value, offset);
    },
  };
}

/** A codec for an 8-byte unsigned integer, as a bigint. */
export function uint64Codec(name: string): AttributeCodec<bigint> {
  return {
    name,
    decode(msg, offset, length) {
      if (length !== 8) return badLength(name, length, '8');
      return (BigInt(u32(msg, offset)) << 32n) | BigInt(u32(msg, offset + 4));
    },
    size(value) {
      if (typeof value !== 'bigint' || value < 0n || value > 0xffffffffffffffffn) {
        unencodable(name, `${String(value)} is not a bigint in 0..2^64-1`);
      }
      return 8;
    },
    write(out, offset, value) {
      out.writeBigUInt64BE(value, offset);
    },
  };
}

/** A codec for an attribute whose presence is the whole message: empty value, decoded as `true`. */
export function flagCodec(name: string): AttributeCodec<true> {
  return {
    name,
    decode: (_msg, _offset, length) => (length === 0 ? true : badLength(name, length, '0')),
    size(value) {
      if (value !== true) unencodable(name, 'a flag attribute takes the value true');
      return 0;
    },
    write() {},
  };
}
