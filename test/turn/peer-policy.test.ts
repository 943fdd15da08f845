import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseIp } from '../../src/net/ip.ts';
import { createPeerPolicy, DEFAULT_PEER_POLICY_OPTIONS, type PeerDecision } from '../../src/turn/peer-policy.ts';

/** 'allowed', or the reason the peer was refused. */
function outcome(decision: PeerDecision): string {
  return decision.allowed ? 'allowed' : decision.reason;
}

/** Every spelling of every default rule, and what the secure defaults must answer. */
const DEFAULT_TABLE: readonly [text: string, expected: string][] = [
  // Loopback: plain, IPv4-mapped (dotted and hex), IPv4-compatible, 6to4, NAT64, IPv4-translated.
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::FFFF:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::FFFF:7F00:0001', 'loopback'],
  ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
  ['0000:0000:0000:0000:0000:ffff:7f00:0001', 'loopback'],
  ['0:0:0:0:0:ffff:127.0.0.1', 'loopback'],
  ['::127.0.0.1', 'loopback'],
  ['::7f00:1', 'loopback'],
  ['0:0:0:0:0:0:7f00:1', 'loopback'],
  ['2002:7f00:0001::', 'loopback'],
  ['2002:7f00:1::1', 'loopback'],
  ['2002:7F00:0001:0000:0000:0000:0000:0000', 'loopback'],
  ['64:ff9b::127.0.0.1', 'loopback'],
  ['64:ff9b::7f00:1', 'loopback'],
  ['0064:FF9B:0000:0000:0000:0000:7f00:0001', 'loopback'],
  ['::ffff:0:127.0.0.1', 'loopback'],
  ['::ffff:0:7f00:1', 'loopback'],
  ['0:0:0:0:ffff:0:7f00:0001', 'loopback'],
  ['::1', 'loopback'],
  ['::0001', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['0000:0000:0000:0000:0000:0000:0000:0001', 'loopback'],
  // "This network" and the unspecified address.
  ['0.0.0.0', 'this-network'],
  ['0.1.2.3', 'this-network'],
  ['::ffff:0.0.0.0', 'this-network'],
  ['::ffff:0:0', 'this-network'],
  ['::0.0.0.2', 'this-network'],
  ['2002::', 'this-network'],
  ['::', 'unspecified'],
  ['0:0:0:0:0:0:0:0', 'unspecified'],
  // RFC 1918 private space, with its edges.
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:a00:1', 'private'],
  ['::ffff:0a00:0001', 'private'],
  ['::10.0.0.1', 'private'],
  ['::a00:1', 'private'],
  ['2002:0a00:0001::1', 'private'],
  ['2002:a00:1::', 'private'],
  ['2002:c0a8:0101::', 'private'],
  ['64:ff9b::10.0.0.1', 'private'],
  ['64:ff9b::a00:1', 'private'],
  ['64:ff9b::172.16.0.1', 'private'],
  ['::ffff:0:10.0.0.1', 'private'],
  ['::ffff:0:a00:1', 'private'],
  ['9.255.255.255', 'allowed'],
  ['11.0.0.0', 'allowed'],
  ['172.15.255.255', 'allowed'],
  ['172.32.0.0', 'allowed'],
  ['192.167.255.255', 'allowed'],
  ['192.169.0.0', 'allowed'],
  // RFC 6598 shared (carrier-grade NAT) space.
  ['100.64.0.1', 'shared'],
  ['100.127.255.255', 'shared'],
  ['::ffff:100.64.0.1', 'shared'],
  ['100.63.255.255', 'allowed'],
  ['100.128.0.0', 'allowed'],
  // Link-local, including the cloud metadata address.
  ['169.254.169.254', 'link-local'],
  ['169.254.0.1', 'link-local'],
  ['::ffff:169.254.169.254', 'link-local'],
  ['::ffff:a9fe:a9fe', 'link-local'],
  ['64:ff9b::169.254.169.254', 'link-local'],
  ['2002:a9fe:a9fe::', 'link-local'],
  ['fe80::1', 'link-local'],
  ['FE80::1', 'link-local'],
  ['febf:ffff::1', 'link-local'],
  ['fe80:0000:0000:0000:0000:0000:0000:0001', 'link-local'],
  // Unique-local (the IPv6 cloud metadata address fd00:ec2::254 among them) and site-local.
  ['fc00::1', 'unique-local'],
  ['fd00:ec2::254', 'unique-local'],
  ['FDFF:FFFF::1', 'unique-local'],
  ['fec0::1', 'site-local'],
  ['FEFF::1', 'site-local'],
  // Multicast, broadcast, reserved.
  ['224.0.0.1', 'multicast'],
  ['239.255.255.255', 'multicast'],
  ['::ffff:224.0.0.251', 'multicast'],
  ['2002:e000:00fb::', 'multicast'],
  ['ff02::1', 'multicast'],
  ['FF05::1:3', 'multicast'],
  ['ff00::', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['::ffff:255.255.255.255', 'broadcast'],
  ['64:ff9b::ffff:ffff', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['254.255.255.255', 'reserved'],
  // Teredo as a whole, and local-use NAT64.
  ['2001::1', 'teredo'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
  ['2001:0000:ffff:ffff:ffff:ffff:ffff:ffff', 'teredo'],
  ['64:ff9b:1::a00:1', 'nat64-local'],
  // Public, documentation (RFC 5737, RFC 3849) and benchmark (RFC 2544) addresses are allowed.
  ['8.8.8.8', 'allowed'],
  ['1.1.1.1', 'allowed'],
  ['192.0.2.1', 'allowed'],
  ['198.51.100.7', 'allowed'],
  ['203.0.113.5', 'allowed'],
  ['198.18.0.1', 'allowed'],
  ['223.255.255.255', 'allowed'],
  ['2001:4860:4860::8888', 'allowed'],
  ['2001:4860:4860:0000:0000:0000:0000:8888', 'allowed'],
  ['2606:4700:4700::1111', 'allowed'],
  ['2001:db8::1', 'allowed'],
  ['::ffff:8.8.8.8', 'allowed'],
  ['::8.8.8.8', 'allowed'],
  ['2002:0808:0808::', 'allowed'],
  ['64:ff9b::8.8.8.8', 'allowed'],
  ['::ffff:0:8.8.8.8', 'allowed'],
  // Anything node:net refuses, and zone ids.
  ['', 'invalid'],
  ['localhost', 'invalid'],
  ['127.1', 'invalid'],
  ['::ffff:127.1', 'invalid'],
  ['0x7f000001', 'invalid'],
  ['0x7f.0.0.1', 'invalid'],
  ['2130706433', 'invalid'],
  ['0177.0.0.1', 'invalid'],
  ['127.000.000.001', 'invalid'],
  [' 127.0.0.1', 'invalid'],
  ['127.0.0.1 ', 'invalid'],
  ['127.0.0.1:3478', 'invalid'],
  ['[::1]', 'invalid'],
  ['::1%lo', 'invalid'],
  ['fe80::1%eth0', 'invalid'],
  ['00000::1', 'invalid'],
  ['::ffff:127.0.0.01', 'invalid'],
];

/** The other spellings of an IPv4 address (an unsigned 32-bit number) that must get its decision. */
function ipv6Spellings(v4: number): string[] {
  const dotted = `${v4 >>> 24}.${(v4 >>> 16) & 0xff}.${(v4 >>> 8) & 0xff}.${v4 & 0xff}`;
  const hi = (v4 >>> 16).toString(16);
  const lo = (v4 & 0xffff).toString(16);
  const spellings = [
    `::ffff:${dotted}`,
    `::ffff:${hi}:${lo}`,
    `2002:${hi}:${lo}::`,
    `2002:${hi.padStart(4, '0')}:${lo.padStart(4, '0')}:0:0:0:0:1`,
    `64:ff9b::${dotted}`,
    `64:FF9B::${hi.toUpperCase()}:${lo.toUpperCase()}`,
    `::ffff:0:${dotted}`,
  ];
  // `::0.0.0.0` and `::0.0.0.1` are IPv6's own `::` and `::1`, not IPv4-compatible addresses.
  if (v4 > 1) spellings.push(`::${dotted}`);
  return spellings;
}

describe('createPeerPolicy with the secure defaults', () => {
  const policy = createPeerPolicy(DEFAULT_PEER_POLICY_OPTIONS);

  it('answers every spelling in the table', () => {
    for (const [text, expected] of DEFAULT_TABLE) {
      assert.equal(outcome(policy.check(text)), expected, JSON.stringify(text));
    }
  });

  it('answers an IPv4 address the same way in every IPv6 spelling that carries it', () => {
    fc.assert(
      fc.property(fc.ipV4(), (text) => {
        const v4 = Number(parseIp(text)!.value & 0xffff_ffffn);
        const expected = outcome(policy.check(text));
        for (const spelling of ipv6Spellings(v4)) {
          assert.equal(outcome(policy.check(spelling)), expected, `${spelling} (${text})`);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses, and never throws on, any text that is not an address', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        const decision = policy.check(text);
        if (parseIp(text) === undefined) assert.deepEqual(decision, { allowed: false, reason: 'invalid' });
      }),
    );
  });
});
