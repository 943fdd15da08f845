import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cidrAsRange, ipFamily } from '../../src/config/ip-text.ts';
import { addressPort, bindAddress, bool, externalIp, integer, ipAddress, ipRange, logFile, logMinLevel, singleCharacter, staticUser } from '../../src/config/values.ts';
import { editDistance, nearNames } from '../../src/config/suggest.ts';

const value = <T>(parsed: { ok: true; value: T } | { ok: false }) => (parsed.ok ? parsed.value : undefined);

test("booleans: coturn's words, any case, and positive numbers", () => {
  for (const word of ['1', 'yes', 'Y', 'true', 'T', 'on', 'ON', '7']) assert.equal(value(bool.parse(word)), true, word);
  for (const word of ['0', 'no', 'N', 'false', 'f', 'off', 'Off']) assert.equal(value(bool.parse(word)), false, word);
  for (const word of ['maybe', '', '-1', '01x']) assert.equal(bool.parse(word).ok, false, word);
});

test('integers are strict decimal within bounds (no atoi leniency)', () => {
  const port = integer(0, 65535);
  assert.equal(value(port.parse('3478')), 3478);
  assert.equal(value(port.parse('0')), 0);
  for (const bad of ['65536', '-1', '+5', '3478abc', ' 1', '1.5', '0x10', '']) assert.equal(port.parse(bad).ok, false, bad);
});

test('users: name:password, passwords may hold colons, keys in 0x form', () => {
  assert.deepEqual(value(staticUser.parse('bob:pa:ss')), { name: 'bob', password: 'pa:ss' });
  assert.deepEqual(value(staticUser.parse('bob: spaced')), { name: 'bob', password: 'spaced' });
  assert.deepEqual(value(staticUser.parse('ninefingers:0xbc807ee29df3c9ffa736523fb2c4e8ee')), {
    name: 'ninefingers',
    key: Uint8Array.from([0xbc, 0x80, 0x7e, 0xe2, 0x9d, 0xf3, 0xc9, 0xff, 0xa7, 0x36, 0x52, 0x3f, 0xb2, 0xc4, 0xe8, 0xee]),
  });
  for (const bad of ['bob', ':pw', 'bob:', 'bob:0x1234', 'bob:0xZZ807ee29df3c9ffa736523fb2c4e8ee']) assert.equal(staticUser.parse(bad).ok, false, bad);
});

test('external-ip: PUBLIC or PUBLIC/PRIVATE of one family; no host names', () => {
  assert.deepEqual(value(externalIp.parse('42.192.50.232')), { public: '42.192.50.232' });
  assert.deepEqual(value(externalIp.parse('203.0.113.5/127.0.0.1')), { public: '203.0.113.5', private: '127.0.0.1' });
  assert.deepEqual(value(externalIp.parse('2001:db8::1/fd00::1')), { public: '2001:db8::1', private: 'fd00::1' });
  for (const bad of ['turn.example.org', '1.2.3.4/', '1.2.3.4/5.6.7.8/9.9.9.9', '1.2.3.4/::1', '300.1.1.1']) assert.equal(externalIp.parse(bad).ok, false, bad);
});

test('bind addresses accept IPv6 zone ids, peer ranges do not', () => {
  assert.equal(value(bindAddress.parse('fe80::1%eth0')), 'fe80::1%eth0');
  assert.equal(bindAddress.parse('127.0.0.1%eth0').ok, false);
  assert.equal(bindAddress.parse('fe80::1%').ok, false, 'an empty zone id names no interface');
  assert.equal(ipAddress.parse('fe80::1%eth0').ok, false);
  assert.equal(ipRange.parse('fe80::1%eth0').ok, false);
});

test('peer ranges: equal ends are fine, CIDR gets the range to write instead', () => {
  assert.equal(value(ipRange.parse('10.0.0.1-10.0.0.1')), '10.0.0.1-10.0.0.1');
  assert.equal(value(ipRange.parse('::1')), '::1');
  const cidr = ipRange.parse('192.168.0.0/16');
  assert.equal(cidr.ok, false);
  assert.match((cidr as { expected: string }).expected, /write '192\.168\.0\.0-192\.168\.255\.255'/);
});

test('CIDR to range, IPv4 and IPv6', () => {
  assert.equal(cidrAsRange('10.1.2.3/8'), '10.0.0.0-10.255.255.255');
  assert.equal(cidrAsRange('0.0.0.0/0'), '0.0.0.0-255.255.255.255');
  assert.equal(cidrAsRange('1.2.3.4/32'), '1.2.3.4-1.2.3.4');
  assert.equal(cidrAsRange('2001:db8::/32'), '2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff');
  assert.equal(cidrAsRange('10.0.0.0/33'), undefined);
  assert.equal(cidrAsRange('10.0.0.0'), undefined);
});

test('CIDR ranges are written back in RFC 5952 text, IPv4-mapped ones dotted (§5)', () => {
  assert.equal(cidrAsRange('2001:DB8:0:0:1::/80'), '2001:db8:0:0:1::-2001:db8::1:ffff:ffff:ffff');
  assert.equal(cidrAsRange('::ffff:0:0/96'), '::ffff:0.0.0.0-::ffff:255.255.255.255');
  assert.equal(cidrAsRange('::/127'), '::-::1');
  assert.equal(cidrAsRange('127.1/8'), undefined);
  assert.equal(cidrAsRange('fe80::%eth0/64'), undefined);
});

test('peer ranges are ordered by address value, embedded IPv4 and all', () => {
  assert.equal(ipRange.parse('10.0.0.9-10.0.0.10').ok, true);
  assert.equal(ipRange.parse('10.0.0.10-10.0.0.9').ok, false);
  assert.equal(ipRange.parse('::ffff:1.2.3.4-::ffff:1.2.3.5').ok, true);
  assert.equal(ipRange.parse('::ffff:1.2.3.5-::ffff:102:304').ok, false);
  assert.equal(ipRange.parse('1::-::1').ok, false);
  assert.equal(ipRange.parse('1.2.3.4-::ffff:1.2.3.5').ok, false, 'families as written differ');
});

test('property: any IP text is accepted with its family, as a range of itself too', () => {
  fc.assert(
    fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
      const family = ipFamily(ip);
      assert.equal(family, ip.includes(':') ? 6 : 4, ip);
      assert.equal(ipRange.parse(`${ip}-${ip}`).ok, true, ip);
      assert.equal(ipAddress.parse(ip).ok, true, ip);
    }),
  );
});

test("log-file: '-' means stdout; single characters; near names", () => {
  assert.equal(value(logFile.parse('-')), 'stdout');
  assert.equal(value(logFile.parse('syslog')), 'syslog');
  assert.equal(value(singleCharacter.parse('-')), '-');
  assert.equal(singleCharacter.parse('::').ok, false);
  assert.equal(editDistance('min-prot', 'min-port'), 1);
  assert.deepEqual(nearNames('verbos', ['verbose', 'Verbose', 'realm']), ['verbose', 'Verbose']);
  assert.deepEqual(nearNames('allocation-default', ['allocation-default-address-family', 'realm']), ['allocation-default-address-family']);
  assert.deepEqual(nearNames('xy', ['xylophone']), []);
});

test("addresses with ports: 'IP', 'IPv4:PORT', '[IPv6]:PORT', a bare IPv6 address without port", () => {
  assert.deepEqual(value(addressPort.parse('192.0.2.1')), { ip: '192.0.2.1', port: 0 });
  assert.deepEqual(value(addressPort.parse('192.0.2.1:3479')), { ip: '192.0.2.1', port: 3479 });
  assert.deepEqual(value(addressPort.parse('[2001:db8::1]:5349')), { ip: '2001:db8::1', port: 5349 });
  assert.deepEqual(value(addressPort.parse('[2001:db8::1]')), { ip: '2001:db8::1', port: 0 });
  assert.deepEqual(value(addressPort.parse('2001:db8::1')), { ip: '2001:db8::1', port: 0 });
  assert.deepEqual(value(addressPort.parse(' 192.0.2.1:1 ')), { ip: '192.0.2.1', port: 1 });
  for (const bad of ['', 'host.example', '192.0.2.1:', '192.0.2.1:65536', '192.0.2.1:x', '[192.0.2.1]:1', '[2001:db8::1]:', '[2001:db8::1', '1.2.3:4']) {
    assert.equal(addressPort.parse(bad).ok, false, bad);
  }
  fc.assert(
    fc.property(fc.ipV4(), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
      assert.deepEqual(value(addressPort.parse(`${ip}:${port}`)), { ip, port });
    }),
  );
});

test('log levels: coturn\'s four names, in any case', () => {
  assert.equal(value(logMinLevel.parse('Warning')), 'warning');
  assert.equal(value(logMinLevel.parse('DEBUG')), 'debug');
  for (const bad of ['warn', 'trace', '']) assert.equal(logMinLevel.parse(bad).ok, false, bad);
});
