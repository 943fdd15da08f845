import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attr, getAttribute } from '../../../src/stun/index.ts';
import { decodeOk, encodeOne, firstValue, hex, rawMessage, roundTrip, tlv } from '../helpers.ts';

test('32-bit attributes are big-endian and round-trip 0 and 2^32-1', () => {
  for (const type of [Attr.Lifetime, Attr.Priority, Attr.ConnectionId] as const) {
    assert.deepEqual(firstValue(encodeOne({ type, value: 0x01020304 })), hex('01 02 03 04'));
    for (const value of [0, 0xffffffff]) assert.equal(getAttribute(roundTrip([{ type, value }]), type), value);
    assert.throws(() => encodeOne({ type, value: 2 ** 32 }), RangeError);
    assert.throws(() => encodeOne({ type, value: -1 }), RangeError);
  }
});

test('CHANNEL-NUMBER is 16 bits followed by two zero bytes', () => {
  assert.deepEqual(firstValue(encodeOne({ type: Attr.ChannelNumber, value: 0x4001 })), hex('40 01 00 00'));
  // Reserved bytes are ignored; range checks (0x4000-0x4FFF) are the server's, not the codec's.
  assert.equal(getAttribute(decodeOk(rawMessage(tlv(Attr.ChannelNumber, hex('12 34 ff ff')))), Attr.ChannelNumber), 0x1234);
  assert.throws(() => encodeOne({ type: Attr.ChannelNumber, value: 0x10000 }), RangeError);
});

test('RESPONSE-PORT is written in 4 bytes and read from 2 or 4', () => {
  assert.deepEqual(firstValue(encodeOne({ type: Attr.ResponsePort, value: 3479 })), hex('0d 97 00 00'));
  assert.equal(getAttribute(decodeOk(rawMessage(tlv(Attr.ResponsePort, hex('0d 97')))), Attr.ResponsePort), 3479);
});

test('ICE-CONTROLLED and ICE-CONTROLLING carry a 64-bit bigint', () => {
  assert.deepEqual(firstValue(encodeOne({ type: Attr.IceControlling, value: 0x0102030405060708n })), hex('01 02 03 04 05 06 07 08'));
  for (const value of [0n, 2n ** 64n - 1n]) {
    assert.equal(getAttribute(roundTrip([{ type: Attr.IceControlled, value }]), Attr.IceControlled), value);
  }
  assert.throws(() => encodeOne({ type: Attr.IceControlled, value: 2n ** 64n }), RangeError);
  assert.throws(() => encodeOne({ type: Attr.IceControlled, value: 5 as unknown as bigint }), RangeError);
});

test('DONT-FRAGMENT and USE-CANDIDATE are empty flags decoded as true', () => {
  for (const type of [Attr.DontFragment, Attr.UseCandidate] as const) {
    const buf = encodeOne({ type, value: true });
    assert.equal(buf.length, 24);
    assert.equal(buf.readUInt16BE(22), 0);
    assert.equal(getAttribute(decodeOk(buf), type), true);
  }
});
