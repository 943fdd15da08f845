/**
 * TURN over a TCP client transport on the real server (RFC 8656 §3.1, §12.5): Allocate on a
 * connection, ChannelData padded to four bytes both ways, frames cut correctly however the
 * stream splits or joins them, Data indications, and the allocation ending with its connection.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { decodeChannelData, encodeChannelData, encodeMessage, getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { decodeOk } from '../stun/helpers.ts';
import { EchoPeer, eventually, HOST, peerAt, startServer, TcpClient, type TestServer } from './wire.ts';

describe('TCP client transport', () => {
  let t: TestServer;
  let peer: EchoPeer;
  let other: EchoPeer;

  before(async () => {
    t = await startServer(['--allow-loopback-peers']);
    peer = await new EchoPeer().start();
    other = await new EchoPeer().start();
  });

  after(async () => {
    await peer.close();
    await other.close();
    await t.server.close();
  });

  it('allocates, binds a channel and relays padded ChannelData both ways', async () => {
    const client = await new TcpClient().connect(t.port);
    const challenge = await client.request(Method.Allocate, [{ type: Attr.RequestedTransport, value: 17 }], false);
    assert.equal(getAttribute(challenge, Attr.ErrorCode)?.code, 401);
    const allocated = await client.allocate();
    assert.equal(allocated.class, MessageClass.SuccessResponse);
    assert.equal(getAttribute(allocated, Attr.XorMappedAddress)?.port, client.socket!.localPort);
    const bound = await client.request(Method.ChannelBind, [
      { type: Attr.ChannelNumber, value: 0x4002 },
      { type: Attr.XorPeerAddress, value: peerAt(peer.port) },
    ]);
    assert.equal(bound.class, MessageClass.SuccessResponse);

    const out = encodeChannelData(0x4002, Buffer.from('abcde'), true);
    assert.equal(out.length, 12);
    client.sendRaw(out);
    const back = await client.nextRelayed();
    assert.deepEqual(peer.received.map((b) => b.toString()), ['abcde'], 'the peer gets the payload, no padding');
    assert.equal(back.length, 12, 'padded to four bytes toward the TCP client');
    assert.deepEqual([...back.subarray(9)], [0, 0, 0]);
    const decoded = decodeChannelData(back);
    assert.ok(decoded.ok);
    assert.equal(decoded.value.channelNumber, 0x4002);
    assert.equal(Buffer.from(decoded.value.data).toString(), 'abcde');
    await client.close();
  });

  it('cuts frames that arrive joined in one write or split byte by byte', async () => {
    peer.received.length = 0;
    const client = await new TcpClient().connect(t.port);
    await client.allocate();
    await client.request(Method.ChannelBind, [
      { type: Attr.ChannelNumber, value: 0x4003 },
      { type: Attr.XorPeerAddress, value: peerAt(peer.port) },
    ]);
    const joined = Buffer.concat([encodeChannelData(0x4003, Buffer.from('one'), true), encodeChannelData(0x4003, Buffer.from('two!'), true)]);
    client.sendRaw(joined);
    const split = encodeChannelData(0x4003, Buffer.from('three'), true);
    for (const byte of split) client.sendRaw(Buffer.from([byte]));
    await eventually('three datagrams at the peer', () => (peer.received.length === 3 ? true : undefined));
    assert.deepEqual(peer.received.map((b) => b.toString()), ['one', 'two!', 'three']);
    await client.close();
  });

  it('sends Send indications and delivers Data indications from a peer without a channel', async () => {
    const client = await new TcpClient().connect(t.port);
    await client.allocate();
    await client.request(Method.CreatePermission, [{ type: Attr.XorPeerAddress, value: peerAt(other.port) }]);
    client.sendRaw(
      encodeMessage({
        method: Method.Send,
        class: MessageClass.Indication,
        transactionId: new Uint8Array(12).fill(3),
        attributes: [
          { type: Attr.XorPeerAddress, value: peerAt(other.port) },
          { type: Attr.Data, value: Buffer.from('via Send') },
        ],
      }),
    );
    const data = decodeOk(await client.nextRelayed());
    assert.equal(data.method, Method.Data);
    assert.equal(data.class, MessageClass.Indication);
    assert.deepEqual(getAttribute(data, Attr.XorPeerAddress), peerAt(other.port));
    assert.equal(Buffer.from(getAttribute(data, Attr.Data)!).toString(), 'via Send');
    await client.close();
  });

  it('ends the allocation, and frees its relay port, when the connection closes', async () => {
    const client = await new TcpClient().connect(t.port);
    const relayed = getAttribute(await client.allocate(), Attr.XorRelayedAddress)!;
    assert.ok(t.server.core.allocationCount >= 1);
    await client.close();
    // Every client of this suite has closed its connection by now, so no allocation is left.
    await eventually('the allocations to end', () => (t.server.core.allocationCount === 0 ? true : undefined));
    assert.ok(t.server.core.counters.allocationsDeleted >= 4);
    // The port is free again: something else can bind it.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(relayed.port, HOST, () => resolve());
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
});
