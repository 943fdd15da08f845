/**
 * Client to peer (RFC 8656 §11.2 Send indications, §12.4 ChannelData): data leaves from the
 * relayed address only toward a peer with a permission, or over a bound channel. Every
 * refusal is silent toward the client (indications and ChannelData are never answered) and
 * counted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMessage } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { bytes, peer, RELAY_V4, RELAY_V6, TurnHarness } from '../helpers/turn-harness.ts';

describe('Send indication (RFC 8656 §11.2)', () => {
  it('relays DATA to XOR-PEER-ADDRESS from the relayed address when a permission exists', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    client.createPermission([peer('203.0.113.5')]);
    client.inbox();
    client.sendIndication(peer('203.0.113.5', 9999), bytes('payload'));
    assert.equal(bench.driver.toPeers.length, 1);
    const [out] = bench.driver.toPeers;
    assert.equal(out.relay, alloc.relays[0]);
    assert.equal(out.peerIp, '203.0.113.5');
    assert.equal(out.peerPort, 9999);
    assert.equal(Buffer.from(out.data).toString(), 'payload');
    assert.deepEqual(client.inbox(), [], 'never answered');
    assert.equal(bench.core.counters.sendIndicationsIn, 1);
    assert.equal(alloc.traffic.txBytes, 7);
  });

  it('drops it silently without a permission, and counts it', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.allocateOk();
    client.inbox();
    client.sendIndication(peer('203.0.113.5'), bytes('nope'));
    assert.equal(bench.driver.toPeers.length, 0);
    assert.deepEqual(client.inbox(), []);
    assert.equal(bench.drops('send-no-permission'), 1);
  });

  for (const denied of ['127.0.0.1', '10.0.0.1', '169.254.169.254', '::ffff:127.0.0.1']) {
    it(`drops it silently toward the denied peer ${denied}`, () => {
      const bench = new TurnHarness({ relays: [{ family: 'IPv4', ip: RELAY_V4 }, { family: 'IPv6', ip: RELAY_V6 }] });
      const client = bench.client();
      client.allocateOk([
        { type: Attr.RequestedTransport, value: 17 },
        { type: Attr.AdditionalAddressFamily, value: 'IPv6' },
      ]);
      client.createPermission([peer(denied)]);
      client.inbox();
      client.sendIndication(peer(denied), bytes('to the inside'));
      assert.equal(bench.driver.toPeers.length, 0);
      assert.deepEqual(client.inbox(), []);
      assert.equal(bench.drops('send-no-permission'), 1);
    });
  }

  it('drops it without an allocation, for a family without a relay, and without DATA', () => {
    const bench = new TurnHarness();
    const stranger = bench.client();
    stranger.sendIndication(peer(), bytes('x'));
    assert.equal(bench.drops('send-no-allocation'), 1);
    const client = bench.client();
    client.allocateOk();
    client.createPermission([peer()]);
    client.sendIndication(peer('2001:db8::5'), bytes('x'));
    assert.equal(bench.drops('no-relay-for-family'), 1);
    client.sendRaw(
      encodeMessage({
        method: Method.Send,
        class: MessageClass.Indication,
        transactionId: client.newTid(),
        attributes: [{ type: Attr.XorPeerAddress, value: peer() }],
      }),
    );
    assert.equal(bench.drops('send-malformed'), 1);
    assert.equal(bench.driver.toPeers.length, 0);
  });

  it('drops indications other than Send, and responses sent by a client', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.allocateOk();
    const data = (cls: 1 | 2) =>
      encodeMessage({ method: Method.Data, class: cls, transactionId: client.newTid(), attributes: [{ type: Attr.Data, value: bytes('x') }] });
    client.sendRaw(data(MessageClass.Indication));
    client.sendRaw(data(MessageClass.SuccessResponse));
    assert.equal(bench.drops('unexpected-indication'), 1);
    assert.equal(bench.drops('response-from-client'), 1);
  });
});

describe('ChannelData from the client (RFC 8656 §12.4)', () => {
  it('goes to the bound peer address, payload only, padding ignored', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.allocateOk();
    client.channelBind(0x4000, peer('203.0.113.5', 5000));
    const padded = Buffer.from([0x40, 0x00, 0x00, 0x03, 0x61, 0x62, 0x63, 0x00]);
    client.sendRaw(padded);
    assert.equal(bench.driver.toPeers.length, 1);
    assert.equal(Buffer.from(bench.driver.toPeers[0].data).toString(), 'abc');
    assert.equal(bench.core.counters.channelDataIn, 1);
  });

  it('relays a zero-length ChannelData as an empty datagram (RFC 8656 §12.5)', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.allocateOk();
    client.channelBind(0x4000, peer());
    client.channelData(0x4000, new Uint8Array(0));
    assert.equal(bench.driver.toPeers.length, 1);
    assert.equal(bench.driver.toPeers[0].data.length, 0);
  });

  it('is dropped for an unbound channel, a length longer than the payload, a short header, or no allocation', () => {
    const bench = new TurnHarness();
    const stranger = bench.client();
    stranger.channelData(0x4000, bytes('x'));
    assert.equal(bench.drops('channel-data-no-allocation'), 1);
    const client = bench.client();
    client.allocateOk();
    client.channelBind(0x4000, peer());
    client.channelData(0x4001, bytes('unbound'));
    assert.equal(bench.drops('channel-not-bound'), 1);
    client.sendRaw(Buffer.from([0x40, 0x00, 0x00, 0x10, 0x61]));
    client.sendRaw(Buffer.from([0x40, 0x00, 0x00]));
    assert.equal(bench.drops('channel-data-malformed'), 2);
    assert.equal(bench.driver.toPeers.length, 0);
    assert.deepEqual(client.inbox().length, 0, 'never answered');
  });

  it('on 0x5000-0x7FFF is not ChannelData at all without rfc5766-channel-numbers', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.allocateOk();
    client.channelData(0x5000, bytes('x'));
    assert.equal(bench.drops('channel-not-bound'), 0);
    assert.equal(bench.drops('not-turn-quic'), 1);
  });
});
