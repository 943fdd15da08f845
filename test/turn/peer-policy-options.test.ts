import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ErrorCode, TurnpikeError } from '../../src/errors.ts';
import {
  createPeerPolicy,
  DEFAULT_PEER_POLICY_OPTIONS,
  type PeerDecision,
  type PeerPolicyOptions,
} from '../../src/turn/peer-policy.ts';

function outcome(decision: PeerDecision): string {
  return decision.allowed ? 'allowed' : decision.reason;
}

function policyWith(opts: Partial<PeerPolicyOptions>) {
  const policy = createPeerPolicy({ ...DEFAULT_PEER_POLICY_OPTIONS, ...opts });
  return (text: string): string => outcome(policy.check(text));
}

function assertOutcomes(check: (text: string) => string, cases: [string, string][]): void {
  for (const [text, expected] of cases) assert.equal(check(text), expected, text);
}

const dotted = (v4: number): string => `${v4 >>> 24}.${(v4 >>> 16) & 0xff}.${(v4 >>> 8) & 0xff}.${v4 & 0xff}`;

/** What decides the same as the IPv4 address itself: mapped, 6to4, NAT64, translated, compatible. */
function carriers(v4: number): string[] {
  const hi = (v4 >>> 16).toString(16);
  const lo = (v4 & 0xffff).toString(16);
  const forms = [`::ffff:${dotted(v4)}`, `2002:${hi}:${lo}::`, `64:ff9b::${dotted(v4)}`, `::ffff:0:${hi}:${lo}`];
  if (v4 > 1) forms.push(`::${dotted(v4)}`);
  return forms;
}

describe('allow-loopback-peers', () => {
  const loopbacks = ['127.0.0.1', '127.8.9.10', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:7f00:1',
    '::127.0.0.1', '2002:7f00:1::', '64:ff9b::127.0.0.1', '::ffff:0:127.0.0.1'];

  it('lifts the loopback refusal in every spelling, and nothing else', () => {
    const check = policyWith({ allowLoopbackPeers: true });
    for (const text of loopbacks) assert.equal(check(text), 'allowed', text);
    assertOutcomes(check, [
      ['0.0.0.0', 'this-network'],
      ['::', 'unspecified'],
      ['10.0.0.1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['127.1', 'invalid'],
    ]);
  });

  it('still lets denied-peer-ip refuse a loopback address', () => {
    const check = policyWith({ allowLoopbackPeers: true, deniedPeerIps: ['127.0.0.2', '::1'] });
    assertOutcomes(check, [
      ['127.0.0.1', 'allowed'],
      ['127.0.0.2', 'denied-peer-ip'],
      ['::ffff:127.0.0.2', 'denied-peer-ip'],
      ['::1', 'denied-peer-ip'],
    ]);
  });
});

describe('allowed-peer-ip', () => {
  it('opens a hole in the defaults for that address in every spelling, and no further', () => {
    const check = policyWith({ allowedPeerIps: ['10.0.0.5'] });
    for (const text of ['10.0.0.5', ...carriers(0x0a000005)]) assert.equal(check(text), 'allowed', text);
    for (const text of ['10.0.0.6', ...carriers(0x0a000006)]) assert.equal(check(text), 'private', text);
  });

  it('reads ranges ip1-ip2 in IPv4, inclusive at both ends', () => {
    const check = policyWith({ allowedPeerIps: ['192.168.1.10-192.168.1.20'] });
    assertOutcomes(check, [
      ['192.168.1.9', 'private'],
      ['192.168.1.10', 'allowed'],
      ['192.168.1.15', 'allowed'],
      ['::ffff:192.168.1.15', 'allowed'],
      ['192.168.1.20', 'allowed'],
      ['192.168.1.21', 'private'],
    ]);
  });

  it('reads ranges ip1-ip2 in IPv6, compared as 128-bit numbers', () => {
    const check = policyWith({ allowedPeerIps: ['fd00::1-fd00::1:0'] });
    assertOutcomes(check, [
      ['fd00::', 'unique-local'],
      ['fd00::1', 'allowed'],
      ['FD00:0000:0000:0000:0000:0000:0000:ffff', 'allowed'],
      ['fd00::1:0', 'allowed'],
      ['fd00::1:1', 'unique-local'],
    ]);
  });

  it('treats an IPv4-mapped range as the IPv4 range it spells', () => {
    const check = policyWith({ allowedPeerIps: ['::ffff:10.0.0.0-::ffff:10.0.0.255'] });
    assertOutcomes(check, [
      ['10.0.0.7', 'allowed'],
      ['2002:a00:7::', 'allowed'],
      ['10.0.1.0', 'private'],
    ]);
  });

  it('reopens an address that carries IPv4 only through the IPv4 address it carries', () => {
    const check = policyWith({ allowedPeerIps: ['2002::-2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '64:ff9b::-64:ff9b::ffff:ffff'] });
    assertOutcomes(check, [
      ['2002:7f00:1::', 'loopback'],
      ['2002:a00:1::', 'private'],
      ['64:ff9b::169.254.169.254', 'link-local'],
      ['2002:808:808::', 'allowed'],
    ]);
  });

  it('wins over denied-peer-ip, as in coturn', () => {
    const check = policyWith({ deniedPeerIps: ['83.166.64.0-83.166.95.255'], allowedPeerIps: ['83.166.68.45'] });
    assertOutcomes(check, [
      ['83.166.63.255', 'allowed'],
      ['83.166.64.0', 'denied-peer-ip'],
      ['83.166.68.44', 'denied-peer-ip'],
      ['83.166.68.45', 'allowed'],
      ['::ffff:83.166.68.45', 'allowed'],
      ['::ffff:83.166.68.46', 'denied-peer-ip'],
      ['83.166.95.255', 'denied-peer-ip'],
      ['83.166.96.0', 'allowed'],
    ]);
  });

  it('can reopen loopback on its own, and a Teredo range through an IPv6 range', () => {
    const check = policyWith({ allowedPeerIps: ['127.0.0.1', '2001::-2001:0:ffff:ffff:ffff:ffff:ffff:ffff'] });
    assertOutcomes(check, [
      ['127.0.0.1', 'allowed'],
      ['::ffff:127.0.0.1', 'allowed'],
      ['127.0.0.2', 'loopback'],
      ['::1', 'loopback'],
      ['2001::1', 'allowed'],
    ]);
  });
});

describe('denied-peer-ip', () => {
  it('refuses IPv4 ranges in every spelling and IPv6 ranges by 128-bit value', () => {
    const check = policyWith({ deniedPeerIps: ['198.51.100.0-198.51.100.255', '2001:db8::-2001:db8::ffff'] });
    assertOutcomes(check, [
      ['198.51.100.1', 'denied-peer-ip'],
      ...carriers(0xc6336401).map((text): [string, string] => [text, 'denied-peer-ip']),
      ['198.51.101.0', 'allowed'],
      ['2001:db8::1', 'denied-peer-ip'],
      ['2001:0DB8:0000:0000:0000:0000:0000:FFFF', 'denied-peer-ip'],
      ['2001:db8::1:0', 'allowed'],
    ]);
  });

  it('refuses an IPv6 spelling it covers, even when the IPv4 address it carries is allowed', () => {
    const check = policyWith({ deniedPeerIps: ['2002::-2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff'] });
    assertOutcomes(check, [
      ['8.8.8.8', 'allowed'],
      ['2002:808:808::', 'denied-peer-ip'],
      ['2002:7f00:1::', 'loopback'],
    ]);
    const reopened = policyWith({ deniedPeerIps: ['2002::-2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], allowedPeerIps: ['8.8.8.8'] });
    assert.equal(reopened('2002:808:808::'), 'allowed');
  });
});

describe('no-multicast-peers', () => {
  const holes = ['224.0.0.0-224.0.0.255', '240.0.0.0-255.255.255.255', 'ff02::-ff02::ffff'];

  it('is refused by default either way', () => {
    for (const noMulticastPeers of [false, true]) {
      const check = policyWith({ noMulticastPeers });
      assertOutcomes(check, [['224.0.0.1', 'multicast'], ['ff02::1', 'multicast'], ['::ffff:239.1.1.1', 'multicast']]);
    }
  });

  it('without the flag, allowed-peer-ip may open multicast, broadcast and reserved space', () => {
    const check = policyWith({ allowedPeerIps: holes });
    assertOutcomes(check, [['224.0.0.1', 'allowed'], ['240.0.0.1', 'allowed'], ['255.255.255.255', 'allowed'], ['ff02::1', 'allowed']]);
  });

  it('with the flag, 224.0.0.0 and above and ff00::/8 stay refused through any hole', () => {
    const check = policyWith({ allowedPeerIps: holes, noMulticastPeers: true });
    assertOutcomes(check, [
      ['224.0.0.1', 'multicast'],
      ['::ffff:224.0.0.1', 'multicast'],
      ['240.0.0.1', 'reserved'],
      ['255.255.255.255', 'broadcast'],
      ['ff02::1', 'multicast'],
      ['223.255.255.255', 'allowed'],
    ]);
  });
});

describe('bad ranges', () => {
  it('throw CONFIG_INVALID naming the option and the text', () => {
    const bad = ['10.0.0.300', '10.0.0.2-10.0.0.1', '10.0.0.0/8', '10.0.0.1-::1', '::1 - ::2', 'fe80::1%eth0', '127.1', ''];
    for (const text of bad) {
      for (const option of ['allowedPeerIps', 'deniedPeerIps'] as const) {
        assert.throws(
          () => createPeerPolicy({ ...DEFAULT_PEER_POLICY_OPTIONS, [option]: ['8.8.8.8', text] }),
          (err: unknown) =>
            err instanceof TurnpikeError &&
            err.code === ErrorCode.CONFIG_INVALID &&
            err.message.includes(option === 'allowedPeerIps' ? 'allowed-peer-ip' : 'denied-peer-ip') &&
            err.message.includes(`"${text}"`),
          `${option}=${text}`,
        );
      }
    }
  });
});

describe('any options', () => {
  it('answer an IPv4 address the same way in every IPv6 spelling that carries it', () => {
    const v4 = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0x7f000001, 0x0a000001, 0xe0000001, 0xffffffff, 0));
    const range = fc.tuple(v4, v4).map(([a, b]) => (a <= b ? `${dotted(a)}-${dotted(b)}` : dotted(b)));
    const options = fc.record({
      allowedPeerIps: fc.array(range, { maxLength: 3 }),
      deniedPeerIps: fc.array(range, { maxLength: 3 }),
      allowLoopbackPeers: fc.boolean(),
      noMulticastPeers: fc.boolean(),
    });
    fc.assert(
      fc.property(options, fc.array(v4, { minLength: 1, maxLength: 10 }), (opts, addresses) => {
        const check = policyWith(opts);
        for (const address of addresses) {
          const expected = check(dotted(address));
          for (const text of carriers(address)) assert.equal(check(text), expected, `${text} with ${JSON.stringify(opts)}`);
        }
      }),
      { numRuns: 500 },
    );
  });
});
