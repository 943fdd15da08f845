/**
 * PASSWORD-ALGORITHM (RFC 8489 §14.12) and PASSWORD-ALGORITHMS (§14.11): a 16-bit algorithm
 * number (0x0001 MD5, 0x0002 SHA-256), the 16-bit length of its parameters, then the
 * parameters, padded to 4 bytes like an attribute. In the list the padding separates entries;
 * the last entry's padding may or may not be counted in the attribute length, and both are
 * accepted.
 */
import type { PasswordAlgorithmValue } from '../types.ts';
import { badLength, checkBytes, checkInt, pad4, u16, unencodable, view, type AttributeCodec } from './codec.ts';

function sizeEntry(name: string, value: PasswordAlgorithmValue): number {
  checkInt(name, value.algorithm, 0, 0xffff);
  return checkBytes(name, value.parameters);
}

function writeEntry(out: Buffer, offset: number, value: PasswordAlgorithmValue): number {
  out.writeUInt16BE(value.algorithm, offset);
  out.writeUInt16BE(value.parameters.length, offset + 2);
  out.set(value.parameters, offset + 4);
  return offset + 4 + pad4(value.parameters.length);
}

/** RFC 8489 §14.12: the algorithm a client chose for its long-term credential. */
export const passwordAlgorithmCodec: AttributeCodec<PasswordAlgorithmValue> = {
  name: 'PASSWORD-ALGORITHM',
  decode(msg, offset, length) {
    if (length < 4) return badLength('PASSWORD-ALGORITHM', length, 'at least 4');
    const n = u16(msg, offset + 2);
    if (length !== 4 + n && length !== 4 + pad4(n)) {
      return badLength('PASSWORD-ALGORITHM', length, `${4 + n} for ${n} parameter bytes`);
    }
    return { algorithm: u16(msg, offset), parameters: view(msg, offset + 4, n) };
  },
  size: (value) => 4 + sizeEntry('PASSWORD-ALGORITHM', value),
  write(out, offset, value) {
    writeEntry(out, offset, value);
  },
};

/** RFC 8489 §14.11: the algorithms a server offers, in its order of preference. */
export const passwordAlgorithmsCodec: AttributeCodec<PasswordAlgorithmValue[]> = {
  name: 'PASSWORD-ALGORITHMS',
  decode(msg, offset, length) {
    const list: PasswordAlgorithmValue[] = [];
    const end = offset + length;
    let pos = offset;
    while (pos < end) {
      if (pos + 4 > end) return badLength('PASSWORD-ALGORITHMS', length, 'whole 4-byte entry headers');
      const n = u16(msg, pos + 2);
      if (pos + 4 + n > end) return badLength('PASSWORD-ALGORITHMS', length, 'room for every entry\'s parameters');
      list.push({ algorithm: u16(msg, pos), parameters: view(msg, pos + 4, n) });
      pos += 4 + pad4(n);
    }
    return list;
  },
  size(value) {
    if (!Array.isArray(value)) unencodable('PASSWORD-ALGORITHMS', 'value is not an array');
    let total = 0;
    for (const entry of value) total += 4 + pad4(sizeEntry('PASSWORD-ALGORITHMS', entry));
    return total;
  },
  write(out, offset, value) {
    let pos = offset;
    for (const entry of value) pos = writeEntry(out, pos, entry);
  },
};
