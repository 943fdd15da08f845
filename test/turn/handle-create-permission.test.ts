/**
 * RFC 8656 §9: CreatePermission — several XOR-PEER-ADDRESS installed together or not at all,
 * 403 for peers the policy refuses, 443 for a family the allocation does not relay, the
 * 300-second lifetime, and byte-identical answers to retransmissions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Attr, Method } from '../../src/stun/types.ts';
import { bytes, errorCode, peer, RELAY_V4, RELAY_V6, TurnHarness } from '../helpers/turn-harness.ts';

const DUAL = { relays: [{ family: 'IPv4', ip: RELAY_V4 }, { family: 'IPv6', ip: RELAY_V6 }] } as const;
const ADD_IPV6 = [
  { type: Attr.RequestedTransport, value: 17 },
  { type: Attr.AdditionalAddressFamily, value: 'IPv6' },
] as const;

describe('CreatePermission (RFC 8656 §9)', () => {
  it('installs every XOR-PEER-ADDRESS of one request, by IP, for 300 s', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    const answer = client.createPermission([peer('203.0.113.5', 1000), peer('203.0.113.6', 2000), peer('198.51.100.99', 3000)])!;
    assert.equal(errorCode(answer), 0);
    assert.ok(client.verifies(answer));
    assert.deepEqual([...alloc.permissions.keys()].sort(), ['198.51.100.99', '203.0.113.5', '203.0.113.6']);
    for (const exp of alloc.permissions.values()) assert.equal(exp, bench.now + 300_000);
  });

  it('installs none of them when one peer is refused (403)', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    const answer = client.createPermission([peer('203.0.113.5'), peer('10.0.0.1'), peer('203.0.113.6')])!;
    assert.equal(errorCode(answer), 403);
    assert.equal(alloc.permissions.size, 0);
    assert.equal(bench.driver.eventsNamed('peer-denied')[0].peer, '10.0.0.1');
  });

  it('installs none of them when one peer is of a family the allocation does not relay (443)', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    const answer = client.createPermission([peer('203.0.113.5'), peer('2001:db8::5')])!;
    assert.equal(errorCode(answer), 443);
    assert.equal(alloc.permissions.size, 0);
  });

  for (const denied of ['127.0.0.1', '10.0.0.1', '169.254.169.254', '::ffff:127.0.0.1', '::1']) {
    it(`refuses the peer ${denied} with 403 and counts it`, () => {
      const bench = new TurnHarness(DUAL);
      const client = bench.client();
      const alloc = client.allocateOk([...ADD_IPV6]);
      const answer = client.createPermission([peer(denied)])!;
      assert.equal(errorCode(answer), 403);
      assert.ok(client.verifies(answer));
      assert.equal(alloc.permissions.size, 0);
      assert.equal([...bench.core.counters.drops.keys()].filter((k) => k.startsWith('peer-denied-')).length, 1);
    });
  }

  it('allows a loopback peer only with allow-loopback-peers', () => {
    const bench = new TurnHarness({ peers: { allowLoopbackPeers: true } });
    const client = bench.client();
    client.allocateOk();
    assert.equal(errorCode(client.createPermission([peer('127.0.0.1')])!), 0);
    assert.equal(errorCode(client.createPermission([peer('10.0.0.1')])!), 403, 'private ranges stay refused');
  });

  it('400 without XOR-PEER-ADDRESS, 437 without an allocation', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.challenge();
    assert.equal(errorCode(client.createPermission([peer()])!), 437);
    client.allocateOk();
    assert.equal(errorCode(client.createPermission([])!), 400);
  });

  it('508 beyond max-permissions-per-allocation, installing nothing of that request', () => {
    const bench = new TurnHarness({ core: { maxPermissionsPerAllocation: 2 } });
    const client = bench.client();
    const alloc = client.allocateOk();
    assert.equal(errorCode(client.createPermission([peer('203.0.113.1'), peer('203.0.113.2')])!), 0);
    assert.equal(errorCode(client.createPermission([peer('203.0.113.3')])!), 508);
    assert.equal(errorCode(client.createPermission([peer('203.0.113.1')])!), 0, 'refreshing an existing one is fine');
    assert.equal(alloc.permissions.size, 2);
  });

  it('gives a retransmission the byte-identical cached answer without deciding again', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    const tid = client.newTid();
    const first = client.request(Method.CreatePermission, [{ type: Attr.XorPeerAddress, value: peer() }], { tid })!;
    bench.advance(10_000);
    const second = client.request(Method.CreatePermission, [{ type: Attr.XorPeerAddress, value: peer() }], { tid })!;
    assert.deepEqual(Buffer.from(second.raw), Buffer.from(first.raw));
    // A new decision would have moved the expiry to the later time.
    assert.equal(alloc.permissions.get('203.0.113.5'), bench.now - 10_000 + 300_000);
  });
});

describe('permission lifetime (RFC 8656 §9: 300 s)', () => {
  it('lets peer data in until 300 s, then drops it and counts the drop', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    client.createPermission([peer()]);
    const relay = alloc.relays[0];
    bench.advance(300_000 - 1);
    bench.fromPeer(relay, '203.0.113.5', 5000, bytes('in time'));
    assert.equal(client.relayed().length, 1);
    bench.advance(1);
    bench.fromPeer(relay, '203.0.113.5', 5000, bytes('too late'));
    assert.deepEqual(client.relayed(), []);
    assert.equal(bench.drops('peer-data-no-permission'), 1);
    bench.tick();
    assert.equal(alloc.permissions.size, 0, 'the sweep forgets it');
  });

  it('drops Send indications after 300 s', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.allocateOk();
    client.createPermission([peer()]);
    bench.advanceAndTick(299_000);
    client.sendIndication(peer(), bytes('in time'));
    assert.equal(bench.driver.toPeers.length, 1);
    bench.advanceAndTick(1_000);
    client.sendIndication(peer(), bytes('too late'));
    assert.equal(bench.driver.toPeers.length, 1);
    assert.equal(bench.drops('send-no-permission'), 1);
    assert.deepEqual(client.inbox(), [], 'indications are never answered');
  });

  it('is refreshed by a new CreatePermission for the same IP', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    client.createPermission([peer('203.0.113.5', 1)]);
    bench.advanceAndTick(200_000);
    client.createPermission([peer('203.0.113.5', 2)]);
    bench.advanceAndTick(200_000);
    bench.fromPeer(alloc.relays[0], '203.0.113.5', 9, bytes('still allowed'));
    assert.equal(client.relayed().length, 1);
  });
});
