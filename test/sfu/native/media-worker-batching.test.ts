/**
 * The media worker's batching over real sockets on loopback.
 *
 * Sending (native/src/sfu/media-worker-send.c): a fan-out of bursts whose packets come in several
 * sizes (a frame's equal-size packets, a shorter last one, a larger one after it) reaches every
 * subscriber whole, in order and numbered without gaps, with UDP GSO on (runs of datagrams to one
 * subscriber leave as one message, which the kernel cuts back into datagrams) and with it off.
 *
 * Receiving (media-worker.c, choose_polling): a stream of single packets, each its own burst,
 * makes the worker poll its socket instead of waking per packet, and it goes back to waiting
 * when the stream stops; with polling off it never polls.
 *
 * Load shedding: RTP that waited in the socket longer than `shedMs` (the kernel's receive time,
 * SO_TIMESTAMPNS) is dropped unread and counted, and every packet is either forwarded or shed;
 * with shedding off none is. Skipped when the addon has no media worker.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, describe, it } from 'node:test';
import { residenceOf, residenceQuantile, residenceSince } from '../../../src/sfu/media/residence.ts';
import { MediaWorker } from '../../../src/sfu/native/media-worker.ts';
import { RouterCodec } from '../../../src/sfu/native/router-spec.ts';
import { parseRtp, writeRtpIds } from '../../../src/sfu/rtp/rtp-packet.ts';

const HOST = '127.0.0.1';
const skip = MediaWorker.available() ?? false;

type Sock = dgram.Socket & { inbox: Buffer[]; port: number };

function socket(): Promise<Sock> {
  const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 }) as Sock;
  s.inbox = [];
  s.on('message', (m) => {
    if (!(m[1] >= 192 && m[1] <= 223)) s.inbox.push(m); // RTP only (RFC 5761 §4)
  });
  return new Promise((resolve) =>
    s.bind(0, HOST, () => {
      s.port = s.address().port;
      resolve(s);
    }),
  );
}

async function until(what: string, poll: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!poll()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Payload sizes of a burst: a frame of equal packets, a shorter last one, then a larger one. */
const SIZES = [900, 900, 900, 900, 400, 1100, 1100, 60, 900, 900];

function packet(seq: number): Buffer {
  const size = SIZES[seq % SIZES.length];
  const b = Buffer.alloc(12 + size, seq & 0xff);
  b[0] = 0x80;
  b[1] = 96;
  writeRtpIds(b, seq, seq * 3000, 0x1234);
  b[12] = 0x10; // VP8 payload descriptor, S bit (RFC 7741 §4.2)
  b[13] = seq === 0 ? 0x00 : 0x01; // the first packet is a keyframe
  return b;
}

describe('native media worker: batching', { skip }, () => {
  const workers: MediaWorker[] = [];
  const sockets: Sock[] = [];
  after(() => {
    for (const w of workers) w.stop();
    for (const s of sockets) s.close();
  });

  /** A worker with a publisher and three subscribers of its one video up-stream. */
  async function rig(o: { gso: boolean; batchUs?: number; shedMs: number }) {
    const started = MediaWorker.start({ address: HOST, port: 0, ...o });
    assert.ok(started.ok, started.ok ? '' : started.error);
    const w = started.value;
    workers.push(w);
    const pub = await socket();
    const subs = [await socket(), await socket(), await socket()];
    sockets.push(pub, ...subs);
    assert.ok(w.connAdd(1, { rtcpSsrc: 0x51, address: HOST, port: pub.port, profile: 0 }).ok);
    assert.ok(w.upAdd(10, { conn: 1, video: true, mid: '0', ssrcs: [0x1234], codecOfPt: { 96: RouterCodec.vp8 }, clockRate: 90000, history: 512 }).ok);
    for (const [i, s] of subs.entries()) {
      assert.ok(w.connAdd(2 + i, { rtcpSsrc: 0x60 + i, address: HOST, port: s.port, profile: 0 }).ok);
      assert.ok(w.downAdd(100 + i, { conn: 2 + i, up: 10, ssrc: 0xa0 + i, ptOfPt: { 96: 96 }, firstSeq: (65000 + i * 300) & 0xffff, firstTs: 0, history: 512, cname: `c${i}` }).ok);
    }
    return { w, pub, subs };
  }

  async function fanOut(gso: boolean, batchUs?: number) {
    const { w, pub, subs } = await rig({ gso, shedMs: 0, ...(batchUs === undefined ? {} : { batchUs }) });
    // Bursts until the worker has read several packets at once (a batch), or ten bursts.
    let sent = 0;
    for (let burst = 0; burst < 10 && (burst === 0 || !gso || w.counters().gsoSends === 0); burst++) {
      for (let k = 0; k < 100; k++) pub.send(packet(sent++), w.port, HOST);
      await until(`burst ${burst} at every subscriber`, () => subs.every((s) => s.inbox.length >= sent));
    }
    for (const [i, s] of subs.entries()) {
      assert.equal(s.inbox.length, sent, `subscriber ${i}: every packet, once`);
      for (const [n, b] of s.inbox.entries()) {
        const p = parseRtp(b);
        assert.ok(p.ok);
        assert.equal(p.rtp.ssrc, 0xa0 + i);
        assert.equal(p.rtp.sequenceNumber, (65000 + i * 300 + n) & 0xffff, `subscriber ${i}: packet ${n} in order`);
        assert.equal(b.length, 12 + SIZES[n % SIZES.length], `subscriber ${i}: packet ${n} its own size`);
        assert.ok(b.subarray(14).every((x) => x === (n & 0xff)), `subscriber ${i}: packet ${n} its own payload`);
      }
    }
    return { w, pub, subs, c: w.counters(), sent };
  }

  /** One packet per event-loop turn for `ms`: thousands of one-packet bursts a second. */
  async function trickle(w: MediaWorker, pub: Sock, from: number, ms: number): Promise<number> {
    let seq = from;
    const end = Date.now() + ms;
    while (Date.now() < end) {
      pub.send(packet(seq++), w.port, HOST);
      await new Promise((r) => setImmediate(r));
    }
    return seq;
  }

  it('with GSO: runs to one subscriber leave as one message, every datagram arrives whole and in order', async () => {
    const { c, sent } = await fanOut(true);
    assert.equal(c.gsoRefused, 0);
    assert.ok(c.gsoSends > 0, 'some runs left as GSO messages');
    assert.ok(c.gsoSegments >= 2 * c.gsoSends);
    assert.ok(c.datagramsOut >= sent * 3);
    assert.ok(c.sendCalls < c.datagramsOut, 'fewer sendmmsg calls than datagrams');
    assert.equal(c['drop.socket-error'], 0);
  });

  it('without GSO: the same fan-out, datagram by datagram', async () => {
    const { c, sent } = await fanOut(false);
    assert.equal(c.gsoSends, 0);
    assert.equal(c.gsoSegments, 0);
    assert.ok(c.datagramsOut >= sent * 3);
  });

  it('refuses a gso option that is not a boolean, and a poll period over 10 ms', () => {
    const r = MediaWorker.start({ address: HOST, port: 0, gso: 'yes' as unknown as boolean });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /gso\?: boolean/);
    const slow = MediaWorker.start({ address: HOST, port: 0, batchUs: 20_000 });
    assert.equal(slow.ok, false);
    assert.match(slow.ok ? '' : slow.error, /batchUs\?: 0-10000/);
    const late = MediaWorker.start({ address: HOST, port: 0, shedMs: -1 });
    assert.equal(late.ok, false);
    assert.match(late.ok ? '' : late.error, /shedMs\?: 0-10000/);
  });

  /** A flood of `n` packets sent at once, faster than the worker fans them out to three. */
  async function flood(shedMs: number, n: number) {
    const { w, pub, subs } = await rig({ gso: true, batchUs: 0, shedMs });
    // Packet 0, a keyframe, alone first: the down-tracks start on it.
    pub.send(packet(0), w.port, HOST);
    await until('the keyframe at every subscriber', () => subs.every((s) => s.inbox.length === 1));
    for (const s of subs) s.inbox.length = 0;
    const before = w.counters();
    for (let k = 1; k <= n; k++) pub.send(packet(k), w.port, HOST);
    await until('the flood handled', () => {
      const c = w.counters();
      return c.rtpIn + c.shed - before.rtpIn - before.shed >= n;
    }, 15_000);
    await new Promise((r) => setTimeout(r, 100));
    const c = w.counters();
    const residence = residenceSince(residenceOf(before)!, residenceOf(c)!);
    return { shed: c.shed - before.shed, forwarded: c.rtpIn - before.rtpIn, sentOut: c['router.rtpOut'] - before['router.rtpOut'], subs, residence };
  }

  it('sheds RTP that waited in the socket longer than shedMs, and forwards the rest', async () => {
    const { shed, forwarded, sentOut, subs } = await flood(1, 3000);
    assert.ok(shed > 0, 'some RTP waited over 1 ms and was shed');
    assert.equal(shed + forwarded, 3000, 'every packet forwarded or shed');
    assert.equal(sentOut, 3 * forwarded, 'what was not shed went to every subscriber');
    // (the subscribers' own sockets may overflow under the flood: counted at the router)
    for (const s of subs) assert.ok(s.inbox.length > 0 && s.inbox.length <= forwarded);
  });

  it('never sheds audio: a flood of video with audio among it loses video only', async () => {
    const { w, pub, subs } = await rig({ gso: true, batchUs: 0, shedMs: 1 });
    // An audio up-track on the publisher's connection, and a listener of its own.
    const ear = await socket();
    sockets.push(ear);
    assert.ok(w.upAdd(11, { conn: 1, video: false, mid: '1', ssrcs: [0x4321], codecOfPt: { 111: RouterCodec.opus }, clockRate: 48000, history: 32 }).ok);
    assert.ok(w.connAdd(9, { rtcpSsrc: 0x69, address: HOST, port: ear.port, profile: 0 }).ok);
    assert.ok(w.downAdd(109, { conn: 9, up: 11, ssrc: 0xb9, ptOfPt: { 111: 111 }, firstSeq: 100, firstTs: 0, history: 32, cname: 'ear' }).ok);
    const audio = (seq: number) => {
      const b = Buffer.alloc(12 + 60, seq & 0xff);
      b[0] = 0x80;
      b[1] = 111;
      writeRtpIds(b, seq, seq * 960, 0x4321);
      return b;
    };
    pub.send(packet(0), w.port, HOST);
    pub.send(audio(0), w.port, HOST);
    await until('the keyframe and the first audio', () => subs.every((s) => s.inbox.length === 1) && ear.inbox.length === 1);
    const before = w.counters();
    // 3,000 video packets with an audio packet after every tenth: far more than the worker
    // forwards to three subscribers within a millisecond.
    let a = 1;
    for (let k = 1; k <= 3000; k++) {
      pub.send(packet(k), w.port, HOST);
      if (k % 10 === 0) pub.send(audio(a++), w.port, HOST);
    }
    const audioSent = a - 1;
    await until('the flood handled', () => {
      const c = w.counters();
      return c.rtpIn + c.shed - before.rtpIn - before.shed >= 3000 + audioSent;
    }, 15_000);
    await until('every audio packet at the listener', () => ear.inbox.length === 1 + audioSent, 5_000);
    const c = w.counters();
    assert.ok(c.shed - before.shed > 0, 'video was shed');
    ear.inbox.slice(1).forEach((b, n) => assert.equal(parseRtp(b).ok && b.readUInt16BE(2), (101 + n) & 0xffff, `audio ${n} in order`));
  });

  it('with shedding off, a flood is forwarded whole, however late', async () => {
    const { shed, forwarded, residence } = await flood(0, 3000);
    assert.equal(shed, 0);
    assert.equal(forwarded, 3000);
    // Each packet's time in the worker, once: the flood's last packets waited behind the first.
    assert.equal(residence.count, 3000);
    assert.ok(residence.sumUs > 0);
    const p10 = residenceQuantile(residence, 0.1)!, p99 = residenceQuantile(residence, 0.99)!;
    assert.ok(p99 > p10, `the queue shows: p10 ${p10} µs, p99 ${p99} µs`);
  });

  it('counts the residence of RTP it handled, not of RTP it shed', async () => {
    const { shed, forwarded, residence } = await flood(1, 3000);
    assert.ok(shed > 0);
    assert.equal(residence.count, forwarded);
  });

  it('counts every forwarded packet\'s residence once, in buckets up to 100 ms', async () => {
    const { c } = await fanOut(true);
    const r = residenceOf(c)!;
    assert.deepEqual(r.boundsUs, [50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000]);
    assert.equal(r.counts.length, 12);
    assert.equal(r.count, c.rtpIn, 'one residence per RTP packet in');
    assert.ok(r.sumUs >= 0);
  });

  it('under a stream of one-packet bursts it polls instead of waking per packet, then waits again', async () => {
    const { w, pub, subs, sent } = await fanOut(true, 500);
    const seq = await trickle(w, pub, sent, 400);
    await until('the stream at every subscriber', () => subs.every((s) => s.inbox.length >= seq));
    const polled = w.counters().polls;
    assert.ok(polled > 0, 'the worker polled');
    // Quiet: within a tick or two it stops polling.
    await new Promise((r) => setTimeout(r, 100));
    const settled = w.counters().polls;
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(w.counters().polls - settled <= 2, 'no polling at rest');
    for (const s of subs) {
      assert.equal(s.inbox.length, seq, 'every packet, once');
      s.inbox.forEach((b, n) => assert.equal(b[14], n & 0xff, `packet ${n} in order`));
    }
  });

  it('with polling off it never polls', async () => {
    const { w, pub, subs, sent } = await fanOut(true, 0);
    const seq = await trickle(w, pub, sent, 300);
    await until('the stream at every subscriber', () => subs.every((s) => s.inbox.length >= seq));
    assert.equal(w.counters().polls, 0);
  });
});
