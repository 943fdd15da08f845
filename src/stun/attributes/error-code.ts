/**
 * ERROR-CODE (RFC 8489 §14.8) and ADDRESS-ERROR-CODE (RFC 8656 §18.12): 21 reserved bits (the
 * first 8 of which carry the address family in ADDRESS-ERROR-CODE), a 3-bit class 3..6, an
 * 8-bit number 0..99, then a UTF-8 reason phrase of at most 763 bytes.
 */
import type { AddressErrorCodeValue, ErrorCodeValue } from '../types.ts';
import { AttributeFault, badLength, checkInt, unencodable, type AttributeCodec } from './codec.ts';
import { decodeUtf8, utf8Size } from './text.ts';

/** RFC 8489 §14.8: "as long as 763 bytes when decoding". */
const MAX_REASON_BYTES = 763;

/** Reads class, number and reason at `offset`; the code as `{code, reason}` or a fault. */
function decodeCode(name: string, msg: Uint8Array, offset: number, length: number): ErrorCodeValue | AttributeFault {
  if (length < 4) return badLength(name, length, 'at least 4');
  const cls = msg[offset + 2] & 0x07;
  const number = msg[offset + 3];
  if (cls < 3 || cls > 6 || number > 99) {
    return new AttributeFault('attribute-bad-value', `${name} has class ${cls} number ${number}, not a code 300..699`);
  }
  if (length - 4 > MAX_REASON_BYTES) {
    return new AttributeFault('attribute-too-long', `${name} reason has ${length - 4} bytes, more than ${MAX_REASON_BYTES}`);
  }
  const reason = decodeUtf8(msg, offset + 4, length - 4);
  if (reason === undefined) return new AttributeFault('attribute-bad-value', `${name} reason is not valid UTF-8`);
  return { code: cls * 100 + number, reason };
}

function sizeCode(name: string, value: ErrorCodeValue): number {
  checkInt(name, value.code, 300, 699);
  return 4 + utf8Size(name, value.reason, MAX_REASON_BYTES);
}

function writeCode(out: Buffer, offset: number, value: ErrorCodeValue): void {
  out[offset + 2] = Math.floor(value.code / 100);
  out[offset + 3] = value.code % 100;
  out.write(value.reason, offset + 4, 'utf8');
}

/** RFC 8489 §14.8 ERROR-CODE. */
export const errorCodeCodec: AttributeCodec<ErrorCodeValue> = {
  name: 'ERROR-CODE',
  decode: (msg, offset, length) => decodeCode('ERROR-CODE', msg, offset, length),
  size: (value) => sizeCode('ERROR-CODE', value),
  write: writeCode,
};

/** RFC 8656 §18.12 ADDRESS-ERROR-CODE: which address family an Allocate could not serve, and why. */
export const addressErrorCodeCodec: AttributeCodec<AddressErrorCodeValue> = {
  name: 'ADDRESS-ERROR-CODE',
  decode(msg, offset, length) {
    const code = decodeCode('ADDRESS-ERROR-CODE', msg, offset, length);
    if (code instanceof AttributeFault) return code;
    const f = msg[offset];
    if (f !== 0x01 && f !== 0x02) {
      return new AttributeFault('attribute-bad-value', `ADDRESS-ERROR-CODE has unknown address family 0x${f.toString(16)}`);
    }
    return { family: f === 0x01 ? 'IPv4' : 'IPv6', code: code.code, reason: code.reason };
  },
  size(value) {
    if (value.family !== 'IPv4' && value.family !== 'IPv6') {
      unencodable('ADDRESS-ERROR-CODE', `unknown family ${String(value.family)}`);
    }
    return sizeCode('ADDRESS-ERROR-CODE', value);
  },
  write(out, offset, value) {
    out[offset] = value.family === 'IPv4' ? 0x01 : 0x02;
    writeCode(out, offset, value);
  },
};
