/**
 * RFC 8656 §12: ChannelBind — the number range, the permission a binding installs, the
 * 600-second lifetime, and the 5-minute re-bind guard that keeps an expired channel's number
 * and peer reserved to each other.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Attr, Method } from '../../src/stun/types.ts';
import { bytes, errorCode, peer, RELAY_V4, RELAY_V6, TurnHarness } from '../helpers/turn-harness.ts';

const PEER_A = peer('203.0.113.5', 5000);
const PEER_B = peer('203.0.113.6', 6000);

describe('ChannelBind (RFC 8656 §12.1–§12.2)', () => {
  it('binds a number to a peer and installs the permission for its IP', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    const answer = client.channelBind(0x4000, PEER_A)!;
    assert.equal(errorCode(answer), 0);
    assert.ok(client.verifies(answer));
    const ch = alloc.channelsByNumber.get(0x4000);
    assert.equal(ch?.peerIp, '203.0.113.5');
    assert.equal(ch?.expiresAt, bench.now + 600_000);
    assert.equal(alloc.permissions.get('203.0.113.5'), bench.now + 300_000);
    client.channelData(0x4000, bytes('hello'));
    assert.equal(bench.driver.toPeers.length, 1);
    assert.equal(Buffer.from(bench.driver.toPeers[0].data).toString(), 'hello');
    assert.equal(bench.driver.toPeers[0].peerPort, 5000);
  });

  for (const number of [0x0000, 0x3fff, 0x5000, 0x7fff, 0x8000, 0xffff]) {
    it(`400 for channel number 0x${number.toString(16)} (outside 0x4000-0x4FFF)`, () => {
      const bench = new TurnHarness();
      const client = bench.client();
      const alloc = client.allocateOk();
      assert.equal(errorCode(client.channelBind(number, PEER_A)!), 400);
      assert.equal(alloc.channels.length, 0);
      assert.equal(alloc.permissions.size, 0, 'a refused bind installs no permission');
    });
  }

  it('accepts 0x4FFF, the top of the RFC 8656 range', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.allocateOk();
    assert.equal(errorCode(client.channelBind(0x4fff, PEER_A)!), 0);
  });

  it('accepts 0x5000-0x7FFF only with maxChannelNumber 0x7fff (rfc5766-channel-numbers), and relays on them', () => {
    const bench = new TurnHarness({ core: { maxChannelNumber: 0x7fff } });
    const client = bench.client();
    const alloc = client.allocateOk();
    assert.equal(errorCode(client.channelBind(0x5000, PEER_A)!), 0);
    assert.equal(errorCode(client.channelBind(0x7fff, PEER_B)!), 0);
    assert.equal(errorCode(client.channelBind(0x8000, peer('203.0.113.7'))!), 400);
    client.channelData(0x7fff, bytes('to B'));
    assert.equal(bench.driver.toPeers[0].peerIp, '203.0.113.6');
    bench.fromPeer(alloc.relays[0], '203.0.113.5', 5000, bytes('from A'));
    const [got] = client.relayed();
    assert.equal(got.kind, 'channel');
    assert.equal(got.kind === 'channel' && got.number, 0x5000);
  });

  it('400 when the number is bound to another peer, or the peer to another number', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.allocateOk();
    client.channelBind(0x4001, PEER_A);
    assert.equal(errorCode(client.channelBind(0x4001, PEER_B)!), 400);
    assert.equal(errorCode(client.channelBind(0x4002, PEER_A)!), 400);
    assert.equal(errorCode(client.channelBind(0x4001, peer('203.0.113.5', 5001))!), 400, 'same IP, other port is another peer');
  });

  it('400 without CHANNEL-NUMBER or XOR-PEER-ADDRESS', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.allocateOk();
    assert.equal(errorCode(client.request(Method.ChannelBind, [{ type: Attr.ChannelNumber, value: 0x4000 }])!), 400);
    assert.equal(errorCode(client.request(Method.ChannelBind, [{ type: Attr.XorPeerAddress, value: PEER_A }])!), 400);
  });

  for (const denied of ['127.0.0.1', '10.0.0.1', '169.254.169.254', '::ffff:127.0.0.1']) {
    it(`403 for the denied peer ${denied}`, () => {
      const bench = new TurnHarness({ relays: [{ family: 'IPv4', ip: RELAY_V4 }, { family: 'IPv6', ip: RELAY_V6 }] });
      const client = bench.client();
      const alloc = client.allocateOk([
        { type: Attr.RequestedTransport, value: 17 },
        { type: Attr.AdditionalAddressFamily, value: 'IPv6' },
      ]);
      assert.equal(errorCode(client.channelBind(0x4000, peer(denied, 7000))!), 403);
      assert.equal(alloc.channels.length, 0);
      assert.equal(alloc.permissions.size, 0);
    });
  }

  it('443 for a peer of a family the allocation does not relay', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.allocateOk();
    assert.equal(errorCode(client.channelBind(0x4000, peer('2001:db8::5'))!), 443);
  });

  it('508 beyond max-channels-per-allocation', () => {
    const bench = new TurnHarness({ core: { maxChannelsPerAllocation: 1 } });
    const client = bench.client();
    client.allocateOk();
    assert.equal(errorCode(client.channelBind(0x4000, PEER_A)!), 0);
    assert.equal(errorCode(client.channelBind(0x4001, PEER_B)!), 508);
    assert.equal(errorCode(client.channelBind(0x4000, PEER_A)!), 0, 'refreshing the bound one is fine');
  });
});

/** An allocation (and nonce) that outlive the channel's lifetime and guard, so only the channel's clock shows. */
function longLived() {
  const bench = new TurnHarness({ staleNonceSeconds: 3600 });
  const client = bench.client();
  const alloc = client.allocateOk([
    { type: Attr.RequestedTransport, value: 17 },
    { type: Attr.Lifetime, value: 3600 },
  ]);
  return { bench, client, alloc };
}

describe('channel lifetime and the re-bind guard (RFC 8656 §12)', () => {
  it('expires at 600 s: ChannelData is dropped, peer data falls back to Data indications', () => {
    const { bench, client, alloc } = longLived();
    client.channelBind(0x4000, PEER_A);
    // Keep the permission alive past the channel, so only the channel's end shows.
    bench.advanceAndTick(500_000);
    client.createPermission([PEER_A]);
    bench.advance(100_000 - 1);
    client.channelData(0x4000, bytes('in time'));
    assert.equal(bench.driver.toPeers.length, 1);
    bench.fromPeer(alloc.relays[0], '203.0.113.5', 5000, bytes('x'));
    assert.equal(client.relayed()[0].kind, 'channel');
    bench.advanceAndTick(1);
    client.channelData(0x4000, bytes('too late'));
    assert.equal(bench.driver.toPeers.length, 1);
    assert.equal(bench.drops('channel-not-bound'), 1);
    bench.fromPeer(alloc.relays[0], '203.0.113.5', 5000, bytes('y'));
    const [got] = client.relayed();
    assert.equal(got.kind, 'data');
  });

  it('is kept alive by binding the same pair again; its data still needs the permission, which lasts 5 minutes', () => {
    const { bench, client } = longLived();
    client.channelBind(0x4000, PEER_A);
    bench.advanceAndTick(400_000);
    assert.equal(errorCode(client.channelBind(0x4000, PEER_A)!), 0);
    bench.advanceAndTick(250_000);
    client.channelData(0x4000, bytes('still bound'));
    assert.equal(bench.driver.toPeers.length, 1, 'past the first binding\'s 10 minutes');
    bench.advanceAndTick(100_000);
    client.channelData(0x4000, bytes('permission lapsed'));
    assert.equal(bench.driver.toPeers.length, 1, 'the binding lives, the permission (5 min from the re-bind) does not');
    assert.equal(bench.drops('channel-data-no-permission'), 1);
    client.createPermission([PEER_A]);
    client.channelData(0x4000, bytes('refreshed'));
    assert.equal(bench.driver.toPeers.length, 2);
  });

  it('keeps number and peer reserved for 5 minutes after expiry; the same pair may re-bind', () => {
    const { bench, client, alloc } = longLived();
    client.channelBind(0x4000, PEER_A);
    bench.advanceAndTick(600_000);
    assert.equal(alloc.channelsByNumber.get(0x4000)?.active, false, 'expired, in its guard');
    assert.equal(errorCode(client.channelBind(0x4000, PEER_B)!), 400, 'the number is not free for another peer');
    assert.equal(errorCode(client.channelBind(0x4001, PEER_A)!), 400, 'the peer is not free for another number');
    assert.equal(errorCode(client.channelBind(0x4000, PEER_A)!), 0, 'the same pair re-binds');
    client.channelData(0x4000, bytes('bound again'));
    assert.equal(bench.driver.toPeers.length, 1);
  });

  it('frees number and peer once the guard has passed', () => {
    const { bench, client, alloc } = longLived();
    client.channelBind(0x4000, PEER_A);
    bench.advanceAndTick(600_000 + 300_000 - 1);
    assert.equal(errorCode(client.channelBind(0x4000, PEER_B)!), 400, 'a millisecond before the guard ends');
    bench.advanceAndTick(1);
    assert.equal(alloc.channels.length, 0, 'the sweep forgot it');
    assert.equal(errorCode(client.channelBind(0x4000, PEER_B)!), 0);
    assert.equal(errorCode(client.channelBind(0x4001, PEER_A)!), 0);
  });
});
