import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attr, getAttribute } from '../../../src/stun/index.ts';
import { decodeOk, encodeOne, firstValue, hex, rawMessage, roundTrip, tlv } from '../helpers.ts';

test('ERROR-CODE puts the hundreds in the class bits and the rest in the number', () => {
  const buf = encodeOne({ type: Attr.ErrorCode, value: { code: 438, reason: 'Stale Nonce' } });
  assert.deepEqual(firstValue(buf), Buffer.concat([hex('00 00 04 26'), Buffer.from('Stale Nonce')]));
});

test('ERROR-CODE round-trips the extremes 300 and 699 and an empty reason', () => {
  for (const value of [
    { code: 300, reason: 'Try Alternate' },
    { code: 699, reason: '' },
  ]) {
    assert.deepEqual(getAttribute(roundTrip([{ type: Attr.ErrorCode, value }]), Attr.ErrorCode), value);
  }
});

test('ERROR-CODE reserved bits are ignored on decode', () => {
  const msg = decodeOk(rawMessage(tlv(Attr.ErrorCode, hex('ff ff fc 01'))));
  assert.deepEqual(getAttribute(msg, Attr.ErrorCode), { code: 401, reason: '' });
});

test('ADDRESS-ERROR-CODE carries the family in its first byte', () => {
  const buf = encodeOne({ type: Attr.AddressErrorCode, value: { family: 'IPv6', code: 508, reason: 'x' } });
  assert.deepEqual(firstValue(buf), hex('02 00 05 08 78'));
  const value = { family: 'IPv4' as const, code: 440, reason: 'Address Family not Supported' };
  assert.deepEqual(getAttribute(roundTrip([{ type: Attr.AddressErrorCode, value }]), Attr.AddressErrorCode), value);
});

test('encoding refuses codes outside 300..699', () => {
  for (const code of [200, 299, 700, 438.5]) {
    assert.throws(() => encodeOne({ type: Attr.ErrorCode, value: { code, reason: '' } }), RangeError);
  }
  assert.throws(() => encodeOne({ type: Attr.ErrorCode, value: { code: 400, reason: 'r'.repeat(764) } }), RangeError);
});
