/**
 * The native data plane's addon on its own, over real sockets on loopback: a forwarding row
 * published from JavaScript, then ChannelData and Send indications from a client relayed to a
 * peer, and peer datagrams relayed to the client as ChannelData or as Data indications (with
 * FINGERPRINT, decoded by Turnpike's own STUN decoder), with no JavaScript per datagram. And
 * every refusal the row decides: no permission, lapsed permission, unbound channel, oversize,
 * `max-bps`; what it cannot decide comes up to JavaScript in a batch; removing the row returns
 * its traffic. Skipped when the addon was not built (no compiler at install).
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { loadAddon, type NativeAddon, type NativePlaneHandle } from '../../src/dataplane/native/addon.ts';
import { encodeRow } from '../../src/dataplane/native/row-codec.ts';
import { decodeMessage, encodeChannelData, encodeMessage, getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import type { ForwardingEntry } from '../../src/turn/forwarding.ts';

const loaded = loadAddon();
const HOST = '127.0.0.1';

function socket(): Promise<dgram.Socket & { inbox: Buffer[] }> {
  const s = dgram.createSocket('udp4') as dgram.Socket & { inbox: Buffer[] };
  s.inbox = [];
  s.on('message', (m) => s.inbox.push(m));
  return new Promise((resolve) => s.bind(0, HOST, () => resolve(s)));
}

async function until<T>(what: string, poll: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const v = poll();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Sends, then a marker datagram through the same path, and waits for the marker: what came before it is all there is. */
async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 30));
}

describe('native data plane addon', { skip: loaded.ok ? false : loaded.reason }, () => {
  const addon = (loaded as { addon: NativeAddon }).addon;
  let plane: NativePlaneHandle;
  const batches: Buffer[] = [];
  let listenerId: number;
  let serverPort: number;
  let listenerFd: number;
  let relayId: number;
  let relayPort: number;
  let client: Awaited<ReturnType<typeof socket>>;
  let peer: Awaited<ReturnType<typeof socket>>;
  let other: Awaited<ReturnType<typeof socket>>;

  const row = (over: Partial<ForwardingEntry> = {}): ForwardingEntry => ({
    id: 7,
    transport: { id: 1, protocol: 'udp', localIp: HOST, localPort: serverPort, send: () => {} },
    clientIp: HOST,
    clientPort: client.address().port,
    relays: [{ family: 'IPv4', ip: HOST, port: relayPort, handle: { plane: 'native', id: relayId } }],
    expiresAt: Date.now() + 600_000,
    fingerprint: false,
    maxBps: 0,
    permissions: [{ ip: HOST, expiresAt: Date.now() + 300_000 }],
    channels: [],
    ...over,
  });
  const publish = (entry: ForwardingEntry): void => addon.upsert(plane, 0, encodeRow(entry, listenerId, [relayId]));
  const counter = (name: string): number => addon.counters(plane)[addon.counterNames().indexOf(name)];

  before(async () => {
    plane = addon.createPlane(1, 0, 0x4fff, (b) => batches.push(Buffer.from(b)));
    [listenerId, serverPort, listenerFd] = addon.listen(plane, HOST, 0);
    client = await socket();
    peer = await socket();
    other = await socket();
    // A relay port: whatever the kernel gives a throwaway socket.
    const probe = await socket();
    relayPort = probe.address().port;
    probe.close();
    const [id] = addon.openRelay(plane, 0, HOST, relayPort);
    assert.ok(id > 0, 'the relay port binds');
    relayId = id;
  });

  after(() => {
    addon.close(plane);
    for (const s of [client, peer, other]) s.close();
  });

  it('relays ChannelData both ways once the row names the channel and the permission', async () => {
    publish(row({ channels: [{ number: 0x4001, peerIp: HOST, peerPort: peer.address().port, family: 'IPv4', expiresAt: Date.now() + 600_000 }] }));
    client.send(encodeChannelData(0x4001, Buffer.from('to the peer')), serverPort, HOST);
    const got = await until('the peer got it', () => peer.inbox.shift());
    assert.equal(got.toString(), 'to the peer');
    peer.send(Buffer.from('to the client'), relayPort, HOST);
    const back = await until('the client got ChannelData', () => client.inbox.shift());
    assert.equal(back.readUInt16BE(0), 0x4001);
    assert.equal(back.readUInt16BE(2), 13);
    assert.equal(back.subarray(4).toString(), 'to the client');
    assert.ok(counter('channelDataIn') >= 1 && counter('channelDataOut') >= 1);
  });

  it('relays a Send indication to the peer and a peer with no channel as a Data indication with FINGERPRINT', async () => {
    publish(row({ fingerprint: true }));
    const send = encodeMessage({
      method: Method.Send,
      class: MessageClass.Indication,
      transactionId: new Uint8Array(12).fill(3),
      attributes: [{ type: Attr.XorPeerAddress, value: { family: 'IPv4', address: HOST, port: peer.address().port } }, { type: Attr.Data, value: Buffer.from('sent') }],
    }, { fingerprint: true });
    client.send(send, serverPort, HOST);
    assert.equal((await until('the peer got the Send', () => peer.inbox.shift())).toString(), 'sent');
    peer.send(Buffer.from('odd length'), relayPort, HOST);
    const ind = await until('a Data indication', () => client.inbox.shift());
    const d = decodeMessage(ind);
    assert.ok(d.ok, 'it decodes, FINGERPRINT included');
    assert.equal(d.value.method, Method.Data);
    assert.equal(d.value.hasFingerprint, true);
    assert.deepEqual(getAttribute(d.value, Attr.XorPeerAddress), { family: 'IPv4', address: HOST, port: peer.address().port });
    assert.equal(Buffer.from(getAttribute(d.value, Attr.Data)!).toString(), 'odd length');
  });

  it('drops what the row refuses, each for its reason', async () => {
    publish(row());
    const before = { noPerm: counter('drop.peer-data-no-permission'), unbound: counter('drop.channel-not-bound'), big: counter('drop.peer-data-too-large-for-data-indication') };
    other.send(Buffer.from('no permission for this one? same IP: allowed'), relayPort, HOST);
    await until('the same-IP peer is relayed (permissions are by IP)', () => client.inbox.shift());
    client.send(encodeChannelData(0x4002, Buffer.from('unbound')), serverPort, HOST);
    peer.send(Buffer.alloc(65_507), relayPort, HOST);
    await settle();
    assert.equal(counter('drop.channel-not-bound'), before.unbound + 1);
    assert.equal(counter('drop.peer-data-too-large-for-data-indication'), before.big + 1);
    publish(row({ permissions: [{ ip: '203.0.113.9', expiresAt: Date.now() + 300_000 }] }));
    peer.send(Buffer.from('nobody allowed'), relayPort, HOST);
    await settle();
    assert.equal(counter('drop.peer-data-no-permission'), before.noPerm + 1);
    publish(row({ permissions: [{ ip: HOST, expiresAt: Date.now() - 1 }] }));
    peer.send(Buffer.from('lapsed'), relayPort, HOST);
    await settle();
    assert.equal(counter('drop.peer-data-no-permission'), before.noPerm + 2, 'an expired permission allows nothing');
    assert.deepEqual(client.inbox, []);
  });

  it('holds an allocation to max-bps', async () => {
    publish(row({ maxBps: 1000 }));
    const before = counter('drop.max-bps');
    for (let i = 0; i < 5; i++) peer.send(Buffer.alloc(400), relayPort, HOST);
    await settle();
    assert.equal(client.inbox.length, 2, 'one second of budget: two 400-byte datagrams');
    assert.equal(counter('drop.max-bps'), before + 3);
    client.inbox.length = 0;
  });

  it('hands up what the row cannot decide, in a batch with the source address', async () => {
    batches.length = 0;
    const binding = encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: new Uint8Array(12).fill(9), attributes: [] });
    client.send(binding, serverPort, HOST);
    const batch = await until('a batch', () => batches.shift());
    const recLen = batch.readUInt32LE(0);
    assert.equal(batch.readUInt32LE(4), listenerId);
    assert.equal(batch.readUInt16LE(8), client.address().port);
    const dataLen = batch.readUInt16LE(10);
    const ipLen = batch[13];
    assert.equal(batch.subarray(16, 16 + ipLen).toString('latin1'), HOST);
    assert.deepEqual(batch.subarray(16 + ipLen, 16 + ipLen + dataLen), Buffer.from(binding));
    assert.ok(recLen >= 16 + ipLen + dataLen && recLen % 4 === 0);
    assert.ok(addon.send(listenerFd, HOST, client.address().port, Buffer.from('answer')) > 0, 'JavaScript answers from the same socket');
    assert.equal((await until('the answer', () => client.inbox.shift())).toString(), 'answer');
  });

  it('drops ChannelData from a client no row holds, unless the plane hands it up for RFC 8016 mobility', async () => {
    const stray = encodeChannelData(0x4001, Buffer.from('who am I'));
    batches.length = 0;
    const before = counter('drop.channel-data-no-allocation');
    other.send(stray, serverPort, HOST);
    await until('counted natively', () => (counter('drop.channel-data-no-allocation') > before ? true : undefined));
    await settle();
    assert.equal(batches.length, 0, 'nothing went up to JavaScript');
    const mobile = addon.createPlane(1, 0, 0x4fff, (b) => batches.push(Buffer.from(b)), 1);
    try {
      const [, port] = addon.listen(mobile, HOST, 0);
      other.send(stray, port, HOST);
      const batch = await until('handed up', () => batches.shift());
      assert.equal(batch.readUInt16LE(8), other.address().port);
    } finally {
      addon.close(mobile);
    }
  });

  it('returns the row\'s traffic when it is removed, and relays nothing for it after', async () => {
    publish(row());
    peer.send(Buffer.from('counted'), relayPort, HOST);
    await until('relayed', () => client.inbox.shift());
    const t = addon.remove(plane, 0, 7);
    assert.ok(t !== null && t[0] >= 1 && t[1] >= 7, `traffic ${JSON.stringify(t)}`);
    const before = counter('drop.peer-data-inactive-allocation');
    peer.send(Buffer.from('gone'), relayPort, HOST);
    await settle();
    assert.equal(counter('drop.peer-data-inactive-allocation'), before + 1);
    assert.equal(addon.traffic(plane, 0, 7), null);
    addon.closeRelay(plane, 0, relayId);
  });

  it('refuses a row that does not parse, and a port that is taken', () => {
    assert.throws(() => addon.upsert(plane, 0, new Uint8Array(10)), /does not parse/);
    const [id] = addon.openRelay(plane, 0, HOST, client.address().port);
    assert.ok(id < 0, 'a port another socket holds gives -errno');
  });
});
