/**
 * RFC 8656 §11.3–§11.4 and §12.6: what a peer sends to a relayed address reaches the client
 * only when a permission for the peer's IP exists — as ChannelData when a channel is bound to
 * that exact peer address, as a Data indication otherwise.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeChannelData } from '../../src/stun/index.ts';
import { Attr } from '../../src/stun/types.ts';
import { bytes, FakeTransport, peer, RELAY_V4, RELAY_V6, TurnHarness } from '../helpers/turn-harness.ts';

describe('peer data toward the client (RFC 8656 §11.3, §12.6)', () => {
  it('is dropped and counted without a permission for the peer IP', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    client.createPermission([peer('203.0.113.5')]);
    bench.fromPeer(alloc.relays[0], '203.0.113.6', 5000, bytes('stranger'));
    assert.deepEqual(client.relayed(), []);
    assert.equal(bench.drops('peer-data-no-permission'), 1);
    assert.equal(alloc.traffic.rxPackets, 0);
  });

  it('arrives as a Data indication with XOR-PEER-ADDRESS when no channel is bound; any port of the IP will do', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    client.createPermission([peer('203.0.113.5', 1)]);
    bench.fromPeer(alloc.relays[0], '203.0.113.5', 7777, bytes('hi there'));
    const [got] = client.relayed();
    assert.deepEqual(got, { kind: 'data', peer: peer('203.0.113.5', 7777), data: bytes('hi there') });
    assert.equal(bench.core.counters.dataIndicationsOut, 1);
    assert.deepEqual(alloc.traffic, { rxPackets: 1, rxBytes: 8, txPackets: 0, txBytes: 0, dropped: 0 });
  });

  it('arrives as ChannelData when a channel is bound to that peer address, and as Data from its other ports', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    client.channelBind(0x4123, peer('203.0.113.5', 5000));
    bench.fromPeer(alloc.relays[0], '203.0.113.5', 5000, bytes('on the channel'));
    bench.fromPeer(alloc.relays[0], '203.0.113.5', 5001, bytes('beside it'));
    const [first, second] = client.relayed();
    assert.deepEqual(first, { kind: 'channel', number: 0x4123, data: bytes('on the channel') });
    assert.equal(second.kind, 'data');
    assert.equal(bench.core.counters.channelDataOut, 1);
  });

  it('pads ChannelData to four bytes toward a TCP client (RFC 8656 §12.5), not toward a UDP one', () => {
    const bench = new TurnHarness();
    const tcp = bench.client({ transport: new FakeTransport('tcp') });
    const udp = bench.client();
    for (const c of [tcp, udp]) {
      const alloc = c.allocateOk();
      c.channelBind(0x4000, peer());
      c.inbox();
      bench.fromPeer(alloc.relays[0], '203.0.113.5', 5000, bytes('12345'));
    }
    const [overTcp] = tcp.inbox();
    const [overUdp] = udp.inbox();
    assert.equal(overTcp.length, 12);
    assert.deepEqual([...overTcp.subarray(9)], [0, 0, 0]);
    assert.equal(overUdp.length, 9);
    const decoded = decodeChannelData(overTcp);
    assert.ok(decoded.ok);
    assert.equal(Buffer.from(decoded.value.data).toString(), '12345');
  });

  it('carries FINGERPRINT in Data indications when the client uses it', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.challenge();
    const answer = client.allocate([{ type: Attr.RequestedTransport, value: 17 }], { fingerprint: true })!;
    assert.equal(answer.hasFingerprint, true);
    client.createPermission([peer()]);
    client.inbox();
    bench.fromPeer(client.allocation!.relays[0], '203.0.113.5', 5000, bytes('x'));
    const [raw] = client.inbox();
    assert.equal(Buffer.from(raw).readUInt16BE(raw.length - 8), Attr.Fingerprint);
  });

  it('reaches the client of a dual allocation from either family, each on its own relay', () => {
    const bench = new TurnHarness({ relays: [{ family: 'IPv4', ip: RELAY_V4 }, { family: 'IPv6', ip: RELAY_V6 }] });
    const client = bench.client();
    const alloc = client.allocateOk([
      { type: Attr.RequestedTransport, value: 17 },
      { type: Attr.AdditionalAddressFamily, value: 'IPv6' },
    ]);
    client.createPermission([peer('203.0.113.5'), peer('2001:db8::5')]);
    bench.fromPeer(alloc.relayFor('IPv6')!, '2001:db8::5', 5000, bytes('six'));
    bench.fromPeer(alloc.relayFor('IPv4')!, '203.0.113.5', 5000, bytes('four'));
    const got = client.relayed();
    assert.deepEqual(got.map((g) => g.kind === 'data' && g.peer.family), ['IPv6', 'IPv4']);
    client.sendIndication(peer('2001:db8::5'), bytes('back'));
    assert.equal(bench.driver.toPeers[0].relay.family, 'IPv6');
  });
});
