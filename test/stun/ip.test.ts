import assert from 'node:assert/strict';
import { SocketAddress } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalIp, formatAddress } from '../../src/stun/index.ts';
import { formatIp } from '../../src/net/ip-format.ts';
import { parseIpInto } from '../../src/net/ip-parse.ts';

test('canonicalIp returns the family and RFC 5952 text', () => {
  assert.deepEqual(canonicalIp('192.0.2.1'), { family: 'IPv4', address: '192.0.2.1' });
  assert.deepEqual(canonicalIp('2001:0DB8:0000:0000:0001:0000:0000:0001'), { family: 'IPv6', address: '2001:db8::1:0:0:1' });
  assert.deepEqual(canonicalIp('1:0:0:1:0:0:1:1'), { family: 'IPv6', address: '1::1:0:0:1:1' });
  assert.deepEqual(canonicalIp('1:0:1:1:1:1:1:1'), { family: 'IPv6', address: '1:0:1:1:1:1:1:1' });
  assert.deepEqual(canonicalIp('::'), { family: 'IPv6', address: '::' });
  assert.deepEqual(canonicalIp('0:0:0:0:0:0:0:1'), { family: 'IPv6', address: '::1' });
  assert.deepEqual(canonicalIp('::FFFF:7f00:1'), { family: 'IPv6', address: '::ffff:127.0.0.1' });
  assert.deepEqual(canonicalIp('::ffff:0:1:2'), { family: 'IPv6', address: '::ffff:0:1:2' });
  assert.deepEqual(canonicalIp('fe80::a:b:c:d'), { family: 'IPv6', address: 'fe80::a:b:c:d' });
});

test('canonicalIp refuses non-addresses, leading zeros and scoped addresses', () => {
  for (const text of ['', 'localhost', '1.2.3', '01.2.3.4', '256.1.1.1', '1::2::3', '[::1]', 'fe80::1%eth0', ' 1.2.3.4']) {
    assert.equal(canonicalIp(text), undefined, text);
  }
});

test('IPv6 text matches what the socket layer prints, for any 16 bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (bytes, sparse) => {
      // Many zero groups exercise the "::" placement and the embedded-IPv4 forms.
      if (sparse) for (let i = 0; i < 16; i += 2) if (bytes[i] & 1) bytes.fill(0, i, i + 2);
      const text = formatIp('IPv6', bytes);
      const full = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16)).join(':');
      assert.equal(text, new SocketAddress({ address: full, family: 'ipv6' }).address);
      const back = new Uint8Array(16);
      assert.equal(parseIpInto(text, back), 'IPv6');
      assert.deepEqual(back, bytes);
      assert.deepEqual(canonicalIp(full), { family: 'IPv6', address: text });
    }),
    { numRuns: 2000 },
  );
});

test('formatAddress brackets IPv6', () => {
  assert.equal(formatAddress({ family: 'IPv4', address: '1.2.3.4', port: 5 }), '1.2.3.4:5');
  assert.equal(formatAddress({ family: 'IPv6', address: '::1', port: 5 }), '[::1]:5');
});
