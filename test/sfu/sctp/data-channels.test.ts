import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DataChannel, DataChannels, Ppid, decodeDcep, decodePacket } from '../../../src/sfu/sctp/index.ts';
import { Link } from './link.ts';

function pair(seed = 1, loss = 0): { l: Link; client: DataChannels; server: DataChannels; remote: DataChannel[] } {
  const l = new Link({ seed, loss, jitterMs: loss > 0 ? 10 : 0 });
  const client = new DataChannels(l.a, { dtlsRole: 'client' });
  const server = new DataChannels(l.b, { dtlsRole: 'server' });
  const remote: DataChannel[] = [];
  server.onChannel = (ch) => remote.push(ch);
  client.onChannel = (ch) => remote.push(ch);
  l.a.connect(0);
  l.b.connect(0);
  return { l, client, server, remote };
}

test('DCEP: a channel opened before the association is up opens on both sides with its parameters', () => {
  const { l, client, remote } = pair();
  const ch = client.open('chat', { protocol: 'p1', ordered: false, maxRetransmits: 2 });
  let opened = 0;
  ch.onOpen = () => opened++;
  assert.equal(ch.state, 'connecting');
  assert.ok(l.run(() => remote.length === 1 && ch.acked));
  assert.equal(opened, 1);
  const r = remote[0];
  assert.deepEqual([r.id, r.label, r.protocol, r.ordered, r.maxRetransmits, r.state], [0, 'chat', 'p1', false, 2, 'open']);
  // the DATA_CHANNEL_OPEN went on PPID 50
  const dcep = l.sent.a.flatMap((b) => {
    const p = decodePacket(b);
    return p.ok ? p.value.chunks : [];
  }).find((c) => c.type === 'data' && c.ppid === Ppid.dcep);
  assert.ok(dcep && dcep.type === 'data');
  assert.equal(decodeDcep(dcep.userData).ok, true);
});

test('the DTLS client opens even stream ids, the server odd ones (RFC 8832 §6)', () => {
  const { l, client, server, remote } = pair();
  assert.ok(l.run(() => l.a.state === 'established' && l.b.state === 'established'));
  const c1 = client.open('a');
  const c2 = client.open('b');
  const s1 = server.open('c', { maxPacketLifeTime: 500 });
  assert.deepEqual([c1.id, c2.id, s1.id], [0, 2, 1]);
  assert.equal(c1.state, 'open');
  let late = 0;
  c1.onOpen = () => late++;
  assert.equal(late, 1, 'onOpen set on an open channel runs at once');
  assert.ok(l.run(() => remote.length === 3));
  assert.equal(remote.find((r) => r.id === 1)?.maxPacketLifeTime, 500);
});

test('text, binary and empty messages keep their kind (PPID 51, 53, 56, 57)', () => {
  const { l, client, remote } = pair(2, 0.1);
  const ch = client.open('x');
  const got: (string | Uint8Array)[] = [];
  assert.ok(l.run(() => remote.length === 1));
  remote[0].onMessage = (m) => got.push(m);
  const big = new Uint8Array(200_000).map((_, i) => i & 0xff);
  const sent: (string | Uint8Array)[] = ['hello', '', Uint8Array.of(1, 2), new Uint8Array(0), 'ünïcødé ✓', big];
  for (const m of sent) assert.deepEqual(ch.send(m), { ok: true });
  assert.ok(l.run(() => got.length === sent.length));
  assert.deepEqual(got, sent);
  // and back the other way
  const back: (string | Uint8Array)[] = [];
  ch.onMessage = (m) => back.push(m);
  remote[0].send('pong');
  assert.ok(l.run(() => back.length === 1));
  assert.equal(back[0], 'pong');
});

test('negotiated channels need no DCEP and talk on the agreed id', () => {
  const { l, client, server, remote } = pair();
  const a = client.open('n', { negotiated: true, id: 7 });
  const b = server.open('n', { negotiated: true, id: 7 });
  assert.throws(() => server.open('dup', { negotiated: true, id: 7 }), RangeError);
  const got: (string | Uint8Array)[] = [];
  b.onMessage = (m) => got.push(m);
  assert.ok(l.run(() => a.state === 'open' && b.state === 'open'));
  a.send('hi');
  assert.ok(l.run(() => got.length === 1));
  assert.equal(got[0], 'hi');
  assert.equal(remote.length, 0);
});

test('closing a channel resets its stream both ways and both sides report it closed (RFC 8831 §6.7)', () => {
  const { l, client, remote } = pair(3, 0.15);
  const ch = client.open('bye');
  assert.ok(l.run(() => remote.length === 1));
  const got: (string | Uint8Array)[] = [];
  remote[0].onMessage = (m) => got.push(m);
  let closed = 0;
  ch.onClose = () => closed++;
  remote[0].onClose = () => closed++;
  ch.send('last');
  ch.close();
  assert.equal(ch.state, 'closing');
  assert.deepEqual(ch.send('too late'), { ok: false, reason: 'not-established' });
  assert.ok(l.run(() => closed === 2));
  assert.deepEqual([ch.state, remote[0].state], ['closed', 'closed']);
  assert.deepEqual(got, ['last']);
  // the id is free again and a new channel on it works from SSN 0
  const again = client.open('again');
  assert.equal(again.id, 0);
  assert.ok(l.run(() => remote.length === 2));
  const got2: (string | Uint8Array)[] = [];
  remote[1].onMessage = (m) => got2.push(m);
  again.send('fresh');
  assert.ok(l.run(() => got2.length === 1));
});

test('the remote side may close too, and an ABORT closes every channel', () => {
  const { l, client, remote } = pair();
  const a = client.open('a');
  const b = client.open('b');
  assert.ok(l.run(() => remote.length === 2));
  let closed = 0;
  a.onClose = () => closed++;
  b.onClose = () => closed++;
  remote[0].close();
  assert.ok(l.run(() => closed === 1));
  assert.equal(a.state, 'closed');
  l.b.abort();
  assert.ok(l.run(() => closed === 2));
  assert.equal(b.state, 'closed');
});

test('both sides closing the same channel at once still closes it on both', () => {
  const { l, client, remote } = pair(5, 0.1);
  const ch = client.open('both');
  assert.ok(l.run(() => remote.length === 1));
  let closed = 0;
  ch.onClose = () => closed++;
  remote[0].onClose = () => closed++;
  ch.close();
  remote[0].close();
  assert.ok(l.run(() => closed === 2));
});

test('deprecated partial PPIDs 52 and 54 are gathered into one message', () => {
  const { l, client, remote } = pair();
  const ch = client.open('old');
  assert.ok(l.run(() => remote.length === 1));
  const got: (string | Uint8Array)[] = [];
  remote[0].onMessage = (m) => got.push(m);
  const te = new TextEncoder();
  l.a.send(ch.id, Ppid.stringPartial, te.encode('ab'));
  l.a.send(ch.id, Ppid.stringPartial, te.encode('cd'));
  l.a.send(ch.id, Ppid.string, te.encode('e'));
  l.a.send(ch.id, Ppid.binaryPartial, Uint8Array.of(1));
  l.a.send(ch.id, Ppid.binary, Uint8Array.of(2));
  assert.ok(l.run(() => got.length === 2));
  assert.deepEqual(got, ['abcde', Uint8Array.of(1, 2)]);
});

test('messages before the association is up are refused; a message too large is refused', () => {
  const { l, client, remote } = pair();
  const ch = client.open('early');
  assert.deepEqual(ch.send('x'), { ok: false, reason: 'not-established' });
  assert.ok(l.run(() => remote.length === 1));
  assert.deepEqual(ch.send(new Uint8Array(262145)), { ok: false, reason: 'too-large' });
});
