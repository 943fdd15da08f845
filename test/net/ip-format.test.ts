/**
 * The one IP formatter against RFC 5952's own examples (§2, §4, §5), and the properties that
 * make it the canonical form: any spelling formats the same, the text parses back to the same
 * bytes, and it is the text Node's sockets write.
 */
import assert from 'node:assert/strict';
import { SocketAddress } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalIp, formatIp } from '../../src/net/ip-format.ts';
import { parseIpAddress, parseIpInto, type IpFamily } from '../../src/net/ip-parse.ts';

/** format(parse(text)), failing the test when the text does not parse. */
function canonical(text: string): string {
  const ip = parseIpAddress(text);
  assert.ok(ip, text);
  return formatIp(ip.family, ip.bytes);
}

describe('formatIp: RFC 5952 vectors', () => {
  it('§2.1-§2.3: every spelling of one address has one text', () => {
    const spellings: [string[], string][] = [
      // §2.1 leading zeros, §2.2 zero compression, §2.3 upper and lower case.
      [['2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:001', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:01', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1'], '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1'],
      [['2001:db8:aaaa:bbbb:cccc:dddd::1', '2001:db8:aaaa:bbbb:cccc:dddd:0:1'], '2001:db8:aaaa:bbbb:cccc:dddd:0:1'],
      [['2001:db8:0:0:0::1', '2001:db8:0:0::1', '2001:db8:0::1', '2001:db8::1'], '2001:db8::1'],
      [['2001:db8::aaaa:0:0:1', '2001:db8:0:0:aaaa::1'], '2001:db8::aaaa:0:0:1'],
      [['2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:AAAA', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:AaAa'], '2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa'],
      // The §1 example: one address, eight ways.
      [['2001:db8:0:0:1:0:0:1', '2001:0db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', '2001:db8::0:1:0:0:1', '2001:0db8::1:0:0:1', '2001:db8:0:0:1::1', '2001:db8:0000:0:1::1', '2001:DB8:0:0:1::1'], '2001:db8::1:0:0:1'],
    ];
    for (const [texts, expected] of spellings) for (const text of texts) assert.equal(canonical(text), expected, text);
  });

  it('§4: leading zeros dropped, "::" as long as possible, never for one group, first run on a tie, lower case', () => {
    const cases: [string, string][] = [
      ['2001:0db8::0001', '2001:db8::1'], // §4.1
      ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'], // §4.2.1
      ['2001:db8::0:1', '2001:db8::1'], // §4.2.1: "::" swallows every zero of its run
      ['2001:db8::1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3 longest run
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3 first of equal runs
      ['2001:DB8::ABCD', '2001:db8::abcd'], // §4.3
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['1:0:0:0:0:0:0:0', '1::'],
      ['1:0:1:1:1:1:1:0', '1:0:1:1:1:1:1:0'],
    ];
    for (const [text, expected] of cases) assert.equal(canonical(text), expected, text);
  });

  it('§5: IPv4-mapped addresses end in dotted decimal, with §4 applied to the hex part', () => {
    assert.equal(canonical('0:0:0:0:0:ffff:192.0.2.1'), '::ffff:192.0.2.1');
    assert.equal(canonical('0:0:0:0:0:FFFF:c000:0201'), '::ffff:192.0.2.1');
    assert.equal(canonical('::ffff:0.0.0.0'), '::ffff:0.0.0.0');
    // Not under a prefix that marks an embedded IPv4 address: plain hex.
    assert.equal(canonical('::ffff:0:c000:201'), '::ffff:0:c000:201');
    assert.equal(canonical('64:ff9b::192.0.2.1'), '64:ff9b::c000:201');
    assert.equal(canonical('1::ffff:192.0.2.1'), '1::ffff:c000:201');
  });

  it('IPv4 is a dotted quad, read at the offset', () => {
    assert.equal(formatIp('IPv4', Uint8Array.of(9, 192, 0, 2, 1, 9), 1), '192.0.2.1');
    assert.equal(formatIp('IPv4', Uint8Array.of(0, 0, 0, 0)), '0.0.0.0');
  });

  it('canonicalIp parses and formats, refusing anything not an address', () => {
    assert.deepEqual(canonicalIp('::FFFF:1.2.3.4'), { family: 'IPv6', address: '::ffff:1.2.3.4' });
    assert.deepEqual(canonicalIp('192.0.2.1'), { family: 'IPv4', address: '192.0.2.1' });
    for (const text of ['127.1', 'fe80::1%eth0', 'example.org']) assert.equal(canonicalIp(text), undefined, text);
  });
});

/** Random 16 bytes, often with runs of zero groups so "::" and the §5 forms come up. */
const ipv6Bytes = fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(0xff), fc.constantFrom(0, 1, 2, 3)).map(([bytes, zeros, prefix]) => {
  for (let g = 0; g < 8; g++) if ((zeros >> g) & 1) bytes.fill(0, 2 * g, 2 * g + 2);
  // Force the IPv4-mapped and IPv4-compatible prefixes now and then.
  if (prefix > 0) bytes.fill(0, 0, 10);
  if (prefix === 1) bytes.fill(0xff, 10, 12);
  if (prefix === 2) bytes.fill(0, 10, 12);
  return bytes;
});

/** Any legal RFC 4291 §2.2 spelling of `bytes`: padded groups, mixed case, any zero run compressed, dotted tail. */
function spell(bytes: Uint8Array, pad: number[], upper: boolean[], dotted: boolean, gapAt: number): string {
  const groups = Array.from({ length: 8 }, (_, g) => (bytes[2 * g] << 8) | bytes[2 * g + 1]);
  const words = groups.map((v, g) => {
    const h = v.toString(16).padStart(1 + pad[g], '0');
    return upper[g] ? h.toUpperCase() : h;
  });
  if (dotted) words.splice(6, 2, `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`);
  // Compress the zero run (if any) that starts at or after gapAt, whole or in part.
  let start = gapAt;
  while (start < words.length && groups[start] !== 0) start++;
  if (start >= words.length || (dotted && start >= 6)) return words.join(':');
  let end = start;
  while (end < words.length && groups[end] === 0 && !(dotted && end >= 6)) end++;
  return `${words.slice(0, start).join(':')}::${words.slice(end).join(':')}`;
}

/** The RFC 5952 rules checked directly on the text, independently of the formatter. */
function assertCanonicalIpv6(text: string, bytes: Uint8Array): void {
  assert.equal(text, text.toLowerCase(), 'lower case (§4.3)');
  const hexPart = text.replace(/:?\d+\.\d+\.\d+\.\d+$/, '');
  for (const g of hexPart.split(':')) assert.ok(g.length <= 1 || g[0] !== '0', `no leading zeros (§4.1): ${text}`);
  const groups = Array.from({ length: 8 }, (_, g) => (bytes[2 * g] << 8) | bytes[2 * g + 1]);
  let best = 0;
  let bestAt = -1;
  for (let g = 0; g < 8; ) {
    let e = g;
    while (e < 8 && groups[e] === 0) e++;
    if (e - g > best) [best, bestAt] = [e - g, g];
    g = e > g ? e : g + 1;
  }
  const gap = text.indexOf('::');
  const mixed = /\d+\.\d+\.\d+\.\d+$/.test(text);
  if (best < 2) {
    assert.equal(gap, -1, `"::" never stands for one group (§4.2.2): ${text}`);
  } else if (!mixed) {
    assert.notEqual(gap, -1, `the longest zero run is compressed (§4.2.1): ${text}`);
    const before = text.slice(0, gap);
    assert.equal(before === '' ? 0 : before.split(':').length, bestAt, `the first longest run is the one compressed (§4.2.3): ${text}`);
  }
}

describe('formatIp: properties', () => {
  it('parse(format(bytes)) gives the same bytes, for any 4 or 16 bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), ipv6Bytes), (bytes) => {
        const family: IpFamily = bytes.length === 4 ? 'IPv4' : 'IPv6';
        const text = formatIp(family, bytes);
        assert.deepEqual(parseIpAddress(text), { family, bytes });
        const out = new Uint8Array(16);
        assert.equal(parseIpInto(text, out), family);
        assert.deepEqual(out.subarray(0, bytes.length), bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('format(parse(x)) is canonical for any spelling x, and is what a Node socket writes', () => {
    const spelling = fc.record({
      bytes: ipv6Bytes,
      pad: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
      upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      dotted: fc.boolean(),
      gapAt: fc.integer({ min: 0, max: 8 }),
    });
    fc.assert(
      fc.property(spelling, ({ bytes, pad, upper, dotted, gapAt }) => {
        const text = spell(bytes, pad, upper, dotted, gapAt);
        const out = canonical(text);
        assert.equal(out, formatIp('IPv6', bytes), text);
        assertCanonicalIpv6(out, bytes);
        assert.equal(canonical(out), out, 'canonical text is a fixed point');
        assert.equal(out, new SocketAddress({ address: text, family: 'ipv6' }).address, text);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.ipV4(), (text) => {
        assert.equal(canonical(text), text);
      }),
    );
  });
});
