import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IPV4_MAPPED_BASE, ipToString, parseIp } from '../../src/net/ip.ts';

/** Expands the hex-only text the WHATWG URL parser writes for an IPv6 host. */
function expandCanonicalHex(text: string): bigint {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** The 128-bit value an independent parser (Node's WHATWG URL host parser) gives IPv6 text. */
function urlValue(text: string): bigint {
  return expandCanonicalHex(new URL(`http://[${text}]/`).hostname.slice(1, -1));
}

/** Random IPv6 text for a random value: compression, leading zeros, upper case, dotted tail. */
const ipv6Spelling = fc
  .record({
    groups: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }),
    pad: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
    upper: fc.boolean(),
    dotted: fc.boolean(),
    gapStart: fc.integer({ min: 0, max: 8 }),
    gapLength: fc.integer({ min: 0, max: 8 }),
  })
  .map(({ groups, pad, upper, dotted, gapStart, gapLength }) => {
    const length = Math.min(gapLength, 8 - gapStart);
    for (let i = gapStart; i < gapStart + length; i++) groups[i] = 0;
    const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
    const hexOf = (i: number): string => {
      const hex = groups[i].toString(16);
      const padded = hex.length < pad[i] + 1 ? hex.padStart(Math.min(4, pad[i] + 1), '0') : hex;
      return upper ? padded.toUpperCase() : padded;
    };
    const parts: string[] = [];
    const last = dotted && gapStart + length <= 6 ? 6 : 8;
    for (let i = 0; i < last; i++) parts.push(hexOf(i));
    if (last === 6) {
      parts.push(`${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`);
    }
    let text: string;
    if (length === 0) {
      text = parts.join(':');
    } else {
      const before = parts.slice(0, gapStart).join(':');
      const after = parts.slice(gapStart + length).join(':');
      text = `${before}::${after}`;
    }
    return { text, value };
  });

describe('parseIp', () => {
  it('reads IPv4 as its IPv4-mapped value and keeps the written family', () => {
    assert.deepEqual(parseIp('1.2.3.4'), { family: 'IPv4', value: IPV4_MAPPED_BASE + 0x01020304n });
    assert.deepEqual(parseIp('::ffff:1.2.3.4'), { family: 'IPv6', value: IPV4_MAPPED_BASE + 0x01020304n });
    assert.deepEqual(parseIp('0.0.0.0'), { family: 'IPv4', value: IPV4_MAPPED_BASE });
    assert.deepEqual(parseIp('255.255.255.255'), { family: 'IPv4', value: IPV4_MAPPED_BASE + 0xffffffffn });
  });

  it('reads every RFC 4291 §2.2 spelling of one IPv6 address to the same value', () => {
    const value = 0x2001_0db8_0000_0000_0008_0800_200c_417an;
    for (const text of [
      '2001:db8::8:800:200c:417a',
      '2001:DB8::8:800:200C:417A',
      '2001:0db8:0000:0000:0008:0800:200c:417a',
      '2001:db8:0:0:8:800:200c:417a',
      '2001:db8::8:800:32.12.65.122',
    ]) {
      assert.deepEqual(parseIp(text), { family: 'IPv6', value }, text);
    }
    assert.equal(parseIp('::')?.value, 0n);
    assert.equal(parseIp('::1')?.value, 1n);
    assert.equal(parseIp('1::')?.value, 1n << 112n);
    assert.equal(parseIp('1:2:3:4:5:6:7::')?.value, 0x0001_0002_0003_0004_0005_0006_0007_0000n);
    assert.equal(parseIp('::2:3:4:5:6:7:8')?.value, 0x0000_0002_0003_0004_0005_0006_0007_0008n);
  });

  it('rejects shorthand, octal-looking and oversized IPv4, and zone ids', () => {
    for (const text of [
      '', '127.1', '::ffff:127.1', '01.2.3.4', '1.2.3.04', '::ffff:1.2.3.04', '256.1.1.1', '1.2.3',
      '1.2.3.4.5', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.4\n', '0x7f.0.0.1', '2130706433', '١.1.1.1',
      'fe80::1%eth0', '::1%1', '00001::1', '1::2::3', ':1::2', '1::2:', '1:::2', ':::',
      '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '1:2:3:4:5:6::1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4',
      '::1.2.3.4:5', 'g::1', '::ffff:1.2.3.4.5', '[::1]', '1.2.3.4::',
    ]) {
      assert.equal(parseIp(text), undefined, JSON.stringify(text));
    }
  });

  it('accepts exactly what node:net accepts, zone ids aside, on random spellings and mutations of them', () => {
    const alphabet = fc.constantFrom(...'0123456789abcdefABCDEF:.%g '.split(''));
    const mutated = fc
      .tuple(fc.oneof(ipv6Spelling.map((s) => s.text), fc.ipV6(), fc.ipV4(), fc.ipV4Extended()), fc.nat(), alphabet, fc.nat(2))
      .map(([text, at, char, kind]) => {
        const i = at % (text.length + 1);
        if (kind === 0) return text.slice(0, i) + char + text.slice(i);
        if (kind === 1) return text.slice(0, i) + text.slice(i + 1);
        return text.slice(0, i) + char + text.slice(i + 1);
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string({ unit: alphabet, maxLength: 46 })), (text) => {
        const nodeSays = isIP(text) !== 0 && !text.includes('%');
        assert.equal(parseIp(text) !== undefined, nodeSays, JSON.stringify(text));
      }),
      { numRuns: 10_000 },
    );
  });

  it('gives the value Node\'s URL parser gives, for any spelling', () => {
    fc.assert(
      fc.property(fc.oneof(ipv6Spelling, fc.ipV6().map((text) => ({ text, value: urlValue(text) }))), ({ text, value }) => {
        assert.equal(isIP(text), 6, text);
        assert.deepEqual(parseIp(text), { family: 'IPv6', value }, text);
        assert.equal(urlValue(text), value, text);
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('ipToString', () => {
  it('writes RFC 5952 canonical text', () => {
    const cases: [string, string][] = [
      ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['::0001', '::1'],
      ['1:0:0:0:0:0:0:0', '1::'],
      ['0:0:0:0:0:ffff:7f00:0001', '::ffff:127.0.0.1'],
      // IPv4-compatible (RFC 4291 §2.5.5.1) in mixed notation, as Node's sockets write it.
      ['::7f00:1', '::127.0.0.1'],
      ['::1', '::1'],
    ];
    for (const [text, canonical] of cases) {
      const ip = parseIp(text);
      assert.ok(ip, text);
      assert.equal(ipToString(ip.family, ip.value), canonical, text);
    }
    assert.equal(ipToString('IPv4', IPV4_MAPPED_BASE + 0x7f000001n), '127.0.0.1');
    assert.equal(ipToString('IPv4', 0x08080808n), '8.8.8.8');
  });

  it('agrees with Node\'s URL serialiser and parses back to the same value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (value) => {
        const text = ipToString('IPv6', value);
        assert.equal(parseIp(text)?.value, value);
        // The URL serialiser never writes a dotted tail (RFC 5952 §5 is only a recommendation).
        const dotted = value >> 32n === 0xffffn || (value >> 32n === 0n && value >> 16n !== 0n);
        if (!dotted) assert.equal(new URL(`http://[${text}]/`).hostname, `[${text}]`);
      }),
    );
    fc.assert(
      fc.property(fc.ipV4(), (text) => {
        const ip = parseIp(text);
        assert.ok(ip);
        assert.equal(ipToString(ip.family, ip.value), text);
      }),
    );
  });

  it('refuses a value outside the family\'s space', () => {
    assert.throws(() => ipToString('IPv4', 1n << 40n), RangeError);
    assert.throws(() => ipToString('IPv6', 1n << 128n), RangeError);
    assert.throws(() => ipToString('IPv6', -1n), RangeError);
  });
});
