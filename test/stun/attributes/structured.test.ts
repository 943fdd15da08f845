import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attr, getAttribute } from '../../../src/stun/index.ts';
import { decodeOk, encodeOne, firstValue, hex, rawMessage, roundTrip, tlv } from '../helpers.ts';

test('CHANGE-REQUEST uses bits 0x04 (IP) and 0x02 (port) of the last byte', () => {
  assert.deepEqual(firstValue(encodeOne({ type: Attr.ChangeRequest, value: { changeIp: true, changePort: true } })), hex('00 00 00 06'));
  assert.deepEqual(getAttribute(decodeOk(rawMessage(tlv(Attr.ChangeRequest, hex('ff ff ff f9')))), Attr.ChangeRequest), {
    changeIp: false,
    changePort: false,
  });
  for (const value of [
    { changeIp: true, changePort: false },
    { changeIp: false, changePort: true },
  ]) {
    assert.deepEqual(getAttribute(roundTrip([{ type: Attr.ChangeRequest, value }]), Attr.ChangeRequest), value);
  }
});

test('EVEN-PORT is one byte with the R bit on top, padded to four', () => {
  const buf = encodeOne({ type: Attr.EvenPort, value: { reserveNext: true } });
  assert.equal(buf.readUInt16BE(22), 1);
  assert.deepEqual(buf.subarray(24), hex('80 00 00 00'));
  assert.deepEqual(getAttribute(decodeOk(rawMessage(tlv(Attr.EvenPort, hex('7f')))), Attr.EvenPort), { reserveNext: false });
});

test('REQUESTED-TRANSPORT carries the protocol number in its first byte', () => {
  assert.deepEqual(firstValue(encodeOne({ type: Attr.RequestedTransport, value: 17 })), hex('11 00 00 00'));
  assert.equal(getAttribute(roundTrip([{ type: Attr.RequestedTransport, value: 6 }]), Attr.RequestedTransport), 6);
  assert.throws(() => encodeOne({ type: Attr.RequestedTransport, value: 256 }), RangeError);
});

test('REQUESTED-ADDRESS-FAMILY and ADDITIONAL-ADDRESS-FAMILY are 0x01 / 0x02 then three zero bytes', () => {
  assert.deepEqual(firstValue(encodeOne({ type: Attr.RequestedAddressFamily, value: 'IPv4' })), hex('01 00 00 00'));
  assert.deepEqual(firstValue(encodeOne({ type: Attr.AdditionalAddressFamily, value: 'IPv6' })), hex('02 00 00 00'));
  assert.throws(() => encodeOne({ type: Attr.RequestedAddressFamily, value: 'IPv7' as 'IPv4' }), RangeError);
});

test('ICMP packs a 7-bit type and a 9-bit code after 16 reserved bits', () => {
  const buf = encodeOne({ type: Attr.Icmp, value: { type: 3, code: 4, data: 1400 } });
  assert.deepEqual(firstValue(buf), hex('00 00 06 04 00 00 05 78'));
  const edge = { type: 127, code: 511, data: 0xffffffff };
  assert.deepEqual(getAttribute(roundTrip([{ type: Attr.Icmp, value: edge }]), Attr.Icmp), edge);
  assert.throws(() => encodeOne({ type: Attr.Icmp, value: { type: 128, code: 0, data: 0 } }), RangeError);
});

test('UNKNOWN-ATTRIBUTES lists 16-bit types, zero-padded when the count is odd', () => {
  const buf = encodeOne({ type: Attr.UnknownAttributes, value: [0x0031, 0x0032, 0x0033] });
  assert.equal(buf.readUInt16BE(22), 6);
  assert.deepEqual(buf.subarray(24), hex('00 31 00 32 00 33 00 00'));
  assert.deepEqual(getAttribute(roundTrip([{ type: Attr.UnknownAttributes, value: [] }]), Attr.UnknownAttributes), []);
  assert.throws(() => encodeOne({ type: Attr.UnknownAttributes, value: [0x10000] }), RangeError);
});
