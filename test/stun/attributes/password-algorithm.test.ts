import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attr, getAttribute } from '../../../src/stun/index.ts';
import { decodeOk, encodeOne, firstValue, hex, rawMessage, roundTrip, tlv } from '../helpers.ts';

test('PASSWORD-ALGORITHMS pads each entry\'s parameters to four bytes', () => {
  const value = [
    { algorithm: 1, parameters: Uint8Array.of(9) },
    { algorithm: 2, parameters: new Uint8Array(0) },
  ];
  const buf = encodeOne({ type: Attr.PasswordAlgorithms, value });
  assert.deepEqual(firstValue(buf), hex('00 01 00 01 09 00 00 00 00 02 00 00'));
  assert.deepEqual(getAttribute(decodeOk(buf), Attr.PasswordAlgorithms), value);
});

test('PASSWORD-ALGORITHMS accepts a last entry whose padding is not counted in the length', () => {
  const msg = decodeOk(rawMessage(tlv(Attr.PasswordAlgorithms, hex('00 02 00 00 00 01 00 02 aa bb'))));
  assert.deepEqual(getAttribute(msg, Attr.PasswordAlgorithms), [
    { algorithm: 2, parameters: new Uint8Array(0) },
    { algorithm: 1, parameters: Uint8Array.of(0xaa, 0xbb) },
  ]);
});

test('PASSWORD-ALGORITHM carries one algorithm and round-trips with parameters', () => {
  assert.deepEqual(firstValue(encodeOne({ type: Attr.PasswordAlgorithm, value: { algorithm: 2, parameters: new Uint8Array(0) } })), hex('00 02 00 00'));
  const value = { algorithm: 0xffff, parameters: Uint8Array.of(1, 2, 3, 4, 5) };
  assert.deepEqual(getAttribute(roundTrip([{ type: Attr.PasswordAlgorithm, value }]), Attr.PasswordAlgorithm), value);
  assert.throws(() => encodeOne({ type: Attr.PasswordAlgorithm, value: { algorithm: 0x10000, parameters: new Uint8Array(0) } }), RangeError);
});
