/**
 * Small fixed-layout attributes: CHANGE-REQUEST (RFC 5780 §7.2), EVEN-PORT (RFC 8656 §18.7),
 * REQUESTED-TRANSPORT (§18.8), REQUESTED-ADDRESS-FAMILY (§18.6) and ADDITIONAL-ADDRESS-FAMILY
 * (§18.11, same layout), ICMP (§18.13) and UNKNOWN-ATTRIBUTES (RFC 8489 §14.13).
 */
import type { AddressFamily, ChangeRequestValue, EvenPortValue, IcmpValue } from '../types.ts';
import { AttributeFault, badLength, checkInt, u16, u32, unencodable, type AttributeCodec } from './codec.ts';

/** RFC 5780 §7.2: 4 bytes, "change IP" is bit 0x04 and "change port" bit 0x02 of the last byte. */
export const changeRequestCodec: AttributeCodec<ChangeRequestValue> = {
  name: 'CHANGE-REQUEST',
  decode(msg, offset, length) {
    if (length !== 4) return badLength('CHANGE-REQUEST', length, '4');
    const flags = msg[offset + 3];
    return { changeIp: (flags & 0x04) !== 0, changePort: (flags & 0x02) !== 0 };
  },
  size: () => 4,
  write(out, offset, value) {
    out[offset + 3] = (value.changeIp ? 0x04 : 0) | (value.changePort ? 0x02 : 0);
  },
};

/** RFC 8656 §18.7: one byte whose top bit R asks the server to reserve the next port too. */
export const evenPortCodec: AttributeCodec<EvenPortValue> = {
  name: 'EVEN-PORT',
  decode(msg, offset, length) {
    if (length !== 1) return badLength('EVEN-PORT', length, '1');
    return { reserveNext: (msg[offset] & 0x80) !== 0 };
  },
  size: () => 1,
  write(out, offset, value) {
    out[offset] = value.reserveNext ? 0x80 : 0;
  },
};

/** RFC 8656 §18.8: the IANA protocol number in the first byte, then 3 reserved bytes. */
export const requestedTransportCodec: AttributeCodec<number> = {
  name: 'REQUESTED-TRANSPORT',
  decode: (msg, offset, length) => (length === 4 ? msg[offset] : badLength('REQUESTED-TRANSPORT', length, '4')),
  size(value) {
    checkInt('REQUESTED-TRANSPORT', value, 0, 0xff);
    return 4;
  },
  write(out, offset, value) {
    out[offset] = value;
  },
};

/** RFC 8656 §18.6 and §18.11: the family byte (0x01 IPv4, 0x02 IPv6), then 3 reserved bytes. */
export function familyCodec(name: string): AttributeCodec<AddressFamily> {
  return {
    name,
    decode(msg, offset, length) {
      if (length !== 4) return badLength(name, length, '4');
      const f = msg[offset];
      if (f === 0x01) return 'IPv4';
      if (f === 0x02) return 'IPv6';
      return new AttributeFault('attribute-bad-value', `${name} has unknown address family 0x${f.toString(16)}`);
    },
    size(value) {
      if (value !== 'IPv4' && value !== 'IPv6') unencodable(name, `unknown family ${String(value)}`);
      return 4;
    },
    write(out, offset, value) {
      out[offset] = value === 'IPv4' ? 0x01 : 0x02;
    },
  };
}

/**
 * RFC 8656 §18.13, laid out as its figure draws it: 16 reserved bits, a 7-bit ICMP type, a
 * 9-bit ICMP code, then the 32-bit error data.
 */
export const icmpCodec: AttributeCodec<IcmpValue> = {
  name: 'ICMP',
  decode(msg, offset, length) {
    if (length !== 8) return badLength('ICMP', length, '8');
    const typeAndCode = u16(msg, offset + 2);
    return { type: typeAndCode >> 9, code: typeAndCode & 0x1ff, data: u32(msg, offset + 4) };
  },
  size(value) {
    checkInt('ICMP', value.type, 0, 0x7f);
    checkInt('ICMP', value.code, 0, 0x1ff);
    checkInt('ICMP', value.data, 0, 0xffffffff);
    return 8;
  },
  write(out, offset, value) {
    out.writeUInt16BE((value.type << 9) | value.code, offset + 2);
    out.writeUInt32BE(value.data, offset + 4);
  },
};

/** RFC 8489 §14.13: a list of 16-bit attribute types, in a 420 (Unknown Attribute) response. */
export const unknownAttributesCodec: AttributeCodec<number[]> = {
  name: 'UNKNOWN-ATTRIBUTES',
  decode(msg, offset, length) {
    if (length % 2 !== 0) return badLength('UNKNOWN-ATTRIBUTES', length, 'a multiple of 2');
    const types: number[] = [];
    for (let i = 0; i < length; i += 2) types.push(u16(msg, offset + i));
    return types;
  },
  size(value) {
    if (!Array.isArray(value)) unencodable('UNKNOWN-ATTRIBUTES', 'value is not an array');
    for (const t of value) checkInt('UNKNOWN-ATTRIBUTES', t, 0, 0xffff);
    return value.length * 2;
  },
  write(out, offset, value) {
    for (let i = 0; i < value.length; i++) out.writeUInt16BE(value[i], offset + 2 * i);
  },
};
