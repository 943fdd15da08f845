import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DownTrack } from '../../../src/sfu/media/down-track.ts';
import { UpTrack, type UpTrackInfo } from '../../../src/sfu/media/up-track.ts';
import { newMediaCounters } from '../../../src/sfu/media/counters.ts';
import { parseRtp, readExtensions, writeRtpIds } from '../../../src/sfu/rtp/rtp-packet.ts';
import { buildNack, buildPli, parseRtcp } from '../../../src/sfu/rtp/rtcp.ts';
import { FakeReceiveTrack, FakeSendTrack } from './fakes.ts';

const vp8 = { name: 'vp8' as const, codec: { pt: 96, name: 'VP8', clockRate: 90000, channels: undefined, fmtp: undefined, rtcpFb: [] } };
const opus = { name: 'opus' as const, codec: { pt: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10', rtcpFb: [] } };

function packet(pt: number, seq: number, ts: number, ssrc: number, keyframe: boolean, ext: [number, number][] = []): Buffer {
  const extBytes = ext.length ? [0xbe, 0xde, 0, 1, ...ext.flatMap(([id, v]) => [(id << 4) | 0, v]), ...Array(4 - ext.length * 2).fill(0)] : [];
  const b = Buffer.alloc(12 + extBytes.length + 3);
  b[0] = ext.length ? 0x90 : 0x80;
  b[1] = pt;
  writeRtpIds(b, seq, ts, ssrc);
  b.set(extBytes, 12);
  b.set([0x10, keyframe ? 0x00 : 0x01, seq & 0xff], 12 + extBytes.length);
  return b;
}

function setup(kind: 'audio' | 'video' = 'video') {
  const counters = newMediaCounters();
  const rx = new FakeReceiveTrack('0', kind);
  let now = 1000;
  const published: UpTrack[] = [];
  const info: UpTrackInfo = {
    id: 'p#1',
    kind,
    streamId: 'stream',
    trackId: 'track',
    codecs: [kind === 'video' ? vp8 : opus],
    extmaps: [{ id: 13, uri: 'urn:3gpp:video-orientation' }, { id: 4, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' }],
    rids: [],
  };
  const up = new UpTrack(
    info,
    rx,
    { maxPacketTrack: 64, maxBitrate: 1_500_000, rtcpSsrc: 0xfeed, counters, maxQueueDelayMs: 100, pliIntervalMs: 500, overloaded: () => false, onFirstPacket: (t) => published.push(t) },
    () => now,
  );
  const tx = new FakeSendTrack();
  const down = new DownTrack(up, tx, {
    ssrc: 0xabcdef,
    payloadType: 100,
    clockRate: kind === 'video' ? 90000 : 48000,
    cname: 'stream',
    historySize: 64,
    bestQualityFirst: true,
    counters,
    firstSeq: 5000,
    firstTimestamp: 7000,
    wallClockMs: () => 1_700_000_000_000,
    now: () => now,
  });
  down.setExtensions(new Map([[13, 4]]));
  up.addSink(down);
  return { up, down, rx, tx, counters, published, advance: (ms: number) => (now += ms), now: () => now };
}

const plis = (rx: FakeReceiveTrack) =>
  rx.rtcp.flatMap((b) => {
    const r = parseRtcp(b);
    return r.ok ? r.packets.filter((p) => p.type === 'pli') : [];
  });

test('video waits for a keyframe, then is renumbered, re-stamped and re-typed for the subscriber', () => {
  const s = setup();
  s.rx.onPacket!(packet(96, 10, 900, 0x1111, false));
  assert.equal(s.published.length, 1, 'the first packet publishes the track');
  s.down.tick(s.now());
  assert.equal(plis(s.rx).length, 1, 'a keyframe is requested while waiting');
  s.rx.onPacket!(packet(96, 11, 900, 0x1111, false));
  assert.equal(s.tx.sent.length, 0, 'no keyframe yet');
  s.rx.onPacket!(packet(96, 12, 3900, 0x1111, true, [[13, 0x03], [4, 0x31]]));
  s.rx.onPacket!(packet(96, 13, 3900, 0x1111, false));
  assert.equal(s.tx.sent.length, 2);
  const [a, b] = s.tx.sent.map((p) => {
    const r = parseRtp(p);
    assert.ok(r.ok);
    return r.rtp;
  });
  assert.deepEqual([a.sequenceNumber, b.sequenceNumber], [5000, 5001]);
  assert.deepEqual([a.timestamp, b.timestamp], [7000, 7000]);
  assert.equal(a.ssrc, 0xabcdef);
  assert.equal(a.payloadType, 100);
  const ext = readExtensions(s.tx.sent[0], a);
  assert.deepEqual(ext.map((e) => [e.id, s.tx.sent[0][e.offset]]), [[4, 0x03]], 'orientation moved to id 4, mid dropped');
});

test("a subscriber's NACK is answered with the original packet under the subscriber's numbering", () => {
  const s = setup();
  s.rx.onPacket!(packet(96, 100, 0, 0x1111, true));
  s.down.tick(s.now());
  s.rx.onPacket!(packet(96, 101, 0, 0x1111, true));
  for (let i = 102; i < 110; i++) s.rx.onPacket!(packet(96, i, 3000, 0x1111, false));
  const original = s.tx.sent[3];
  s.tx.onRtcp!(Buffer.from(buildNack(0x99, 0xabcdef, [5003, 4000])));
  assert.equal(s.counters.nackedBySubscribers, 2);
  assert.equal(s.counters.retransmitted, 1, 'seq 4000 was never sent: nothing to resend');
  assert.deepEqual(s.tx.sent.at(-1), original);
});

test('PLI and FIR from subscribers reach the publisher, at a bounded rate', () => {
  const s = setup();
  s.rx.onPacket!(packet(96, 1, 0, 0x1111, true));
  const before = plis(s.rx).length;
  for (let i = 0; i < 5; i++) s.tx.onRtcp!(Buffer.from(buildPli(0x99, 0xabcdef)));
  assert.equal(plis(s.rx).length, before + 1, 'five requests in a burst: one PLI');
  assert.equal(s.counters.keyframeRequestsFromSubscribers, 5);
  s.advance(600);
  s.tx.onRtcp!(Buffer.from(buildPli(0x99, 0xabcdef)));
  assert.equal(plis(s.rx).length, before + 2);
  assert.equal((plis(s.rx).at(-1) as any).media, 0x1111);
});

test('muting audio drops packets without leaving a hole; unmuting continues the numbering', () => {
  const s = setup('audio');
  s.rx.onPacket!(packet(111, 1, 960, 0x2222, false));
  s.rx.onPacket!(packet(111, 2, 1920, 0x2222, false));
  s.down.setPreference(undefined, false);
  for (let i = 3; i < 10; i++) s.rx.onPacket!(packet(111, i, i * 960, 0x2222, false));
  s.down.setPreference(undefined, true);
  s.rx.onPacket!(packet(111, 10, 9600, 0x2222, false));
  const seqs = s.tx.sent.map((p) => (parseRtp(p) as any).rtp.sequenceNumber);
  assert.deepEqual(seqs, [5000, 5001, 5002]);
});

test('the publisher gets receiver reports with REMB, the subscriber sender reports with CNAME', () => {
  const s = setup();
  s.rx.onPacket!(packet(96, 1, 0, 0x1111, true));
  s.down.tick(s.now());
  s.rx.onPacket!(packet(96, 2, 0, 0x1111, true));
  s.advance(1000);
  s.up.tick(s.now());
  s.down.tick(s.now());
  const toPublisher = s.rx.rtcp.flatMap((b) => (parseRtcp(b) as any).packets).map((p: any) => p.type);
  assert.ok(toPublisher.includes('rr') && toPublisher.includes('remb'));
  const toSubscriber = s.tx.rtcp.flatMap((b) => (parseRtcp(b) as any).packets);
  const sr = toSubscriber.find((p: any) => p.type === 'sr');
  assert.equal(sr.ssrc, 0xabcdef);
  assert.equal(sr.packets, 1);
  assert.deepEqual(toSubscriber.find((p: any) => p.type === 'sdes').chunks, [{ ssrc: 0xabcdef, cname: 'stream' }]);
});

test('the publisher is NACKed for its own losses', () => {
  const s = setup();
  s.rx.onPacket!(packet(96, 1, 0, 0x1111, true));
  s.rx.onPacket!(packet(96, 4, 0, 0x1111, false));
  s.advance(20);
  s.up.tick(s.now());
  const nacks = s.rx.rtcp.flatMap((b) => (parseRtcp(b) as any).packets).filter((p: any) => p.type === 'nack');
  assert.deepEqual(nacks.map((n: any) => [n.media, n.lost]), [[0x1111, [2, 3]]]);
  assert.equal(s.counters.nackedToPublishers, 2);
});

test('packets of another payload type, malformed packets and RTCP garbage are counted and dropped', () => {
  const s = setup();
  s.rx.onPacket!(packet(96, 1, 0, 0x1111, true));
  s.rx.onPacket!(packet(97, 2, 0, 0x1111, true));
  s.rx.onPacket!(Buffer.from([0x80, 96, 0]));
  s.rx.onPacket!(Buffer.from([0x80, 200, 0, 9, 1, 2]));
  assert.equal(s.counters.dropped, 2);
});
