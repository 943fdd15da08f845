/**
 * STUN message → bytes (RFC 8489 §5, §14). The caller supplies everything that varies (the
 * transaction id, the integrity keys), so the same input always gives the same bytes.
 * MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are computed from the options
 * and appended in that order (§14.5–14.7); such attributes in `msg.attributes` are skipped,
 * so a decoded message can be encoded again.
 */
import { checkBytes, pad4, unencodable } from './attributes/codec.ts';
import { codecFor } from './attributes/registry.ts';
import { fingerprintOf } from './fingerprint.ts';
import { encodeMessageType } from './header.ts';
import { INTEGRITY_ATTRIBUTE_LENGTH, INTEGRITY_SHA256_ATTRIBUTE_LENGTH, messageHmac } from './integrity.ts';
import { Attr, HEADER_LENGTH, MAGIC_COOKIE, TRANSACTION_ID_LENGTH, type StunAttribute, type StunMessage } from './types.ts';

/** What `encodeMessage` appends after the message's own attributes. */
export interface EncodeOptions {
  /** Adds MESSAGE-INTEGRITY, the HMAC-SHA1 under this key (RFC 8489 §14.5). */
  integrityKey?: Uint8Array;
  /** Adds MESSAGE-INTEGRITY-SHA256, the 32-byte HMAC-SHA256 under this key (RFC 8489 §14.6). */
  integritySha256Key?: Uint8Array;
  /** Adds FINGERPRINT, the CRC-32 of the message xor 0x5354554e (RFC 8489 §14.7). */
  fingerprint?: boolean;
}

/** RFC 8489 §5: the header length field is 16 bits. */
const MAX_BODY_LENGTH = 0xffff;
/** RFC 8489 §14.7: a FINGERPRINT attribute, header included. */
const FINGERPRINT_ATTRIBUTE_LENGTH = 8;

/** Attributes `encodeMessage` computes itself rather than copying from the message. */
function isComputed(type: number): boolean {
  return type === Attr.MessageIntegrity || type === Attr.MessageIntegritySha256 || type === Attr.Fingerprint;
}

/** Value length of one attribute; throws a RangeError if it cannot be encoded. */
function valueSize(attr: StunAttribute): number {
  if (!Number.isInteger(attr.type) || attr.type < 0 || attr.type > 0xffff) {
    unencodable(String(attr.type), 'attribute type is not a 16-bit integer');
  }
  const codec = 'unknown' in attr ? undefined : codecFor(attr.type);
  if (codec === undefined) return checkBytes(`0x${attr.type.toString(16)}`, attr.value as Uint8Array);
  return codec.size(attr.value);
}

function checkHeaderFields(msg: StunMessage): void {
  if (!Number.isInteger(msg.method) || msg.method < 0 || msg.method > 0xfff) {
    throw new RangeError(`cannot encode STUN message: method ${String(msg.method)} is not a 12-bit integer`);
  }
  if (msg.class !== 0 && msg.class !== 1 && msg.class !== 2 && msg.class !== 3) {
    throw new RangeError(`cannot encode STUN message: class ${String(msg.class)} is not 0..3`);
  }
  if (!(msg.transactionId instanceof Uint8Array) || msg.transactionId.length !== TRANSACTION_ID_LENGTH) {
    throw new RangeError(`cannot encode STUN message: the transaction id must be ${TRANSACTION_ID_LENGTH} bytes`);
  }
}

/** Appends the integrity and fingerprint attributes the options ask for, from `pos`. */
function appendTrailer(out: Buffer, pos: number, opts: EncodeOptions): void {
  if (opts.integrityKey !== undefined) {
    const end = pos + INTEGRITY_ATTRIBUTE_LENGTH;
    const mac = messageHmac('sha1', opts.integrityKey, out, pos, end - HEADER_LENGTH);
    out.writeUInt16BE(Attr.MessageIntegrity, pos);
    out.writeUInt16BE(20, pos + 2);
    out.set(mac, pos + 4);
    pos = end;
  }
  if (opts.integritySha256Key !== undefined) {
    const end = pos + INTEGRITY_SHA256_ATTRIBUTE_LENGTH;
    const mac = messageHmac('sha256', opts.integritySha256Key, out, pos, end - HEADER_LENGTH);
    out.writeUInt16BE(Attr.MessageIntegritySha256, pos);
    out.writeUInt16BE(32, pos + 2);
    out.set(mac, pos + 4);
    pos = end;
  }
  if (opts.fingerprint === true) {
    // §14.7: the CRC covers a header whose length already counts the FINGERPRINT attribute,
    // which is the final length written by encodeMessage.
    out.writeUInt16BE(Attr.Fingerprint, pos);
    out.writeUInt16BE(4, pos + 2);
    out.writeUInt32BE(fingerprintOf(out.subarray(0, pos)), pos + 4);
  }
}

/**
 * Encodes a STUN message (RFC 8489 §5–6, §14): header, attributes in order with zero padding,
 * then the integrity and fingerprint attributes `opts` asks for. Throws a RangeError if a
 * value cannot be encoded (a method over 12 bits, a transaction id not 12 bytes long, an
 * address text that does not parse, a text over its RFC limit, a message over 64 KiB): that
 * is a bug in the caller, not a protocol outcome.
 */
export function encodeMessage(msg: StunMessage, opts: EncodeOptions = {}): Buffer {
  checkHeaderFields(msg);
  const attrs = msg.attributes;
  const sizes = new Array<number>(attrs.length);
  let total = HEADER_LENGTH;
  for (let i = 0; i < attrs.length; i++) {
    if (isComputed(attrs[i].type)) continue;
    sizes[i] = valueSize(attrs[i]);
    total += 4 + pad4(sizes[i]);
  }
  if (opts.integrityKey !== undefined) total += INTEGRITY_ATTRIBUTE_LENGTH;
  if (opts.integritySha256Key !== undefined) total += INTEGRITY_SHA256_ATTRIBUTE_LENGTH;
  if (opts.fingerprint === true) total += FINGERPRINT_ATTRIBUTE_LENGTH;
  if (total - HEADER_LENGTH > MAX_BODY_LENGTH) {
    throw new RangeError(`cannot encode STUN message: ${total - HEADER_LENGTH} bytes of attributes exceed ${MAX_BODY_LENGTH}`);
  }
  // Zero-filled, so reserved fields and padding need no writing (§14: padding is zero).
  const out = Buffer.alloc(total);
  out.writeUInt16BE(encodeMessageType(msg.method, msg.class), 0);
  out.writeUInt16BE(total - HEADER_LENGTH, 2);
  out.writeUInt32BE(MAGIC_COOKIE, 4);
  out.set(msg.transactionId, 8);
  let pos = HEADER_LENGTH;
  for (let i = 0; i < attrs.length; i++) {
    const attr = attrs[i];
    if (isComputed(attr.type)) continue;
    out.writeUInt16BE(attr.type, pos);
    out.writeUInt16BE(sizes[i], pos + 2);
    const codec = 'unknown' in attr ? undefined : codecFor(attr.type);
    if (codec === undefined) out.set(attr.value as Uint8Array, pos + 4);
    else codec.write(out, pos + 4, attr.value);
    pos += 4 + pad4(sizes[i]);
  }
  appendTrailer(out, pos, opts);
  return out;
}
