/**
 * Bytes → STUN message (RFC 8489 §5, §6, §14). Never throws and never reads past the input:
 * malformed bytes give `{ ok: false, error }` with a stable reason and the byte offset where
 * the problem was found. Integrity is not checked here (the key depends on USERNAME and
 * REALM); the offsets kept in the result let `verifyMessageIntegrity` check it later.
 * FINGERPRINT, which needs no key, is checked here.
 */
import { AttributeFault, pad4, u32, view } from './attributes/codec.ts';
import { codecFor } from './attributes/registry.ts';
import { fingerprintOf } from './fingerprint.ts';
import { classOf, methodOf } from './header.ts';
import {
  Attr,
  HEADER_LENGTH,
  MAGIC_COOKIE,
  TRANSACTION_ID_LENGTH,
  type DecodeError,
  type DecodeErrorReason,
  type DecodeResult,
  type DecodedStunMessage,
  type StunAttribute,
} from './types.ts';

function fail(reason: DecodeErrorReason, offset: number, detail: string): { ok: false; error: DecodeError } {
  return { ok: false, error: { reason, offset, detail } };
}

/** Checks the 20-byte header and the length field against the input (RFC 8489 §5). */
function checkHeader(buf: Uint8Array): { ok: false; error: DecodeError } | undefined {
  const n = buf.length;
  if (n < HEADER_LENGTH) return fail('too-short', n, `${n} bytes, a STUN header has ${HEADER_LENGTH}`);
  if ((buf[0] & 0xc0) !== 0) return fail('not-stun', 0, 'the two most significant bits are not zero');
  const cookie = u32(buf, 4);
  if (cookie !== MAGIC_COOKIE) return fail('bad-cookie', 4, `magic cookie 0x${cookie.toString(16)}`);
  const length = (buf[2] << 8) | buf[3];
  if ((length & 3) !== 0) return fail('length-not-multiple-of-4', 2, `message length ${length}`);
  if (length !== n - HEADER_LENGTH) {
    return fail('length-mismatch', 2, `message length ${length} but ${n - HEADER_LENGTH} bytes follow the header`);
  }
  return undefined;
}

/**
 * A plain Uint8Array copy of header bytes 8..20: transaction ids are kept in maps long after
 * the datagram is gone, and a view would keep the whole datagram alive.
 */
function copyTransactionId(buf: Uint8Array): Uint8Array {
  const id = new Uint8Array(TRANSACTION_ID_LENGTH);
  for (let i = 0; i < TRANSACTION_ID_LENGTH; i++) id[i] = buf[8 + i];
  return id;
}

/** RFC 8489 §14.7: the FINGERPRINT at `offset`, the last attribute, must match the bytes before it. */
function checkFingerprint(buf: Uint8Array, offset: number): { ok: false; error: DecodeError } | undefined {
  const expected = fingerprintOf(buf.subarray(0, offset));
  const actual = u32(buf, offset + 4);
  if (actual === expected) return undefined;
  return fail('fingerprint-mismatch', offset, `FINGERPRINT 0x${actual.toString(16)}, computed 0x${expected.toString(16)}`);
}

/**
 * Decodes one STUN message that fills `buf` exactly (a UDP datagram, or one frame cut by
 * `streamFrameLength`). Attribute byte values are views into `buf`; `transactionId` is a copy.
 * Unknown attributes are kept as `{ type, value, unknown: true }`.
 */
export function decodeMessage(buf: Uint8Array): DecodeResult<DecodedStunMessage> {
  const bad = checkHeader(buf);
  if (bad !== undefined) return bad;
  const n = buf.length;
  const attributes: StunAttribute[] = [];
  let integrityOffset = -1;
  let integritySha256Offset = -1;
  let fingerprintOffset = -1;
  let pos = HEADER_LENGTH;
  while (pos < n) {
    if (fingerprintOffset >= 0) return fail('attribute-after-fingerprint', pos, 'FINGERPRINT must be the last attribute');
    if (pos + 4 > n) return fail('attribute-overrun', pos, 'attribute header runs past the end of the message');
    const type = (buf[pos] << 8) | buf[pos + 1];
    const length = (buf[pos + 2] << 8) | buf[pos + 3];
    const valueOffset = pos + 4;
    if (valueOffset + length > n) {
      return fail('attribute-overrun', pos, `attribute 0x${type.toString(16)} of length ${length} runs past the end of the message`);
    }
    // RFC 8489 §14.5–14.6: only MESSAGE-INTEGRITY-SHA256 may follow MESSAGE-INTEGRITY, and only
    // FINGERPRINT may follow either; anything else would be unprotected by the HMAC.
    if (integrityOffset >= 0 || integritySha256Offset >= 0) {
      const allowed = type === Attr.Fingerprint || (type === Attr.MessageIntegritySha256 && integritySha256Offset < 0);
      if (!allowed) {
        return fail('attribute-after-integrity', pos, `attribute 0x${type.toString(16)} follows a message integrity attribute`);
      }
    }
    const codec = codecFor(type);
    if (codec === undefined) {
      attributes.push({ type, value: view(buf, valueOffset, length), unknown: true });
    } else {
      const value = codec.decode(buf, valueOffset, length);
      if (value instanceof AttributeFault) return fail(value.reason, pos, value.detail);
      attributes.push({ type, value } as StunAttribute);
    }
    if (type === Attr.MessageIntegrity) integrityOffset = pos;
    else if (type === Attr.MessageIntegritySha256) integritySha256Offset = pos;
    else if (type === Attr.Fingerprint) fingerprintOffset = pos;
    pos = valueOffset + pad4(length);
  }
  if (fingerprintOffset >= 0) {
    const mismatch = checkFingerprint(buf, fingerprintOffset);
    if (mismatch !== undefined) return mismatch;
  }
  const type = (buf[0] << 8) | buf[1];
  return {
    ok: true,
    value: {
      method: methodOf(type),
      class: classOf(type),
      transactionId: copyTransactionId(buf),
      attributes,
      raw: buf,
      integrityOffset,
      integritySha256Offset,
      hasFingerprint: fingerprintOffset >= 0,
    },
  };
}
