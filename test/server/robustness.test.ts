/**
 * The real server on 127.0.0.1 under garbage (RFC 8489 §6.3: malformed messages are
 * discarded; STYLE: the server never dies from input): thousands of random datagrams,
 * truncated STUN, lying length fields, bad cookies, huge attribute lengths, lying and unbound
 * ChannelData, and garbage over TCP including a connection that stalls mid-frame. Afterwards it
 * still answers Binding and a full authenticated Allocate → CreatePermission → ChannelBind and
 * relays to a UDP echo peer; the garbage relayed nothing, and every drop was counted.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { encodeMessage, getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { seededRandom } from '../helpers/turn-harness.ts';
import type { DropReason } from '../../src/turn/drop-reason.ts';
import { dropsOf, dropsSince, EchoPeer, HOST, peerAt, startServer, TcpClient, UdpClient, type TestServer } from './wire.ts';

/** A Binding request: the sync point after a batch (answered only once everything before it was handled). */
async function sync(client: UdpClient): Promise<void> {
  const answer = await client.request(Method.Binding, [], false);
  assert.equal(answer.class, MessageClass.SuccessResponse);
}

/** Sends datagrams in batches small enough for the socket buffers, syncing after each. */
async function flood(client: UdpClient, datagrams: Uint8Array[]): Promise<void> {
  for (let i = 0; i < datagrams.length; i += 100) {
    for (const d of datagrams.slice(i, i + 100)) client.sendRaw(d);
    await sync(client);
  }
}

function header(type: number, length: number, cookie = 0x2112a442): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(type, 0);
  b.writeUInt16BE(length, 2);
  b.writeUInt32BE(cookie, 4);
  b.fill(0xab, 8);
  return b;
}

const binding = (): Buffer => encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: new Uint8Array(12).fill(1), attributes: [] });

describe('garbage over UDP and TCP', () => {
  let t: TestServer;
  let peer: EchoPeer;
  let garbage: UdpClient;

  before(async () => {
    t = await startServer(['--allow-loopback-peers']);
    peer = await new EchoPeer().start();
    garbage = await new UdpClient().connect(t.port);
  });

  after(async () => {
    await garbage.close();
    await peer.close();
    await t.server.close();
  });

  it('drops and counts 3000 random datagrams', async () => {
    const random = seededRandom(2024);
    const datagrams: Uint8Array[] = [];
    for (let i = 0; i < 3000; i++) datagrams.push(random(random(1)[0] + 1));
    const dropped = t.server.core.counters.dropped;
    await flood(garbage, datagrams);
    assert.equal(t.server.core.counters.dropped - dropped, 3000);
    assert.deepEqual(garbage.other, [], 'garbage is never answered');
  });

  it('drops and counts malformed STUN, each for its reason', async () => {
    const before = dropsOf(t.server);
    const cases: [DropReason, Buffer][] = [
      ['stun-too-short', binding().subarray(0, 12)],
      ['stun-length-mismatch', Buffer.concat([header(0x0001, 400), Buffer.alloc(40)])],
      ['stun-length-not-multiple-of-4', Buffer.concat([header(0x0001, 5), Buffer.alloc(5)])],
      ['stun-attribute-overrun', Buffer.concat([header(0x0001, 8), Buffer.from([0x00, 0x06, 0xff, 0xf0, 0x61, 0x62, 0x63, 0x64])])],
      ['legacy-stun-not-binding', Buffer.concat([header(0x0003, 0, 0xdeadbeef)])],
      ['not-turn-rtp-rtcp', Buffer.from([0x80, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1])],
      ['not-turn-unknown', Buffer.alloc(0)],
      ['channel-data-no-allocation', Buffer.from([0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4])],
    ];
    const tampered = Buffer.from(encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: new Uint8Array(12), attributes: [] }, { fingerprint: true }));
    tampered[tampered.length - 1] ^= 1;
    cases.push(['stun-fingerprint-mismatch', tampered]);
    const datagrams: Buffer[] = [];
    for (const [, d] of cases) for (let i = 0; i < 50; i++) datagrams.push(d);
    await flood(garbage, datagrams);
    for (const [reason] of cases) assert.equal(dropsSince(t.server, before, reason), 50, reason);
    assert.deepEqual(garbage.other, []);
  });

  it('closes TCP connections that send garbage, and survives one that stalls mid-frame', async () => {
    const before = dropsOf(t.server);
    const closed = (bytes: Buffer) =>
      new Promise<void>((resolve) => {
        const s = net.connect(t.port, HOST, () => s.write(bytes));
        s.on('error', () => {});
        s.on('close', () => resolve());
      });
    await closed(Buffer.from('POST / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await closed(Buffer.from([0xff, 0xfe, 0xfd, 0xfc]));
    await closed(header(0x0001, 0, 0x01020304));
    await closed(Buffer.concat([header(0x0001, 3), Buffer.alloc(3)]));
    assert.equal(dropsSince(t.server, before, 'stream-garbage'), 4);
    // Half a STUN frame, half a ChannelData frame, and an HTTP request (its 'GE' reads as
    // channel 0x4745 with a length of 0x5420), then silence.
    const halves = [header(0x0001, 0xfffc), Buffer.from([0x40, 0x00, 0x10, 0x00, 1, 2, 3]), Buffer.from('GET / HTTP/1.1\r\n\r\n')];
    const stalled = halves.map((bytes) => {
      const s = net.connect(t.port, HOST, () => s.write(bytes));
      s.on('error', () => {});
      return s;
    });
    const fresh = await new TcpClient().connect(t.port);
    const answer = await fresh.request(Method.Binding, [], false);
    assert.equal(answer.class, MessageClass.SuccessResponse);
    await fresh.close();
    for (const s of stalled) s.destroy();
  });

  it('then still serves: Binding, Allocate, CreatePermission, ChannelBind and relaying to an echo peer', async () => {
    const before = dropsOf(t.server);
    const client = await new UdpClient().connect(t.port);
    const mapped = getAttribute(await client.request(Method.Binding, [], false), Attr.XorMappedAddress);
    assert.equal(mapped?.port, client.socket.address().port);
    const allocated = await client.allocate();
    assert.equal(allocated.class, MessageClass.SuccessResponse);
    const relayed = getAttribute(allocated, Attr.XorRelayedAddress)!;
    assert.ok(relayed.port >= t.relayRange.min && relayed.port <= t.relayRange.max);

    // Garbage from an allocated client: an unbound channel, a length that lies, a Send without permission.
    client.sendRaw(Buffer.from([0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4]));
    client.sendRaw(Buffer.from([0x40, 0x00, 0x01, 0x00, 1, 2, 3, 4]));
    client.sendRaw(
      encodeMessage({
        method: Method.Send,
        class: MessageClass.Indication,
        transactionId: new Uint8Array(12),
        attributes: [
          { type: Attr.XorPeerAddress, value: peerAt(peer.port) },
          { type: Attr.Data, value: Buffer.from('no permission yet') },
        ],
      }),
    );
    await sync(client);
    assert.equal(dropsSince(t.server, before, 'channel-not-bound'), 1);
    assert.equal(dropsSince(t.server, before, 'channel-data-malformed'), 1);
    assert.equal(dropsSince(t.server, before, 'send-no-permission'), 1);
    assert.equal(peer.received.length, 0, 'nothing reached the peer');

    assert.equal((await client.request(Method.CreatePermission, [{ type: Attr.XorPeerAddress, value: peerAt(peer.port) }])).class, MessageClass.SuccessResponse);
    const bound = await client.request(Method.ChannelBind, [
      { type: Attr.ChannelNumber, value: 0x4001 },
      { type: Attr.XorPeerAddress, value: peerAt(peer.port) },
    ]);
    assert.equal(bound.class, MessageClass.SuccessResponse);
    client.sendRaw(Buffer.from([0x40, 0x01, 0x00, 0x04, 0x70, 0x69, 0x6e, 0x67]));
    const echoed = await client.nextRelayed();
    assert.deepEqual([...echoed], [0x40, 0x01, 0x00, 0x04, 0x70, 0x69, 0x6e, 0x67]);
    assert.deepEqual(peer.received.map((b) => b.toString()), ['ping']);
    client.sendRaw(
      encodeMessage({
        method: Method.Send,
        class: MessageClass.Indication,
        transactionId: new Uint8Array(12).fill(2),
        attributes: [
          { type: Attr.XorPeerAddress, value: peerAt(peer.port) },
          { type: Attr.Data, value: Buffer.from('hello') },
        ],
      }),
    );
    // The echo comes from the bound peer address, so it returns on the channel.
    assert.deepEqual([...(await client.nextRelayed())], [0x40, 0x01, 0x00, 0x05, ...Buffer.from('hello')]);
    assert.equal(peer.received.length, 2);
    await client.close();
  });
});

describe('peer policy over the wire', () => {
  it('403 for a loopback peer when allow-loopback-peers is off', async () => {
    const t = await startServer();
    const client = await new UdpClient().connect(t.port);
    try {
      assert.equal((await client.allocate()).class, MessageClass.SuccessResponse);
      const permission = await client.request(Method.CreatePermission, [{ type: Attr.XorPeerAddress, value: peerAt(9, '127.0.0.1') }]);
      assert.equal(getAttribute(permission, Attr.ErrorCode)?.code, 403);
      const bind = await client.request(Method.ChannelBind, [
        { type: Attr.ChannelNumber, value: 0x4000 },
        { type: Attr.XorPeerAddress, value: peerAt(9, '127.0.0.2') },
      ]);
      assert.equal(getAttribute(bind, Attr.ErrorCode)?.code, 403);
      assert.equal(t.server.core.counters.drops.get('peer-denied-loopback'), 2);
    } finally {
      await client.close();
      await t.server.close();
    }
  });
});
