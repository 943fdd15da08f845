/**
 * The PROXY protocol codec (src/net/proxy-protocol.ts): v1 and v2 round trips over random
 * addresses (fast-check), examples from HAProxy's proxy-protocol.txt, each beside an invalid
 * twin, every truncation of a valid header reported as `incomplete` (never as a header), and
 * random bytes never throwing nor claiming more bytes than they hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeProxyV1, encodeProxyV2, parseProxyHeader, PROXY_V1_MAX_LENGTH, PROXY_V2_MAX_LENGTH, PROXY_V2_SIGNATURE, type ProxyAddress } from '../../src/net/proxy-protocol.ts';
import { formatIp } from '../../src/net/ip-format.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

const v4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIp('IPv4', b));
const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIp('IPv6', b));
const port = fc.integer({ min: 0, max: 65535 });
const pair = fc.oneof(
  fc.tuple(v4, v4, port, port).map(([s, d, sp, dp]) => ({ source: { family: 'IPv4', ip: s, port: sp }, destination: { family: 'IPv4', ip: d, port: dp } })),
  fc.tuple(v6, v6, port, port).map(([s, d, sp, dp]) => ({ source: { family: 'IPv6', ip: s, port: sp }, destination: { family: 'IPv6', ip: d, port: dp } })),
) as fc.Arbitrary<{ source: ProxyAddress; destination: ProxyAddress }>;

test('v1: decode(encode(x)) = x, and the header length is what was written', () => {
  fc.assert(
    fc.property(pair, fc.uint8Array({ maxLength: 40 }), (p, after) => {
      const header = encodeProxyV1(p.source, p.destination);
      assert.ok(header.length <= PROXY_V1_MAX_LENGTH);
      const r = parseProxyHeader(Buffer.concat([header, after]));
      assert.deepEqual(r, { ok: true, header: { version: 1, command: 'proxy', ...p }, length: header.length });
    }),
  );
});

test('v2: decode(encode(x)) = x, TLVs skipped, the bytes after the header untouched', () => {
  fc.assert(
    fc.property(pair, fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 40 }), (p, tlvs, after) => {
      const header = encodeProxyV2(p, tlvs);
      const r = parseProxyHeader(Buffer.concat([header, after]));
      assert.deepEqual(r, { ok: true, header: { version: 2, command: 'proxy', ...p }, length: header.length });
    }),
  );
});

test('every truncation of a valid header is incomplete, never a header nor an error', () => {
  fc.assert(
    fc.property(pair, fc.boolean(), (p, v2) => {
      const header = v2 ? encodeProxyV2(p, Uint8Array.of(0x04, 0x00, 0x01, 0x00)) : encodeProxyV1(p.source, p.destination);
      for (let n = 0; n < header.length; n++) {
        assert.deepEqual(parseProxyHeader(header.subarray(0, n)), { ok: false, reason: 'incomplete' }, `${n} of ${header.length} bytes`);
      }
    }),
  );
});

test('random bytes never throw, and a header is never longer than the bytes given', () => {
  const prefixes = [new Uint8Array(0), PROXY_V2_SIGNATURE, text('PROXY '), text('PROXY TCP4 '), text('PROXY TCP6 ')];
  fc.assert(
    fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 300 }), (prefix, tail) => {
      const buf = Buffer.concat([prefix, tail]);
      const r = parseProxyHeader(buf);
      if (r.ok) assert.ok(r.length <= buf.length);
    }),
    { numRuns: 2000 },
  );
});

test('examples from proxy-protocol.txt, each with an invalid twin', () => {
  const ok = parseProxyHeader(text('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET /'));
  assert.deepEqual(ok, {
    ok: true,
    header: { version: 1, command: 'proxy', source: { family: 'IPv4', ip: '192.168.0.1', port: 56324 }, destination: { family: 'IPv4', ip: '192.168.0.11', port: 443 } },
    length: 47,
  });
  assert.deepEqual(parseProxyHeader(text('PROXY TCP4 192.168.0.1 192.168.0.11 56324 70000\r\n')), { ok: false, reason: 'bad-port' });
  assert.deepEqual(parseProxyHeader(text('PROXY TCP4 192.168.0.1  192.168.0.11 56324 443\r\n')), { ok: false, reason: 'malformed' });
  assert.deepEqual(parseProxyHeader(text('PROXY TCP4 2001:db8::1 192.168.0.11 56324 443\r\n')), { ok: false, reason: 'bad-address' });
  assert.deepEqual(parseProxyHeader(text('PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n')).ok, true);
  assert.deepEqual(parseProxyHeader(text('PROXY UDP4 192.168.0.1 192.168.0.11 1 2\r\n')), { ok: false, reason: 'unsupported-family' });
  assert.deepEqual(parseProxyHeader(text('PROXY UNKNOWN\r\n')), { ok: true, header: { version: 1, command: 'local' }, length: 15 });
  assert.deepEqual(parseProxyHeader(text('PROXY UNKNOWN ffff:f...f:ffff 65535 65535\r\n')).ok, true);
  assert.deepEqual(parseProxyHeader(text(`PROXY TCP4 ${'1'.repeat(120)}`)), { ok: false, reason: 'too-long' });
  assert.deepEqual(parseProxyHeader(text('GET / HTTP/1.1\r\n')), { ok: false, reason: 'not-proxy' });
  // A header cut short and followed by a binary STUN header: refused at once, not waited on.
  assert.deepEqual(parseProxyHeader(Buffer.concat([text('PROXY TCP4 192.168.0.1 192.168.0.11 5632'), Uint8Array.of(0x00, 0x01)])), { ok: false, reason: 'malformed' });
  assert.deepEqual(parseProxyHeader(text('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\rX')), { ok: false, reason: 'malformed' });
  // A STUN Binding request on the PROXY port is no header.
  assert.deepEqual(parseProxyHeader(Uint8Array.of(0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42)), { ok: false, reason: 'not-proxy' });
});

test('v2: LOCAL stands for the connection itself; what is refused, and why', () => {
  assert.deepEqual(parseProxyHeader(encodeProxyV2()), { ok: true, header: { version: 2, command: 'local' }, length: 16 });
  const p = { source: { family: 'IPv4', ip: '203.0.113.7', port: 4444 }, destination: { family: 'IPv4', ip: '198.51.100.1', port: 3478 } } as const;
  const with13 = (b13: number, b12 = 0x21): Uint8Array => {
    const h = encodeProxyV2(p);
    h[12] = b12;
    h[13] = b13;
    return h;
  };
  assert.equal(parseProxyHeader(with13(0x11)).ok, true);
  assert.deepEqual(parseProxyHeader(with13(0x12)), { ok: false, reason: 'unsupported-transport' }); // DGRAM
  assert.deepEqual(parseProxyHeader(with13(0x01)), { ok: false, reason: 'unsupported-family' }); // UNSPEC
  assert.deepEqual(parseProxyHeader(with13(0x31)), { ok: false, reason: 'unsupported-family' }); // UNIX
  assert.deepEqual(parseProxyHeader(with13(0x11, 0x11)), { ok: false, reason: 'bad-version' });
  assert.deepEqual(parseProxyHeader(with13(0x11, 0x22)), { ok: false, reason: 'bad-command' });
  // An INET6 family with only IPv4's 12 bytes of addresses.
  assert.deepEqual(parseProxyHeader(with13(0x21)), { ok: false, reason: 'malformed' });
  const huge = encodeProxyV2(p);
  huge[14] = 0xff;
  assert.deepEqual(parseProxyHeader(huge), { ok: false, reason: 'too-long' });
  assert.ok(16 + 0xff00 > PROXY_V2_MAX_LENGTH);
});
