import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attr, getAttribute, type StunAttribute } from '../../../src/stun/index.ts';
import { decodeOk, encodeOne, rawMessage, roundTrip, tlv } from '../helpers.ts';

const VARIABLE = [Attr.Data, Attr.Padding, Attr.AccessToken, Attr.MobilityTicket] as const;

test('byte-string attributes round-trip every length 0..9 with zero padding', () => {
  for (const type of VARIABLE) {
    for (let n = 0; n < 10; n++) {
      const value = Uint8Array.from({ length: n }, (_, i) => 0xa0 + i);
      const attr = { type, value } as StunAttribute;
      const buf = encodeOne(attr);
      assert.equal(buf.readUInt16BE(22), n);
      assert.ok(buf.subarray(24 + n).every((x) => x === 0), 'padding is zero');
      assert.deepEqual(getAttribute(roundTrip([attr]), type), value);
    }
  }
});

test('a decoded DATA value is a view of the received bytes, not a copy', () => {
  const buf = rawMessage(tlv(Attr.Data, Buffer.from('hello')));
  const data = getAttribute(decodeOk(buf), Attr.Data);
  assert.ok(data);
  assert.equal(data.buffer, buf.buffer);
  assert.equal(data.byteOffset, buf.byteOffset + 24);
  assert.equal(Object.getPrototypeOf(data), Uint8Array.prototype);
});

test('fixed-size byte strings must have their size to be encoded', () => {
  assert.throws(() => encodeOne({ type: Attr.ReservationToken, value: new Uint8Array(7) }), RangeError);
  assert.throws(() => encodeOne({ type: Attr.Userhash, value: new Uint8Array(31) }), RangeError);
  assert.throws(() => encodeOne({ type: Attr.Data, value: 'text' as unknown as Uint8Array }), RangeError);
  const token = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  assert.deepEqual(getAttribute(roundTrip([{ type: Attr.ReservationToken, value: token }]), Attr.ReservationToken), token);
});

test('MESSAGE-INTEGRITY-SHA256 may be truncated to 16..28 bytes in steps of 4', () => {
  for (const n of [16, 20, 24, 28, 32]) {
    const msg = decodeOk(rawMessage(tlv(Attr.MessageIntegritySha256, new Uint8Array(n).fill(n))));
    assert.equal(getAttribute(msg, Attr.MessageIntegritySha256)?.length, n);
  }
});
