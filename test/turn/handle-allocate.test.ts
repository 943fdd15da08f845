/**
 * RFC 8656 §7.1–§7.2: the Allocate request on the I/O-free core — the challenge, the success
 * answer, lifetimes, transports, address families, dual allocations and the driver's answer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAttribute, getAttributes } from '../../src/stun/index.ts';
import { Attr, Method } from '../../src/stun/types.ts';
import { decodeOk } from '../stun/helpers.ts';
import { errorCode, RELAY_V4, RELAY_V6, TCP, TurnHarness, UDP } from '../helpers/turn-harness.ts';

const UDP_TRANSPORT = { type: Attr.RequestedTransport, value: UDP } as const;

describe('Allocate: the long-term credential challenge (RFC 8489 §9.2.4)', () => {
  it('answers an unsigned Allocate with 401, REALM and NONCE, and creates nothing', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const answer = client.challenge();
    assert.equal(getAttribute(answer, Attr.Realm), 'example.org');
    assert.match(getAttribute(answer, Attr.Nonce) ?? '', /^obMatJos2/);
    assert.equal(answer.integrityOffset, -1, 'nothing to sign with yet');
    assert.equal(bench.core.allocationCount, 0);
    assert.equal(bench.driver.openRequests.length, 0);
  });

  it('then grants the signed Allocate: XOR-RELAYED-ADDRESS, XOR-MAPPED-ADDRESS, LIFETIME, signed with the key', () => {
    const bench = new TurnHarness();
    const client = bench.client({ ip: '198.51.100.20', port: 41000 });
    const answer = client.allocate();
    assert.ok(answer);
    assert.equal(errorCode(answer), 0);
    const relayed = getAttribute(answer, Attr.XorRelayedAddress);
    assert.equal(relayed?.address, RELAY_V4);
    assert.equal(relayed?.port, client.allocation?.relays[0].port);
    assert.ok(relayed.port >= 49152 && relayed.port <= 65535);
    assert.deepEqual(getAttribute(answer, Attr.XorMappedAddress), { family: 'IPv4', address: '198.51.100.20', port: 41000 });
    assert.equal(getAttribute(answer, Attr.Lifetime), 600);
    assert.ok(client.verifies(answer), 'MESSAGE-INTEGRITY under the long-term key');
    assert.equal(client.allocation?.state, 'active');
    assert.equal(bench.core.counters.allocationsCreated, 1);
  });

  it('answers only when the driver reports the relay sockets bound (relaysOpened)', () => {
    const bench = new TurnHarness();
    bench.driver.mode = 'manual';
    const client = bench.client();
    assert.equal(client.allocate(), undefined, 'no answer while the relay is opening');
    assert.equal(client.allocation?.state, 'opening');
    const [{ allocation, request }] = bench.driver.pending;
    assert.deepEqual(request, { families: ['IPv4'], evenPort: false, reserveNext: false, reservationToken: undefined });
    bench.driver.complete(allocation, request);
    const [bytes] = client.inbox();
    assert.ok(bytes, 'the answer went out');
    assert.equal(client.allocation?.state, 'active');
  });

  it('shows an advertised relay address (external-ip) in XOR-RELAYED-ADDRESS', () => {
    const bench = new TurnHarness({ relays: [{ family: 'IPv4', ip: RELAY_V4, advertisedIp: '203.0.113.99' }] });
    const answer = bench.client().allocate();
    assert.equal(getAttribute(answer!, Attr.XorRelayedAddress)?.address, '203.0.113.99');
  });
});

describe('Allocate: lifetime (RFC 8656 §7.2)', () => {
  const cases: [string, number | undefined, number][] = [
    ['no LIFETIME gets the default 600 s', undefined, 600],
    ['a LIFETIME below the default gets the default', 30, 600],
    ['a LIFETIME between default and maximum is granted', 1200, 1200],
    ['a LIFETIME above max-allocate-lifetime is clamped to 3600 s', 99_999, 3600],
  ];
  for (const [title, asked, granted] of cases) {
    it(title, () => {
      const bench = new TurnHarness();
      const client = bench.client();
      const attrs = asked === undefined ? [UDP_TRANSPORT] : [UDP_TRANSPORT, { type: Attr.Lifetime, value: asked } as const];
      const answer = client.allocate(attrs);
      assert.equal(getAttribute(answer!, Attr.Lifetime), granted);
      assert.equal(client.allocation?.expiresAt, bench.now + granted * 1000);
    });
  }
});

describe('Allocate: refusals', () => {
  it('442 for REQUESTED-TRANSPORT TCP, 400 without REQUESTED-TRANSPORT; nothing is opened', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    assert.equal(errorCode(client.allocate([{ type: Attr.RequestedTransport, value: TCP }])!), 442);
    assert.equal(errorCode(client.allocate([])!), 400);
    assert.equal(bench.driver.openRequests.length, 0);
    assert.equal(bench.core.allocationCount, 0);
  });

  it('signs error answers once the request was authenticated', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const answer = client.allocate([{ type: Attr.RequestedTransport, value: TCP }])!;
    assert.ok(client.verifies(answer));
  });

  it('442 when the UDP relay is turned off (no-udp-relay)', () => {
    const bench = new TurnHarness({ core: { udpRelay: false } });
    assert.equal(errorCode(bench.client().allocate()!), 442);
  });

  it('440 for REQUESTED-ADDRESS-FAMILY IPv6 when the server has no IPv6 relay address', () => {
    const bench = new TurnHarness();
    const answer = bench.client().allocate([UDP_TRANSPORT, { type: Attr.RequestedAddressFamily, value: 'IPv6' }]);
    assert.equal(errorCode(answer!), 440);
    assert.equal(bench.core.allocationCount, 0);
  });

  it('400 for REQUESTED-ADDRESS-FAMILY together with ADDITIONAL-ADDRESS-FAMILY', () => {
    const bench = new TurnHarness({ relays: [{ family: 'IPv4', ip: RELAY_V4 }, { family: 'IPv6', ip: RELAY_V6 }] });
    const answer = bench.client().allocate([
      UDP_TRANSPORT,
      { type: Attr.RequestedAddressFamily, value: 'IPv4' },
      { type: Attr.AdditionalAddressFamily, value: 'IPv6' },
    ]);
    assert.equal(errorCode(answer!), 400);
  });

  it('437 for a new Allocate on a 5-tuple that already has an allocation', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.allocateOk();
    const again = client.allocate();
    assert.equal(errorCode(again!), 437);
    assert.equal(bench.core.allocationCount, 1);
  });

  it('420 with UNKNOWN-ATTRIBUTES for an unknown comprehension-required attribute', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const answer = client.allocate([UDP_TRANSPORT, { type: 0x0099, value: new Uint8Array(4), unknown: true }]);
    assert.equal(errorCode(answer!), 420);
    assert.deepEqual(getAttribute(answer!, Attr.UnknownAttributes), [0x0099]);
    assert.equal(bench.core.allocationCount, 0);
  });
});

describe('Allocate: IPv6 and dual allocations (RFC 8656 §7.2, ADDITIONAL-ADDRESS-FAMILY)', () => {
  it('relays IPv6 when asked with REQUESTED-ADDRESS-FAMILY and the server has an IPv6 address', () => {
    const bench = new TurnHarness({ relays: [{ family: 'IPv4', ip: RELAY_V4 }, { family: 'IPv6', ip: RELAY_V6 }] });
    const answer = bench.client().allocate([UDP_TRANSPORT, { type: Attr.RequestedAddressFamily, value: 'IPv6' }]);
    assert.equal(errorCode(answer!), 0);
    assert.deepEqual(getAttributes(answer!, Attr.XorRelayedAddress).map((a) => a.address), [RELAY_V6]);
  });

  it('gives an IPv4 and an IPv6 relayed address when both exist', () => {
    const bench = new TurnHarness({ relays: [{ family: 'IPv4', ip: RELAY_V4 }, { family: 'IPv6', ip: RELAY_V6 }] });
    const client = bench.client();
    const answer = client.allocate([UDP_TRANSPORT, { type: Attr.AdditionalAddressFamily, value: 'IPv6' }]);
    assert.equal(errorCode(answer!), 0);
    const relayed = getAttributes(answer!, Attr.XorRelayedAddress);
    assert.deepEqual(relayed.map((a) => a.family), ['IPv4', 'IPv6']);
    assert.deepEqual(relayed.map((a) => a.address), [RELAY_V4, RELAY_V6]);
    assert.equal(getAttribute(answer!, Attr.AddressErrorCode), undefined);
    assert.equal(client.allocation?.relays.length, 2);
  });

  it('gives the IPv4 address and ADDRESS-ERROR-CODE 440 for IPv6 when there is no IPv6 relay', () => {
    const bench = new TurnHarness();
    const answer = bench.client().allocate([UDP_TRANSPORT, { type: Attr.AdditionalAddressFamily, value: 'IPv6' }]);
    assert.equal(errorCode(answer!), 0);
    assert.deepEqual(getAttributes(answer!, Attr.XorRelayedAddress).map((a) => a.family), ['IPv4']);
    const aec = getAttribute(answer!, Attr.AddressErrorCode);
    assert.equal(aec?.family, 'IPv6');
    assert.equal(aec?.code, 440);
  });

  it('400 for ADDITIONAL-ADDRESS-FAMILY IPv4 (only IPv6 may be added)', () => {
    const bench = new TurnHarness({ relays: [{ family: 'IPv4', ip: RELAY_V4 }, { family: 'IPv6', ip: RELAY_V6 }] });
    const answer = bench.client().allocate([UDP_TRANSPORT, { type: Attr.AdditionalAddressFamily, value: 'IPv4' }]);
    assert.equal(errorCode(answer!), 400);
  });
});

describe('Allocate: the driver cannot bind (relaysFailed)', () => {
  it('508 from the driver reaches the client signed, and the allocation is gone', () => {
    const bench = new TurnHarness();
    bench.driver.mode = 'manual';
    const client = bench.client();
    client.allocate();
    const [{ allocation }] = bench.driver.pending;
    bench.core.relaysFailed(allocation, 508, bench.now);
    const [bytes] = client.inbox();
    const answer = decodeOk(bytes);
    assert.equal(errorCode(answer), 508);
    assert.ok(client.verifies(answer));
    assert.equal(bench.core.allocationCount, 0);
    assert.equal(bench.driver.eventsNamed('relay-ports-exhausted').length, 1);
  });

  it('a late relaysOpened for an allocation that went away closes the sockets and answers nothing', () => {
    const bench = new TurnHarness();
    bench.driver.mode = 'manual';
    const client = bench.client();
    client.allocate();
    const [{ allocation, request }] = bench.driver.pending;
    bench.core.deleteAllocation(allocation, bench.now, 'test');
    bench.driver.complete(allocation, request);
    assert.deepEqual(client.inbox(), []);
    assert.ok(bench.driver.closed.includes(allocation));
    assert.equal(bench.ports.inUse(RELAY_V4), 0, 'the port went back');
  });

  it('ignores a retransmitted Allocate while the relay is still opening', () => {
    const bench = new TurnHarness();
    bench.driver.mode = 'manual';
    const client = bench.client();
    client.challenge();
    const tid = client.newTid();
    assert.equal(client.request(Method.Allocate, [UDP_TRANSPORT], { tid }), undefined);
    assert.equal(client.request(Method.Allocate, [UDP_TRANSPORT], { tid }), undefined);
    assert.equal(bench.driver.openRequests.length, 1, 'one relay, not two');
  });
});
