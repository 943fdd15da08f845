/**
 * The native media worker (native/src/sfu/media-worker*.c) over real sockets on loopback: it
 * starts and stops (twice), hands STUN and DTLS datagrams up with their source (RFC 7983 §7),
 * sends JavaScript's datagrams, drops and counts RTP from addresses no connection has, and
 * forwards plain RTP (the test-only profile 0) from a publisher socket through the router to two
 * subscriber sockets, and SRTP (RFC 3711, AES_CM_128_HMAC_SHA1_80) protected and unprotected
 * against a TypeScript reference built on node:crypto. Skipped when the addon has no media worker.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import fc from 'fast-check';
import { after, describe, it } from 'node:test';
import { MediaWorker } from '../../../src/sfu/native/media-worker.ts';
import { decodeRouterEvents } from '../../../src/sfu/native/router-events.ts';
import { RouterCodec } from '../../../src/sfu/native/router-spec.ts';
import { buildRr } from '../../../src/sfu/rtp/rtcp.ts';
import { parseRtp, writeRtpIds } from '../../../src/sfu/rtp/rtp-packet.ts';
import type { IceAddress } from '../../../src/sfu/native/ice-check.ts';

const HOST = '127.0.0.1';
const skip = MediaWorker.available() ?? false;

type Sock = dgram.Socket & { inbox: Buffer[]; port: number };

function socket(): Promise<Sock> {
  const s = dgram.createSocket('udp4') as Sock;
  s.inbox = [];
  s.on('message', (m) => s.inbox.push(m));
  return new Promise((resolve) =>
    s.bind(0, HOST, () => {
      s.port = s.address().port;
      resolve(s);
    }),
  );
}

async function until<T>(what: string, poll: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const v = poll();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** RFC 5761 §4: RTCP packet types 192-223 (the router's sender reports reach subscribers too). */
const isRtp = (b: Buffer): boolean => !(b[1] >= 192 && b[1] <= 223);
const rtpOf = (s: Sock): Buffer[] => s.inbox.filter(isRtp);

function rtp(o: { pt: number; seq: number; ts: number; ssrc: number; payload: number[] }): Buffer {
  const b = Buffer.alloc(12 + o.payload.length);
  b[0] = 0x80;
  b[1] = o.pt;
  writeRtpIds(b, o.seq, o.ts, o.ssrc);
  b.set(o.payload, 12);
  return b;
}

/** A STUN Binding request header (RFC 8489 §5) and a DTLS 1.2 handshake record header (RFC 6347 §4.1). */
const STUN = Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, ...Array.from({ length: 12 }, (_, i) => i)]);
const DTLS = Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xab]);

/** RFC 3711 §4.3.1 (key derivation rate 0): a session key of `len` bytes for `label`. */
function derive(masterKey: Buffer, masterSalt: Buffer, label: number, len: number): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0);
  iv[7] ^= label;
  return createCipheriv('aes-128-ctr', masterKey, iv).update(Buffer.alloc(len));
}

/** SRTP session keys for RTP (labels 0, 1, 2) of one master key and salt. */
function sessionKeys(masterKey: Buffer, masterSalt: Buffer) {
  return { enc: derive(masterKey, masterSalt, 0, 16), auth: derive(masterKey, masterSalt, 1, 20), salt: derive(masterKey, masterSalt, 2, 14) };
}

/** RFC 3711 §4.1.1: AES counter mode over the payload (rollover counter 0: short test streams). */
function ctr(k: ReturnType<typeof sessionKeys>, packet: Buffer, headerLen: number): Buffer {
  const iv = Buffer.alloc(16);
  k.salt.copy(iv, 0);
  const ssrc = packet.readUInt32BE(8);
  const seq = packet.readUInt16BE(2);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  iv.writeUInt16BE(iv.readUInt16BE(12) ^ seq, 12);
  const out = Buffer.from(packet);
  createCipheriv('aes-128-ctr', k.enc, iv).update(packet.subarray(headerLen)).copy(out, headerLen);
  return out;
}

/** RFC 3711 §4.2: the 80-bit HMAC-SHA1 tag over the packet and the rollover counter. */
const tag = (k: ReturnType<typeof sessionKeys>, packet: Buffer): Buffer => createHmac('sha1', k.auth).update(packet).update(Buffer.alloc(4)).digest().subarray(0, 10);

function protectRtp(k: ReturnType<typeof sessionKeys>, packet: Buffer): Buffer {
  const enc = ctr(k, packet, 12);
  return Buffer.concat([enc, tag(k, enc)]);
}

function unprotectRtp(k: ReturnType<typeof sessionKeys>, packet: Buffer): Buffer | undefined {
  const body = packet.subarray(0, packet.length - 10);
  if (!tag(k, body).equals(packet.subarray(packet.length - 10))) return undefined;
  return ctr(k, body, 12 + 4 * (body[0] & 0x0f) + (body[0] & 0x10 ? 4 + 4 * body.readUInt16BE(14 + 4 * (body[0] & 0x0f)) : 0));
}

describe('native media worker', { skip }, () => {
  const workers: MediaWorker[] = [];
  const sockets: Sock[] = [];
  after(() => {
    for (const w of workers) w.stop();
    for (const s of sockets) s.close();
  });

  async function setup() {
    const control: { data: Buffer; from: IceAddress }[] = [];
    const events: Buffer[] = [];
    const started = MediaWorker.start({ address: HOST, port: 0, onControlPacket: (data, from) => control.push({ data, from }), onEvents: (b) => events.push(b) });
    assert.ok(started.ok, started.ok ? '' : started.error);
    workers.push(started.value);
    return { w: started.value, control, events };
  }

  async function sock(): Promise<Sock> {
    const s = await socket();
    sockets.push(s);
    return s;
  }

  it('starts on a port of its own and stops; stopping again does nothing', async () => {
    const { w } = await setup();
    assert.ok(w.port > 0);
    w.stop();
    w.stop();
    assert.deepEqual(w.send(HOST, 9, Buffer.from([1])), { ok: false, error: 'stopped' });
    const again = await setup();
    assert.ok(again.w.port > 0);
    again.w.stop();
  });

  it('refuses an address it cannot bind, with the reason', () => {
    const r = MediaWorker.start({ address: 'not-an-ip', port: 0 });
    assert.equal(r.ok, false);
  });

  it('hands STUN and DTLS datagrams up with their source address', async () => {
    const { w, control } = await setup();
    const client = await sock();
    client.send(STUN, w.port, HOST);
    client.send(DTLS, w.port, HOST);
    await until('two control datagrams', () => control.length >= 2);
    const byFirst = new Map(control.map((c) => [c.data[0], c]));
    assert.deepEqual(byFirst.get(0x00)?.data, STUN);
    assert.deepEqual(byFirst.get(22)?.data, DTLS);
    for (const c of control) assert.deepEqual(c.from, { family: 'IPv4', address: HOST, port: client.port });
    assert.ok(w.counters().wakes >= 1);
    assert.equal(w.counters().controlIn, 2);
  });

  it('sends a datagram from JavaScript as it is', async () => {
    const { w } = await setup();
    const peer = await sock();
    assert.deepEqual(w.send(HOST, peer.port, Buffer.from('answer')), { ok: true, value: undefined });
    const got = await until('the datagram', () => peer.inbox[0]);
    assert.equal(got.toString(), 'answer');
  });

  it('drops and counts RTP from an address no connection has, and RTP of a connection with no keys', async () => {
    const { w } = await setup();
    const stranger = await sock();
    stranger.send(rtp({ pt: 111, seq: 1, ts: 1, ssrc: 1, payload: [1] }), w.port, HOST);
    await until('the drop', () => w.counters()['drop.no-connection'] === 1);
    const waiting = await sock();
    assert.ok(w.connAdd(1, { rtcpSsrc: 1, address: HOST, port: waiting.port }).ok);
    waiting.send(rtp({ pt: 111, seq: 1, ts: 1, ssrc: 1, payload: [1] }), w.port, HOST);
    await until('the drop', () => w.counters()['drop.no-keys'] === 1);
    // Bytes that are neither STUN, DTLS nor RTP (RFC 7983 §7: 64-79 is TURN's) are dropped too.
    stranger.send(Buffer.from([0x40, 0, 0, 4, 1, 2, 3, 4]), w.port, HOST);
    await until('the drop', () => w.counters()['drop.malformed'] === 1);
  });

  it('control calls answer with outcomes: duplicates, unknown ids, keys of the wrong size, the other family', async () => {
    const { w } = await setup();
    assert.ok(w.connAdd(1, { rtcpSsrc: 1 }).ok);
    assert.deepEqual(w.connAdd(1, { rtcpSsrc: 1 }), { ok: false, error: 'exists' });
    assert.deepEqual(w.connSetAddress(2, HOST, 5000), { ok: false, error: 'not-found' });
    assert.deepEqual(w.connSetAddress(1, '::1', 5000), { ok: false, error: 'address-family' });
    assert.ok(w.connSetAddress(1, HOST, 5000).ok);
    assert.ok(w.connAdd(2, { rtcpSsrc: 2 }).ok);
    assert.deepEqual(w.connSetAddress(2, HOST, 5000), { ok: false, error: 'exists' }, 'one address, one connection');
    const k = Buffer.alloc(16);
    assert.deepEqual(w.connKeys(1, { profile: 1, localKey: k, localSalt: Buffer.alloc(13), remoteKey: k, remoteSalt: Buffer.alloc(14) }), { ok: false, error: 'bad-key' });
    assert.deepEqual(w.connKeys(1, { profile: 99, localKey: k, localSalt: k, remoteKey: k, remoteSalt: k }), { ok: false, error: 'bad-key' });
    assert.deepEqual(w.sendRtcp(2, buildRr(1, [])), { ok: false, error: 'no-keys' });
    assert.deepEqual(w.connSpec(9, { extMid: 1 }), { ok: false, error: 'not-found' });
    assert.ok(w.connSpec(1, { extMid: 1 }).ok);
    assert.ok(w.connRemove(1).ok);
    assert.deepEqual(w.connRemove(1), { ok: false, error: 'not-found' });
    assert.throws(() => w.connAdd(3, { rtcpSsrc: 1, address: 'nope', port: 1 }), TypeError);
  });

  it('forwards plain RTP (test profile 0) from a publisher to two subscribers, rewritten for each', async () => {
    const { w, events } = await setup();
    const [pub, subA, subB] = [await sock(), await sock(), await sock()];
    for (const [id, s] of [[1, pub], [2, subA], [3, subB]] as const) assert.ok(w.connAdd(id, { rtcpSsrc: 0x50 + id, address: HOST, port: s.port, profile: 0 }).ok);
    assert.ok(w.upAdd(10, { conn: 1, video: false, mid: '0', ssrcs: [0xaaaa], codecOfPt: { 111: RouterCodec.opus }, clockRate: 48000, history: 32 }).ok);
    const down = (conn: number, ssrc: number, firstSeq: number) => ({ conn, up: 10, ssrc, ptOfPt: { 111: 101 }, firstSeq, firstTs: 777, history: 32, cname: `c${conn}` });
    assert.ok(w.downAdd(100, down(2, 0xa1, 1000)).ok);
    assert.ok(w.downAdd(101, down(3, 0xb1, 65535)).ok);
    assert.deepEqual(w.downAdd(102, { ...down(3, 0xc1, 0), up: 99 }), { ok: false, error: 'not-found' });
    for (let i = 0; i < 3; i++) pub.send(rtp({ pt: 111, seq: 300 + i, ts: 960 * i, ssrc: 0xaaaa, payload: [7, 7, i] }), w.port, HOST);
    await until('three packets at each subscriber', () => rtpOf(subA).length >= 3 && rtpOf(subB).length >= 3);
    for (const [s, ssrc, first] of [[subA, 0xa1, 1000], [subB, 0xb1, 65535]] as const) {
      const got = rtpOf(s);
      const parsed = got.map((b) => parseRtp(b));
      for (const [i, p] of parsed.entries()) {
        assert.ok(p.ok);
        assert.equal(p.rtp.ssrc, ssrc);
        assert.equal(p.rtp.payloadType, 101);
        assert.equal(p.rtp.sequenceNumber, (first + i) & 0xffff, 'numbering from firstSeq');
        assert.deepEqual([...got[i].subarray(p.rtp.payloadOffset)], [7, 7, i]);
      }
    }
    const c = w.counters();
    assert.equal(c.rtpIn, 3);
    assert.equal(c['router.rtpOut'], 6);
    assert.ok(c.datagramsOut >= 6);
    // The router's events reach JavaScript (at the latest with the next 20 ms tick).
    await until('router events', () => events.length > 0);
    const decoded = events.flatMap((b) => decodeRouterEvents(b).events);
    assert.ok(decoded.some((e) => e.type === 'first' && e.up === 10));
    // RTCP decided in TypeScript goes out on the connection.
    const rr = buildRr(0x52, []);
    assert.ok(w.sendRtcp(2, rr).ok);
    await until('the RTCP', () => subA.inbox.some((b) => b.equals(rr)));
    // The subscriber moves (ICE picked another pair): media follows it.
    const moved = await sock();
    assert.ok(w.connSetAddress(3, HOST, moved.port).ok);
    pub.send(rtp({ pt: 111, seq: 303, ts: 960 * 3, ssrc: 0xaaaa, payload: [7, 7, 3] }), w.port, HOST);
    await until('the packet at the new address', () => rtpOf(moved).length >= 1);
    assert.ok(w.downRemove(101).ok);
    assert.ok(w.upRemove(10).ok);
  });

  it('unprotects SRTP from a publisher and protects what it forwards, under each connection\'s keys (RFC 3711)', async () => {
    const { w } = await setup();
    const [pub, sub] = [await sock(), await sock()];
    const pubKey = { key: randomBytes(16), salt: randomBytes(14) };
    const subKey = { key: randomBytes(16), salt: randomBytes(14) };
    const other = { key: randomBytes(16), salt: randomBytes(14) };
    // The worker's remote keys are what the publisher protects with; its local ones what the subscriber unprotects with.
    assert.ok(w.connAdd(1, { rtcpSsrc: 0x51, address: HOST, port: pub.port }).ok);
    assert.ok(w.connKeys(1, { profile: 1, localKey: other.key, localSalt: other.salt, remoteKey: pubKey.key, remoteSalt: pubKey.salt }).ok);
    assert.ok(w.connAdd(2, { rtcpSsrc: 0x52, address: HOST, port: sub.port, profile: 1, localKey: subKey.key, localSalt: subKey.salt, remoteKey: other.key, remoteSalt: other.salt }).ok);
    assert.ok(w.upAdd(10, { conn: 1, video: false, mid: '0', ssrcs: [0xaaaa], codecOfPt: { 111: RouterCodec.opus }, clockRate: 48000, history: 32 }).ok);
    assert.ok(w.downAdd(100, { conn: 2, up: 10, ssrc: 0xa1, ptOfPt: { 111: 101 }, firstSeq: 4000, firstTs: 9, history: 32, cname: 'c' }).ok);
    const pubSession = sessionKeys(pubKey.key, pubKey.salt);
    const plain = [0, 1].map((i) => rtp({ pt: 111, seq: 70 + i, ts: 960 * i, ssrc: 0xaaaa, payload: [0x11, 0x22, 0x33, i] }));
    pub.send(protectRtp(pubSession, plain[0]), w.port, HOST);
    // A packet whose tag does not verify is dropped and counted.
    const forged = protectRtp(pubSession, plain[1]);
    forged[forged.length - 1] ^= 1;
    pub.send(forged, w.port, HOST);
    await until('the forged packet refused', () => w.counters()['drop.unprotect'] === 1);
    pub.send(protectRtp(pubSession, plain[1]), w.port, HOST);
    await until('two packets at the subscriber', () => rtpOf(sub).length >= 2);
    const subSession = sessionKeys(subKey.key, subKey.salt);
    for (const [i, b] of rtpOf(sub).entries()) {
      const clear = unprotectRtp(subSession, b);
      assert.ok(clear, 'the tag verifies under the subscriber\'s keys');
      const p = parseRtp(clear);
      assert.ok(p.ok);
      assert.equal(p.rtp.ssrc, 0xa1);
      assert.equal(p.rtp.sequenceNumber, 4000 + i);
      assert.deepEqual([...clear.subarray(p.rtp.payloadOffset)], [0x11, 0x22, 0x33, i]);
      assert.notDeepEqual([...b.subarray(12, 16)], [0x11, 0x22, 0x33, i], 'encrypted on the wire');
    }
    // SRTCP (RFC 3711 §3.4): the compound packet, E flag and index, and the tag.
    const rr = Buffer.from(buildRr(0x52, []));
    assert.ok(w.sendRtcp(2, rr).ok);
    const srtcp = await until('the SRTCP packet', () => sub.inbox.find((b) => b[1] === 201 && b.readUInt32BE(4) === 0x52 && b.length === rr.length + 14));
    assert.equal(srtcp.length, rr.length + 4 + 10);
    assert.equal(srtcp[rr.length] & 0x80, 0x80, 'E flag: encrypted');
  });

  it('property: random datagrams from a connection with media flowing are counted and survived', async () => {
    const { w, control } = await setup();
    const [pub, sub] = [await sock(), await sock()];
    assert.ok(w.connAdd(1, { rtcpSsrc: 0x51, address: HOST, port: pub.port, profile: 0, extMid: 1, extRid: 2 }).ok);
    assert.ok(w.connAdd(2, { rtcpSsrc: 0x52, address: HOST, port: sub.port, profile: 0 }).ok);
    assert.ok(w.upAdd(10, { conn: 1, video: true, mid: '0', rids: ['q', 'f'], codecOfPt: { 96: RouterCodec.vp8 }, clockRate: 90000, history: 64 }).ok);
    assert.ok(w.downAdd(100, { conn: 2, up: 10, ssrc: 0xa1, ptOfPt: { 96: 100 }, extOfExt: { 1: 1 }, firstSeq: 1, firstTs: 1, history: 64, cname: 'c' }).ok);
    const datagrams = fc.sample(
      fc.oneof(
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        // RTP- and RTCP-looking: version 2, any payload or packet type
        fc.tuple(fc.integer({ min: 0x80, max: 0xbf }), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ minLength: 0, maxLength: 200 })).map(([a, b, rest]) => Uint8Array.from([a, b, ...rest])),
      ),
      { numRuns: 400, seed: 7 },
    );
    for (const d of datagrams) pub.send(d, w.port, HOST);
    pub.send(STUN, w.port, HOST);
    await until('the marker after them', () => control.some((c) => c.data.equals(STUN) && c.from.port === pub.port));
    const c = w.counters();
    assert.equal(c.datagramsIn, datagrams.length + 1);
    assert.equal(c.controlIn + c.rtpIn + c.rtcpIn + c['drop.malformed'], datagrams.length + 1, 'each datagram went one way');
    assert.ok(w.send(HOST, sub.port, Buffer.from('still here')).ok);
    await until('a datagram after them', () => sub.inbox.some((b) => b.toString() === 'still here'));
  });

  it('the queue for JavaScript is bounded: what does not fit while JavaScript is busy is dropped and counted', async () => {
    const { w, control } = await setup();
    const big = Buffer.alloc(1200, 7);
    big[0] = 0x01; // a STUN-range first byte (RFC 7983 §7)
    const n = 1200; // about 1.4 MiB: more than the 1 MiB queue
    for (let i = 0; i < n; i++) w.send(HOST, w.port, big);
    // JavaScript stays busy (no wake can run) until the worker has read what the kernel kept.
    const deadline = Date.now() + 2000;
    const received = () => w.counters().controlIn + w.counters()['drop.queue-full'];
    while (received() < n && Date.now() < deadline) {
      /* busy */
    }
    const got = received();
    w.drain();
    assert.equal(control.length + w.dropped, got, 'each datagram read was queued or dropped');
    assert.equal(w.dropped, w.counters()['drop.queue-full']);
    assert.ok(control.length * (big.length + 24) <= 1 << 20, 'no more than the queue holds');
    if (got > 900) assert.ok(w.dropped > 0);
  });

  it('listens on IPv6 too, and reports IPv6 sources', async (t) => {
    const started = MediaWorker.start({ address: '::1', port: 0 });
    if (!started.ok) return t.skip(`no IPv6 loopback: ${started.error}`);
    const w = started.value;
    workers.push(w);
    const got: IceAddress[] = [];
    w.onControlPacket = (_data, from) => got.push(from);
    const s = dgram.createSocket('udp6');
    await new Promise<void>((resolve) => s.bind(0, '::1', resolve));
    s.send(STUN, w.port, '::1');
    await until('the datagram', () => got[0]);
    assert.deepEqual(got[0], { family: 'IPv6', address: '::1', port: s.address().port });
    s.close();
  });
});
