import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attr, decodeMessage, encodeMessage, MessageClass, Method, type DecodeErrorReason } from '../../src/stun/index.ts';
import { fixture, rawMessage, TID, tlv } from './helpers.ts';

/** Asserts that decoding fails for `reason` at `offset`, with a detail text for the log. */
function assertFails(buf: Uint8Array, reason: DecodeErrorReason, offset: number): void {
  const r = decodeMessage(buf);
  assert.equal(r.ok, false, `expected ${reason}`);
  if (r.ok) return;
  assert.equal(r.error.reason, reason, r.error.detail);
  assert.equal(r.error.offset, offset);
  assert.ok(r.error.detail.length > 0);
}

const bytes = (...values: number[]) => Uint8Array.from(values);
const text = (s: string) => Buffer.from(s, 'utf8');

test('header: too-short, not-stun, bad-cookie', () => {
  assertFails(new Uint8Array(0), 'too-short', 0);
  assertFails(rawMessage(new Uint8Array(0)).subarray(0, 19), 'too-short', 19);
  const notStun = rawMessage(new Uint8Array(0));
  notStun[0] = 0x80;
  assertFails(notStun, 'not-stun', 0);
  const badCookie = rawMessage(new Uint8Array(0));
  badCookie[7] ^= 1;
  assertFails(badCookie, 'bad-cookie', 4);
});

test('header: a length that is not a multiple of 4, or not the bytes that follow', () => {
  const odd = rawMessage(new Uint8Array(6));
  assertFails(odd, 'length-not-multiple-of-4', 2);
  const long = rawMessage(tlv(Attr.Lifetime, new Uint8Array(4)));
  assertFails(Buffer.concat([long, new Uint8Array(4)]), 'length-mismatch', 2);
  assertFails(long.subarray(0, long.length - 4), 'length-mismatch', 2);
});

test('attribute-overrun: a value longer than the message', () => {
  const buf = rawMessage(Buffer.concat([tlv(Attr.Software, text('abcd')), tlv(Attr.Data, new Uint8Array(4))]));
  buf.writeUInt16BE(5, 30); // DATA claims 5 bytes where 4 remain
  assertFails(buf, 'attribute-overrun', 28);
});

test('attribute-bad-length: fixed-size attributes of the wrong size', () => {
  const cases: [number, Uint8Array][] = [
    [Attr.Lifetime, new Uint8Array(3)],
    [Attr.ChannelNumber, new Uint8Array(8)],
    [Attr.XorMappedAddress, bytes(0, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8)],
    [Attr.XorMappedAddress, bytes(0, 2, 0, 0, 1, 2, 3, 4)],
    [Attr.MessageIntegrity, new Uint8Array(16)],
    [Attr.MessageIntegritySha256, new Uint8Array(12)],
    [Attr.MessageIntegritySha256, new Uint8Array(18)],
    [Attr.Fingerprint, new Uint8Array(8)],
    [Attr.DontFragment, new Uint8Array(4)],
    [Attr.EvenPort, new Uint8Array(4)],
    [Attr.ReservationToken, new Uint8Array(4)],
    [Attr.Userhash, new Uint8Array(20)],
    [Attr.IceControlling, new Uint8Array(4)],
    [Attr.ErrorCode, new Uint8Array(2)],
    [Attr.UnknownAttributes, new Uint8Array(3)],
    [Attr.PasswordAlgorithm, bytes(0, 1, 0, 8, 1, 2, 3, 4)],
    [Attr.PasswordAlgorithms, bytes(0, 1, 0, 0, 0, 2)],
    [Attr.Icmp, new Uint8Array(4)],
  ];
  for (const [type, value] of cases) assertFails(rawMessage(tlv(type, value)), 'attribute-bad-length', 20);
});

test('attribute-bad-value: unknown families, impossible error codes, invalid UTF-8', () => {
  const cases: [number, Uint8Array][] = [
    [Attr.XorPeerAddress, bytes(0, 3, 0, 0, 1, 2, 3, 4)],
    [Attr.MappedAddress, bytes(0, 0, 0, 0, 1, 2, 3, 4)],
    [Attr.RequestedAddressFamily, bytes(3, 0, 0, 0)],
    [Attr.AddressErrorCode, bytes(9, 0, 4, 40)],
    [Attr.ErrorCode, bytes(0, 0, 2, 0)],
    [Attr.ErrorCode, bytes(0, 0, 7, 0)],
    [Attr.ErrorCode, bytes(0, 0, 4, 100)],
    [Attr.ErrorCode, bytes(0, 0, 4, 1, 0xff)],
    [Attr.Username, bytes(0x61, 0xc3)],
    [Attr.Realm, bytes(0xed, 0xa0, 0x80)],
    [Attr.Nonce, bytes(0xc0, 0x80)],
    [Attr.Software, bytes(0xff)],
  ];
  for (const [type, value] of cases) assertFails(rawMessage(tlv(type, value)), 'attribute-bad-value', 20);
});

test('attribute-too-long: USERNAME over 513 bytes, REALM/NONCE/SOFTWARE over 763', () => {
  assertFails(rawMessage(tlv(Attr.Username, text('u'.repeat(514)))), 'attribute-too-long', 20);
  for (const type of [Attr.Realm, Attr.Nonce, Attr.Software]) {
    assertFails(rawMessage(tlv(type, text('x'.repeat(764)))), 'attribute-too-long', 20);
  }
  assertFails(rawMessage(tlv(Attr.ErrorCode, Buffer.concat([bytes(0, 0, 4, 0), text('r'.repeat(764))]))), 'attribute-too-long', 20);
  // The limits themselves are accepted.
  assert.equal(decodeMessage(rawMessage(tlv(Attr.Username, text('u'.repeat(513))))).ok, true);
  assert.equal(decodeMessage(rawMessage(tlv(Attr.Nonce, text('n'.repeat(763))))).ok, true);
});

test('attribute-after-integrity: only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may follow', () => {
  const mi = tlv(Attr.MessageIntegrity, new Uint8Array(20));
  const mi256 = tlv(Attr.MessageIntegritySha256, new Uint8Array(32));
  const lifetime = tlv(Attr.Lifetime, new Uint8Array(4));
  assertFails(rawMessage(Buffer.concat([mi, lifetime])), 'attribute-after-integrity', 44);
  assertFails(rawMessage(Buffer.concat([mi, mi])), 'attribute-after-integrity', 44);
  assertFails(rawMessage(Buffer.concat([mi256, mi])), 'attribute-after-integrity', 56);
  assertFails(rawMessage(Buffer.concat([mi, mi256, lifetime])), 'attribute-after-integrity', 80);
  assertFails(rawMessage(Buffer.concat([mi, tlv(0x8123, new Uint8Array(4))])), 'attribute-after-integrity', 44);
  assert.equal(decodeMessage(rawMessage(Buffer.concat([mi, mi256]))).ok, true);
});

test('attribute-after-fingerprint: FINGERPRINT must be last', () => {
  const signed = encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: TID, attributes: [] }, { fingerprint: true });
  const extended = rawMessage(Buffer.concat([signed.subarray(20), tlv(Attr.Software, text('late'))]));
  assertFails(extended, 'attribute-after-fingerprint', 28);
});

test('fingerprint-mismatch: a FINGERPRINT that does not match the bytes', () => {
  const buf = fixture('rfc5769-2.1-request.hex');
  buf[buf.length - 1] ^= 0x80;
  assertFails(buf, 'fingerprint-mismatch', buf.length - 8);
});

test('padding bytes are ignored and unknown attributes are kept', () => {
  const buf = rawMessage(Buffer.concat([tlv(Attr.Software, text('ab')), tlv(0x7f01, bytes(9)), tlv(0xc001, bytes(1, 2, 3, 4, 5))]));
  buf.fill(0xee, 26, 28); // SOFTWARE padding
  const r = decodeMessage(buf);
  assert.ok(r.ok);
  assert.deepEqual(r.value.attributes, [
    { type: Attr.Software, value: 'ab' },
    { type: 0x7f01, value: bytes(9), unknown: true },
    { type: 0xc001, value: bytes(1, 2, 3, 4, 5), unknown: true },
  ]);
});
