/**
 * `allocation-default-address-family` and `keep-address-family` on the I/O-free core: the
 * relay family of an Allocate without REQUESTED-ADDRESS-FAMILY is IPv4 (RFC 8656 §7.2) unless
 * configured otherwise — IPv6, or the family of the client's own address (`keep`). An
 * explicit REQUESTED-ADDRESS-FAMILY still decides, and a family without a relay address is 440.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr } from '../../src/stun/types.ts';
import { errorCode, RELAY_V4, RELAY_V6, TurnHarness, UDP } from '../helpers/turn-harness.ts';

const DUAL = [{ family: 'IPv4', ip: RELAY_V4 }, { family: 'IPv6', ip: RELAY_V6 }] as const;
const UDP_TRANSPORT = { type: Attr.RequestedTransport, value: UDP } as const;

function relayedAddress(bench: TurnHarness, client: { ip: string; port: number }, attrs = [UDP_TRANSPORT] as Parameters<ReturnType<TurnHarness['client']>['allocate']>[0]) {
  const answer = bench.client(client).allocate(attrs);
  assert.ok(answer);
  return { code: errorCode(answer), address: getAttribute(answer, Attr.XorRelayedAddress)?.address };
}

describe('Allocate without REQUESTED-ADDRESS-FAMILY: the configured default family', () => {
  it('is IPv4 by default, even for an IPv6 client', () => {
    const bench = new TurnHarness({ relays: [...DUAL] });
    assert.deepEqual(relayedAddress(bench, { ip: '2001:db8::20', port: 41000 }), { code: 0, address: RELAY_V4 });
  });

  it('is IPv6 with allocation-default-address-family=ipv6', () => {
    const bench = new TurnHarness({ relays: [...DUAL], core: { allocationDefaultFamily: 'IPv6' } });
    assert.deepEqual(relayedAddress(bench, { ip: '198.51.100.20', port: 41000 }), { code: 0, address: RELAY_V6 });
  });

  it("follows the client's own family with keep", () => {
    const bench = new TurnHarness({ relays: [...DUAL], core: { allocationDefaultFamily: 'keep' } });
    assert.deepEqual(relayedAddress(bench, { ip: '2001:db8::20', port: 41000 }), { code: 0, address: RELAY_V6 });
    assert.deepEqual(relayedAddress(bench, { ip: '198.51.100.21', port: 41000 }), { code: 0, address: RELAY_V4 });
  });

  it('yields to an explicit REQUESTED-ADDRESS-FAMILY', () => {
    const bench = new TurnHarness({ relays: [...DUAL], core: { allocationDefaultFamily: 'IPv6' } });
    const attrs = [UDP_TRANSPORT, { type: Attr.RequestedAddressFamily, value: 'IPv4' }] as const;
    assert.deepEqual(relayedAddress(bench, { ip: '198.51.100.22', port: 41000 }, [...attrs]), { code: 0, address: RELAY_V4 });
  });

  it('is refused with 440 when the server has no relay address of that family', () => {
    const bench = new TurnHarness({ core: { allocationDefaultFamily: 'IPv6' } });
    assert.equal(relayedAddress(bench, { ip: '198.51.100.23', port: 41000 }).code, 440);
  });
});
