/**
 * The largest datagram each address family allows, sent by peers to IPv4 and IPv6 relayed
 * addresses (RFC 8656 §11.3, §12.6), over Data indications and over channels, toward UDP and
 * TCP clients. What no message toward the client can carry (a Data indication past STUN's
 * 16-bit length, a datagram past the client's UDP limit) is dropped and counted by reason;
 * what fits to the byte is relayed; and the server goes on relaying.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { decodeChannelData, decodeMessage, getAttribute, getAttributes, MAX_UDP_PAYLOAD_IPV4, MAX_UDP_PAYLOAD_IPV6 } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type TransportAddress } from '../../src/stun/types.ts';
import { dropsOf, dropsSince, eventually, startServer, TcpClient, UdpClient, type TestServer } from './wire.ts';

/** A raw UDP peer that remembers what it got. */
class Peer {
  readonly socket: dgram.Socket;
  readonly received: Buffer[] = [];
  readonly address: string;
  port = 0;

  constructor(address: string) {
    this.address = address;
    this.socket = dgram.createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', sendBufferSize: 1 << 20 });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.socket.bind(0, this.address, () => resolve()));
    this.port = this.socket.address().port;
    this.socket.on('message', (m) => this.received.push(m));
    return this;
  }

  send(to: TransportAddress, bytes: number, fill: number): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(Buffer.alloc(bytes, fill), to.port, to.address, (err) => (err ? reject(err) : resolve())));
  }

  get at(): TransportAddress {
    return { family: this.address.includes(':') ? 'IPv6' : 'IPv4', address: this.address, port: this.port };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** The payload of a relayed message: DATA of a Data indication, or the data of ChannelData. */
function payloadOf(msg: Buffer): { kind: 'data-indication' | 'channel-data'; data: Uint8Array } {
  if (msg[0] >= 0x40) {
    const cd = decodeChannelData(msg, 0x7fff);
    assert.ok(cd.ok, 'ChannelData decodes');
    return { kind: 'channel-data', data: cd.value.data };
  }
  const d = decodeMessage(msg);
  assert.ok(d.ok, 'the Data indication decodes');
  assert.equal(d.value.method, Method.Data);
  assert.equal(d.value.class, MessageClass.Indication);
  return { kind: 'data-indication', data: getAttribute(d.value, Attr.Data)! };
}

/** Sends `bytes` from `peer` and then a small marker; returns what the client got up to the marker. */
async function relayThenMarker(client: UdpClient | TcpClient, peer: Peer, relay: TransportAddress, bytes: number): Promise<Uint8Array[]> {
  client.other.length = 0;
  await peer.send(relay, bytes, 0xaa);
  await peer.send(relay, 8, 0x55);
  const got: Uint8Array[] = [];
  for (;;) {
    const { data } = payloadOf(await client.nextRelayed());
    if (data.length === 8 && data[0] === 0x55) return got;
    got.push(data);
  }
}

describe('the largest datagrams a peer can send', () => {
  let t: TestServer;
  let v4: Peer;
  let v6: Peer;

  before(async () => {
    t = await startServer(['--allow-loopback-peers', '--relay-ip', '127.0.0.1', '--relay-ip', '::1'], 16);
    v4 = await new Peer('127.0.0.1').start();
    v6 = await new Peer('::1').start();
  });

  after(async () => {
    await v4.close();
    await v6.close();
    await t.server.close();
  });

  /** A dual-stack allocation (RFC 8656 §7.2 ADDITIONAL-ADDRESS-FAMILY) with permissions for both peers. */
  async function dualAllocation(client: UdpClient | TcpClient): Promise<{ relay4: TransportAddress; relay6: TransportAddress }> {
    const ok = await client.allocate([
      { type: Attr.RequestedTransport, value: 17 },
      { type: Attr.AdditionalAddressFamily, value: 'IPv6' },
    ]);
    assert.equal(ok.class, MessageClass.SuccessResponse);
    const relays = getAttributes(ok, Attr.XorRelayedAddress);
    const relay4 = relays.find((r) => r.family === 'IPv4')!;
    const relay6 = relays.find((r) => r.family === 'IPv6')!;
    assert.ok(relay4 && relay6, 'an IPv4 and an IPv6 relayed address');
    const perm = await client.request(Method.CreatePermission, [
      { type: Attr.XorPeerAddress, value: v4.at },
      { type: Attr.XorPeerAddress, value: v6.at },
    ]);
    assert.equal(perm.class, MessageClass.SuccessResponse);
    return { relay4, relay6 };
  }

  it('over UDP: drops what cannot reach the client as Data indications or ChannelData, relays what fits, and goes on', async () => {
    const client = await new UdpClient().connect(t.port);
    const { relay4, relay6 } = await dualAllocation(client);

    // Data indications: 65,507 and 65,527 bytes need more than 16 bits of STUN length.
    let before = dropsOf(t.server);
    assert.deepEqual(await relayThenMarker(client, v4, relay4, MAX_UDP_PAYLOAD_IPV4), []);
    assert.deepEqual(await relayThenMarker(client, v6, relay6, MAX_UDP_PAYLOAD_IPV6), []);
    assert.equal(dropsSince(t.server, before, 'peer-data-too-large-for-data-indication'), 2);
    // The largest that fits a 65,507-byte datagram to this IPv4 client: 20 + 12 + 4 + 65,468.
    const fitting = await relayThenMarker(client, v4, relay4, 65_468);
    assert.deepEqual(fitting.map((d) => d.length), [65_468]);

    // Channels: ChannelData of 65,507 + 4 bytes is past the client's IPv4 UDP limit.
    for (const [n, peer] of [[0x4001, v4], [0x4002, v6]] as const) {
      const bound = await client.request(Method.ChannelBind, [{ type: Attr.ChannelNumber, value: n }, { type: Attr.XorPeerAddress, value: peer.at }]);
      assert.equal(bound.class, MessageClass.SuccessResponse);
    }
    before = dropsOf(t.server);
    assert.deepEqual(await relayThenMarker(client, v4, relay4, MAX_UDP_PAYLOAD_IPV4), []);
    assert.deepEqual(await relayThenMarker(client, v6, relay6, MAX_UDP_PAYLOAD_IPV6), []);
    assert.equal(dropsSince(t.server, before, 'peer-data-too-large-for-channel'), 2);
    const fittingChannel = await relayThenMarker(client, v6, relay6, MAX_UDP_PAYLOAD_IPV4 - 4);
    assert.deepEqual(fittingChannel.map((d) => d.length), [MAX_UDP_PAYLOAD_IPV4 - 4]);
    assert.equal(t.server.core.counters.drops.get('fault-relay-peer'), undefined, 'no fault was caught');

    // And the server still answers and relays the other way.
    client.sendRaw(Buffer.concat([Buffer.from([0x40, 0x01, 0x00, 0x04]), Buffer.from('ping')]));
    await eventually('the peer got ping', () => v4.received.find((m) => m.toString() === 'ping'));
    await client.close();
  });

  it('over TCP: a 65,507-byte datagram fits a Data indication, a 65,527-byte one does not, and a Send past a peer\'s UDP limit is dropped', async () => {
    const client = await new TcpClient().connect(t.port);
    const { relay4, relay6 } = await dualAllocation(client);
    const before = dropsOf(t.server);
    const big4 = await relayThenMarker(client, v4, relay4, MAX_UDP_PAYLOAD_IPV4);
    assert.deepEqual(big4.map((d) => d.length), [MAX_UDP_PAYLOAD_IPV4]);
    assert.deepEqual(await relayThenMarker(client, v6, relay6, MAX_UDP_PAYLOAD_IPV6), []);
    assert.equal(dropsSince(t.server, before, 'peer-data-too-large-for-data-indication'), 1);

    // A Send indication over TCP can carry more than an IPv4 datagram can (RFC 8656 §11.2).
    const { encodeMessage } = await import('../../src/stun/index.ts');
    const send = (bytes: number): Buffer => encodeMessage({
      method: Method.Send,
      class: MessageClass.Indication,
      transactionId: new Uint8Array(12).fill(7),
      attributes: [{ type: Attr.XorPeerAddress, value: v4.at }, { type: Attr.Data, value: Buffer.alloc(bytes, 0x33) }],
    });
    v4.received.length = 0;
    client.sendRaw(send(MAX_UDP_PAYLOAD_IPV4 + 1));
    client.sendRaw(send(MAX_UDP_PAYLOAD_IPV4));
    const got = await eventually('the peer got the largest Send', () => v4.received.find((m) => m.length === MAX_UDP_PAYLOAD_IPV4));
    assert.equal(got.length, MAX_UDP_PAYLOAD_IPV4);
    assert.equal(dropsSince(t.server, before, 'send-too-large-for-peer'), 1);
    await client.close();
  });
});
