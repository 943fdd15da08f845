import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attr, getAttribute, type TransportAddress } from '../../../src/stun/index.ts';
import { encodeOne, firstValue, hex, roundTrip } from '../helpers.ts';

const ADDRESS_TYPES = [Attr.MappedAddress, Attr.AlternateServer, Attr.ResponseOrigin, Attr.OtherAddress] as const;
const XOR_TYPES = [Attr.XorMappedAddress, Attr.XorPeerAddress, Attr.XorRelayedAddress] as const;

test('XOR-MAPPED-ADDRESS is written exactly as in RFC 5769 §2.2 and §2.3', () => {
  const v4 = encodeOne({ type: Attr.XorMappedAddress, value: { family: 'IPv4', address: '192.0.2.1', port: 32853 } });
  assert.deepEqual(firstValue(v4), hex('00 01 a1 47 e1 12 a6 43'));
  const v6 = encodeOne({
    type: Attr.XorMappedAddress,
    value: { family: 'IPv6', address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 },
  });
  assert.deepEqual(firstValue(v6), hex('00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9'));
});

test('MAPPED-ADDRESS and its plain siblings carry the address unxored', () => {
  for (const type of ADDRESS_TYPES) {
    const buf = encodeOne({ type, value: { family: 'IPv4', address: '192.0.2.1', port: 32853 } });
    assert.deepEqual(firstValue(buf), hex('00 01 80 55 c0 00 02 01'));
  }
  const v6 = encodeOne({ type: Attr.MappedAddress, value: { family: 'IPv6', address: '2001:db8::1', port: 1 } });
  assert.deepEqual(firstValue(v6), hex('00 02 00 01 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01'));
});

test('every address attribute round-trips IPv4, IPv6 and IPv4-mapped IPv6', () => {
  const values: TransportAddress[] = [
    { family: 'IPv4', address: '255.255.255.255', port: 65535 },
    { family: 'IPv6', address: '::', port: 0 },
    { family: 'IPv6', address: '::ffff:10.0.0.1', port: 443 },
    { family: 'IPv6', address: '2001:db8:0:1:1:1:1:1', port: 3478 },
  ];
  for (const type of [...ADDRESS_TYPES, ...XOR_TYPES]) {
    for (const value of values) assert.deepEqual(getAttribute(roundTrip([{ type, value }]), type), value);
  }
});

test('decoded addresses are in canonical text whatever text was encoded', () => {
  const msg = roundTrip([{ type: Attr.XorPeerAddress, value: { family: 'IPv6', address: '2001:DB8:0:0:0:0:0:0001', port: 9 } }]);
  assert.equal(getAttribute(msg, Attr.XorPeerAddress)?.address, '2001:db8::1');
});

test('encoding refuses addresses that do not parse, mismatched families and bad ports', () => {
  const bad: TransportAddress[] = [
    { family: 'IPv4', address: '::1', port: 1 },
    { family: 'IPv6', address: '127.0.0.1', port: 1 },
    { family: 'IPv4', address: '1.2.3', port: 1 },
    { family: 'IPv4', address: '01.2.3.4', port: 1 },
    { family: 'IPv6', address: 'fe80::1%eth0', port: 1 },
    { family: 'IPv4', address: '1.2.3.4', port: 65536 },
    { family: 'IPv4', address: '1.2.3.4', port: -1 },
    { family: 'IPv4', address: '1.2.3.4', port: 1.5 },
    { family: 'IPv5' as 'IPv4', address: '1.2.3.4', port: 1 },
  ];
  for (const value of bad) assert.throws(() => encodeOne({ type: Attr.XorPeerAddress, value }), RangeError, JSON.stringify(value));
});
