/** Shared test helpers for the STUN codec tests: hex fixtures and hand-built messages. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeMessage, encodeMessage, MessageClass, Method, type DecodedStunMessage, type StunAttribute } from '../../src/stun/index.ts';

/** Bytes from hex text; whitespace and `#` comment lines are ignored. */
export function hex(text: string): Buffer {
  const digits = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('')
    .replace(/\s+/g, '');
  return Buffer.from(digits, 'hex');
}

/** A hex fixture from test/fixtures/stun/. */
export function fixture(name: string): Buffer {
  return hex(readFileSync(new URL(`../fixtures/stun/${name}`, import.meta.url), 'utf8'));
}

/** The transaction id used by RFC 5769 §2.1–2.3, handy as a fixed id. */
export const TID = hex('b7e7a701bc34d686fa87dfae');

/** A Binding request header followed by `body`, with the length field set to body.length. */
export function rawMessage(body: Uint8Array, tid: Uint8Array = TID): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(0x0001, 0);
  header.writeUInt16BE(body.length, 2);
  header.writeUInt32BE(0x2112a442, 4);
  header.set(tid, 8);
  return Buffer.concat([header, body]);
}

/** One attribute TLV with zero padding. */
export function tlv(type: number, value: Uint8Array, length = value.length): Buffer {
  const out = Buffer.alloc(4 + ((value.length + 3) & ~3));
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(length, 2);
  out.set(value, 4);
  return out;
}

/** Decodes and asserts success. */
export function decodeOk(buf: Uint8Array): DecodedStunMessage {
  const r = decodeMessage(buf);
  if (!r.ok) assert.fail(`decode failed: ${r.error.reason} at ${r.error.offset}: ${r.error.detail}`);
  return r.value;
}

/** Encodes a Binding request with these attributes and decodes it back. */
export function roundTrip(attributes: StunAttribute[]): DecodedStunMessage {
  return decodeOk(encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: TID, attributes }));
}

/** The bytes of the first attribute's value in an encoded message (after the 20-byte header). */
export function firstValue(encoded: Buffer): Buffer {
  const length = encoded.readUInt16BE(22);
  return encoded.subarray(24, 24 + length);
}

/** Encodes a Binding request holding one attribute and returns the whole message. */
export function encodeOne(attribute: StunAttribute): Buffer {
  return encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: TID, attributes: [attribute] });
}
