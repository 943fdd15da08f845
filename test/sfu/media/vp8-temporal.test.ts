/**
 * VP8 temporal layers on the stack path (src/sfu/rtp/vp8-temporal.ts and the down-track): the
 * descriptor read, the target moving down at any picture and up at TID 0 or a layer-sync one,
 * PictureIDs kept free of holes, a copy shared with another subscriber left as it came, and a
 * retransmission carrying the PictureID its original had. The native router's equivalent is
 * tested in test/sfu/native/router-temporal.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DownTrack } from '../../../src/sfu/media/down-track.ts';
import { UpTrack, type UpTrackInfo } from '../../../src/sfu/media/up-track.ts';
import { newMediaCounters } from '../../../src/sfu/media/counters.ts';
import { buildNack } from '../../../src/sfu/rtp/rtcp.ts';
import { parseRtp, writeRtpIds } from '../../../src/sfu/rtp/rtp-packet.ts';
import { ALL_TIDS, TemporalFilter, vp8Descriptor } from '../../../src/sfu/rtp/vp8-temporal.ts';
import { FakeReceiveTrack, FakeSendTrack } from './fakes.ts';

/** L1T3: the TID of each picture by its index. */
const TID = [0, 2, 1, 2];

/** RFC 7741 §4.2: X, S on a picture's first packet; I, L, T; PictureID; TL0PICIDX; TID|Y|KEYIDX; payload header. */
function descriptor(o: { pid: number; tl0: number; tid: number; sync?: boolean; start: boolean; key?: boolean; short?: boolean }): number[] {
  const pid = o.short ? [o.pid & 0x7f] : [0x80 | ((o.pid >> 8) & 0x7f), o.pid & 0xff];
  return [0x80 | (o.start ? 0x10 : 0), 0xe0, ...pid, o.tl0 & 0xff, (o.tid << 6) | (o.sync ? 0x20 : 0), o.start ? (o.key ? 0x00 : 0x01) : 0x55, 0x9d];
}

test('the descriptor: PictureID of either width, TID and Y; none without X; undefined when cut short', () => {
  assert.deepEqual(vp8Descriptor(Uint8Array.from(descriptor({ pid: 0x1234, tl0: 9, tid: 2, sync: true, start: true }))), {
    start: true,
    pictureId: { value: 0x1234, long: true, offset: 2 },
    tid: 2,
    sync: true,
  });
  assert.deepEqual(vp8Descriptor(Uint8Array.from(descriptor({ pid: 0x55, tl0: 1, tid: 1, start: false, short: true }))), {
    start: false,
    pictureId: { value: 0x55, long: false, offset: 2 },
    tid: 1,
    sync: false,
  });
  assert.deepEqual(vp8Descriptor(Uint8Array.of(0x10, 0x00)), { start: true, pictureId: undefined, tid: undefined, sync: false });
  for (const cut of [[0x80], [0x80, 0x80], [0x80, 0x80, 0x81], [0x90, 0xe0, 0x81, 0x02, 0x07]]) assert.equal(vp8Descriptor(Uint8Array.from(cut)), undefined, `${cut}`);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
      vp8Descriptor(bytes); // never throws on any input
    }),
  );
});

test('property: whatever the targets, TID 0 pictures pass, nothing above the target passes, and the shift counts the pictures left out', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ target: fc.constantFrom(0, 1, 2, ALL_TIDS), pictures: fc.integer({ min: 1, max: 12 }), sync: fc.boolean() }), { maxLength: 10 }), (steps) => {
      const f = new TemporalFilter();
      let n = 0;
      let dropped = 0;
      for (const s of steps) {
        f.target = s.target;
        for (let i = 0; i < s.pictures; i++, n++) {
          const tid = TID[n % 4];
          const d = vp8Descriptor(Uint8Array.from(descriptor({ pid: n & 0x7fff, tl0: n >> 2, tid, sync: s.sync && tid > 0, start: true })))!;
          const pass = f.accept(d);
          const again = f.accept({ ...d, start: false }); // the picture's second packet
          assert.equal(again, pass, 'a picture passes whole or not at all');
          if (tid === 0) assert.ok(pass);
          if (pass) assert.ok(tid <= s.target, 'passed under its target');
          if (!pass) dropped++;
          assert.equal(f.pidOffset, dropped);
        }
      }
    }),
  );
});

function setup() {
  const counters = newMediaCounters();
  const rx = new FakeReceiveTrack('0', 'video');
  let now = 1000;
  const info: UpTrackInfo = {
    id: 'p#1',
    kind: 'video',
    streamId: 'stream',
    trackId: 'track',
    codecs: [{ name: 'vp8', codec: { pt: 96, name: 'VP8', clockRate: 90000, channels: undefined, fmtp: undefined, rtcpFb: [] } }],
    extmaps: [],
    rids: [],
  };
  const up = new UpTrack(info, rx, { maxPacketTrack: 128, maxBitrate: 1_500_000, rtcpSsrc: 0xfeed, counters, maxQueueDelayMs: 100, pliIntervalMs: 500, overloaded: () => false, onFirstPacket: () => {} }, () => now);
  const down = (ssrc: number) => {
    const tx = new FakeSendTrack();
    const d = new DownTrack(up, tx, { ssrc, payloadType: 100, clockRate: 90000, cname: 'c', historySize: 128, bestQualityFirst: true, counters, firstSeq: 1000, firstTimestamp: 0, wallClockMs: () => 0, now: () => now });
    d.setExtensions(new Map());
    up.addSink(d);
    return { d, tx };
  };
  const thin = down(0xa1);
  const full = down(0xb1);
  let seq = 500;
  let n = 0;
  const packet = (pid: number, tid: number, sync: boolean, start: boolean, key: boolean, marker: boolean, ts: number): Buffer => {
    const b = Buffer.from([0x80, 96 | (marker ? 0x80 : 0), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...descriptor({ pid, tl0: n >> 2, tid, sync, start, key })]);
    writeRtpIds(b, seq++, ts, 0x1111);
    return b;
  };
  // The first packet makes the track known; the down-tracks then learn its layer on their tick.
  rx.onPacket!(packet(32_759, 0, false, true, false, true, 0));
  thin.d.tick(now);
  full.d.tick(now);
  const pictures = (count: number, sync = false) => {
    for (let i = 0; i < count; i++, n++) {
      const tid = TID[n % 4];
      for (let k = 0; k < 2; k++) {
        now += 1;
        rx.onPacket!(packet((32_760 + n) & 0x7fff, tid, sync && tid > 0, k === 0, n === 0, k === 1, 3000 + n * 3000));
      }
    }
  };
  return { thin, full, pictures, counters };
}

const read = (tx: FakeSendTrack) =>
  tx.sent.map((p) => {
    const r = parseRtp(p);
    assert.ok(r.ok);
    const d = vp8Descriptor(p.subarray(r.rtp.payloadOffset))!;
    return { seq: r.rtp.sequenceNumber, pid: d.pictureId!.value, tid: d.tid! };
  });

test('a down-track thinned to TID 0 and back: numbering and PictureIDs without holes; the other subscriber of the same copy gets every picture as it came', () => {
  const { thin, full, pictures, counters } = setup();
  pictures(4);
  thin.d.setFramerate(0);
  pictures(8);
  thin.d.setFramerate(1);
  pictures(4, true); // picture 12 is TID 0, then 13 (TID 2, sync) does not count for a target of 1
  thin.d.setFramerate(ALL_TIDS);
  pictures(4, true);
  const got = read(thin.tx);
  for (let i = 1; i < got.length; i++) assert.equal(got[i].seq, (got[i - 1].seq + 1) & 0xffff, 'sequence numbers without holes');
  const pids = got.filter((_, i) => i % 2 === 0).map((o) => o.pid);
  for (let i = 1; i < pids.length; i++) assert.equal(pids[i], (pids[i - 1] + 1) & 0x7fff, `PictureIDs without holes: ${pids.join(' ')}`);
  assert.deepEqual(got.filter((_, i) => i % 2 === 0).map((o) => o.tid), [0, 2, 1, 2, 0, 0, 0, 1, 0, 2, 1, 2], 'TID 0 alone, then 0-1, then all again from picture 16 (sync)');
  assert.ok(pids.includes(0), 'the 15-bit PictureID wrapped in its width');
  assert.equal(counters.temporalLayerPackets, 2 * 8);

  const other = read(full.tx).filter((_, i) => i % 2 === 0).map((o) => o.pid);
  assert.deepEqual(other, Array.from({ length: 20 }, (_, i) => (32_760 + i) & 0x7fff), 'the shared copy went on unshifted');
});

test('a retransmission carries the PictureID its original was sent with', () => {
  const { thin, pictures } = setup();
  pictures(4);
  thin.d.setFramerate(0);
  pictures(8);
  const last = read(thin.tx).at(-1)!;
  const before = thin.tx.sent.length;
  thin.tx.onRtcp!(Buffer.from(buildNack(0x99, 0xa1, [last.seq])));
  assert.equal(thin.tx.sent.length, before + 1);
  const again = read(thin.tx).at(-1)!;
  assert.deepEqual(again, last);
});
