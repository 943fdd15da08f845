import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IPV4_MAPPED_BASE, parseIp } from '../../src/net/ip.ts';
import { parseIpRange, type IpRange } from '../../src/net/ip-range.ts';
import { createIpRangeSet } from '../../src/net/ip-range-set.ts';

const v4 = (text: string): bigint => {
  const ip = parseIp(text);
  assert.ok(ip, text);
  return ip.value;
};

describe('parseIpRange', () => {
  it('reads a single address and ip1-ip2 ranges in either family', () => {
    assert.deepEqual(parseIpRange('83.166.68.45'), { from: v4('83.166.68.45'), to: v4('83.166.68.45'), text: '83.166.68.45' });
    assert.deepEqual(parseIpRange('83.166.64.0-83.166.95.255'), {
      from: v4('83.166.64.0'),
      to: v4('83.166.95.255'),
      text: '83.166.64.0-83.166.95.255',
    });
    assert.deepEqual(parseIpRange('2001:db8::-2001:db8::ffff'), {
      from: 0x2001_0db8n << 96n,
      to: (0x2001_0db8n << 96n) + 0xffffn,
      text: '2001:db8::-2001:db8::ffff',
    });
    assert.equal(parseIpRange('10.0.0.1-10.0.0.1')?.from, v4('10.0.0.1'));
    assert.equal(parseIpRange('::ffff:10.0.0.0-::ffff:10.255.255.255')?.to, v4('10.255.255.255'));
  });

  it('rejects bad ends, reversed ranges, mixed families, spaces and CIDR', () => {
    for (const text of [
      '', '-', '10.0.0.1-', '-10.0.0.1', '10.0.0.2-10.0.0.1', '10.0.0.1-::ffff:10.0.0.2', '::1-1.2.3.4',
      '10.0.0.1 - 10.0.0.2', ' 10.0.0.1', '10.0.0.0/8', '10.0.0.1-10.0.0.2-10.0.0.3', '10.1-10.2',
      'fe80::1%eth0-fe80::2', '2001:db8::ffff-2001:db8::', 'localhost',
    ]) {
      assert.equal(parseIpRange(text), undefined, JSON.stringify(text));
    }
  });
});

describe('createIpRangeSet', () => {
  const range = (from: bigint, to: bigint): IpRange => ({ from, to, text: '' });

  it('answers IPv4 questions on the IPv4 parts of ranges, however they were written', () => {
    const set = createIpRangeSet([parseIpRange('::ffff:10.0.0.0-::ffff:10.0.0.9')!, parseIpRange('8.8.8.8')!]);
    assert.equal(set.containsIpv4(0x0a000005), true);
    assert.equal(set.containsIpv4(0x0a00000a), false);
    assert.equal(set.containsIpv4(0x08080808), true);
    assert.equal(set.reachesBeyondIpv4, false);
    const wide = createIpRangeSet([parseIpRange('::-::ffff:0.0.0.1')!]);
    assert.equal(wide.reachesBeyondIpv4, true);
    assert.equal(wide.containsIpv4(0), true);
    assert.equal(wide.containsIpv4(1), true);
    assert.equal(wide.containsIpv4(2), false);
    assert.equal(wide.containsValue(5n), true);
  });

  it('holds exactly the addresses some range holds, for overlapping ranges in any order', () => {
    const value = fc.bigInt({ min: IPV4_MAPPED_BASE - 50n, max: IPV4_MAPPED_BASE + 0xffffffffn + 50n });
    const ranges = fc.array(fc.tuple(value, value).map(([a, b]) => (a <= b ? range(a, b) : range(b, a))), { maxLength: 8 });
    fc.assert(
      fc.property(ranges, fc.array(value, { maxLength: 20 }), (list, probes) => {
        const set = createIpRangeSet(list);
        const probesWithEnds = [...probes, ...list.flatMap((r) => [r.from - 1n, r.from, r.to, r.to + 1n])];
        for (const x of probesWithEnds) {
          const expected = list.some((r) => r.from <= x && x <= r.to);
          assert.equal(set.containsValue(x), expected);
          const inIpv4 = x >= IPV4_MAPPED_BASE && x <= IPV4_MAPPED_BASE + 0xffffffffn;
          if (inIpv4) assert.equal(set.containsIpv4(Number(x - IPV4_MAPPED_BASE)), expected);
        }
      }),
    );
  });
});
