/**
 * VP8 temporal layers in the native media router (native/src/sfu/router-down.c), the way
 * Chromium sends each simulcast stream (L1T3: TIDs 0 2 1 2 0 …, RFC 7741 §4.2): a down-track's
 * temporal target leaves the pictures above it out, closes the numbering over them and shifts
 * later PictureIDs so that the subscriber's have no holes either; the target moves down at any
 * picture and up only at one of TID 0 or marked layer sync (Y); a retransmission carries the
 * PictureID its original did. A VP9 SVC stream's pictures are left out whole, all spatial
 * layers together, their PictureIDs as they came. Skipped when the addon is not built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNack } from '../../../src/sfu/rtp/rtcp.ts';
import { parseRtp } from '../../../src/sfu/rtp/rtp-packet.ts';
import { RouterCodec } from '../../../src/sfu/native/router-spec.ts';
import { EXT, PUB, SUB_A, rtp, rtpOut, setup, skip, text } from './router-fixtures.ts';

const SSRC = 0x8800;
/** L1T3: the TID of each picture by its index. */
const TID = [0, 2, 1, 2];

/** RFC 7741 §4.2: X, S on a picture's first packet; I, L, T; PictureID (15 bits, or 7); TL0PICIDX; TID|Y|KEYIDX. */
function vp8(o: { pid: number; tl0: number; tid: number; sync?: boolean; start: boolean; key?: boolean; short?: boolean }): number[] {
  const pid = o.short ? [o.pid & 0x7f] : [0x80 | ((o.pid >> 8) & 0x7f), o.pid & 0xff];
  return [0x80 | (o.start ? 0x10 : 0), 0xe0, ...pid, o.tl0 & 0xff, (o.tid << 6) | (o.sync ? 0x20 : 0), o.start ? (o.key ? 0x00 : 0x01) : 0x55, 0x9d];
}

interface Out {
  seq: number;
  pid: number;
  tl0: number;
  tid: number;
}

function rig(short = false) {
  const s = setup();
  const { a, r } = s;
  assert.equal(a.routerUpAdd(r, 40, { conn: PUB, video: true, mid: 'v', codecOfPt: { 96: RouterCodec.vp8 }, clockRate: 90000, history: 256 }), 0);
  assert.equal(a.routerDownAdd(r, 400, { conn: SUB_A, up: 40, ssrc: 0xd4, ptOfPt: { 96: 100 }, firstSeq: 1000, firstTs: 0, history: 256, cname: 'c' }), 0);
  let seq = 20_000;
  let n = 0;
  let now = 1_000_000;
  const mask = short ? 0x7f : 0x7fff;
  /** Sends `count` pictures of two packets each (the first a keyframe); returns what was forwarded. */
  const pictures = (count: number, o: { sync?: (tid: number) => boolean } = {}): Out[] => {
    const out: Out[] = [];
    for (let i = 0; i < count; i++, n++) {
      const tid = TID[n % 4];
      const pid = (short ? 120 : 32_760) + n; // both wrap during the test
      for (let k = 0; k < 2; k++) {
        const payload = vp8({ pid: pid & mask, tl0: Math.floor(n / 4), tid, sync: o.sync?.(tid) ?? false, start: k === 0, key: n === 0, short });
        const res = a.routerRtp(r, PUB, rtp({ seq: seq++, ts: n * 3000, ssrc: SSRC, marker: k === 1, ext: [[EXT.mid, text('v')]], payload }), (now += 1000));
        for (const o2 of rtpOut(res)) {
          const p = parseRtp(o2.data);
          assert.ok(p.ok);
          const d = o2.data.subarray(p.rtp.payloadOffset);
          const outPid = short ? d[2] & 0x7f : ((d[2] & 0x7f) << 8) | d[3];
          const at = short ? 3 : 4;
          out.push({ seq: p.rtp.sequenceNumber, pid: outPid, tl0: d[at], tid: d[at + 1] >> 6 });
        }
      }
    }
    return out;
  };
  return { a, r, pictures, mask, nack: (seqs: number[]) => a.routerRtcp(r, SUB_A, buildNack(0x5a, 0xd4, seqs), (now += 1000)) };
}

/** Each picture's PictureID once, and the checks that numbering and PictureIDs have no holes. */
function assertContinuous(out: Out[], mask: number, what: string): number[] {
  for (let i = 1; i < out.length; i++) assert.equal(out[i].seq, (out[i - 1].seq + 1) & 0xffff, `${what}: sequence numbers without holes`);
  const pids = out.filter((_, i) => i % 2 === 0).map((o) => o.pid);
  for (let i = 1; i < pids.length; i++) assert.equal(pids[i], (pids[i - 1] + 1) & mask, `${what}: PictureIDs without holes (${pids.join(' ')})`);
  return pids;
}

test('VP8 temporal target: pictures above it left out, numbering and PictureIDs closed over them', { skip }, () => {
  const { a, r, pictures, mask } = rig();
  const all = pictures(8);
  assert.equal(all.length, 16, 'every TID by default');
  assertContinuous(all, mask, 'all layers');
  assert.deepEqual(all.map((o) => o.pid).filter((_, i) => i % 2 === 0), [32_760, 32_761, 32_762, 32_763, 32_764, 32_765, 32_766, 32_767], 'PictureIDs untouched');

  assert.equal(a.routerDownTemporal(r, 400, 0), 0);
  const base = pictures(8);
  assert.ok(base.every((o) => o.tid === 0), 'TID 0 only');
  assert.equal(base.length, 4, 'one picture in four');
  const pids = assertContinuous([...all, ...base], mask, 'down to TID 0');
  assert.deepEqual(pids.slice(-2), [0, 1], 'the 15-bit PictureID wraps in its width (32767 → 0)');
  assert.deepEqual(base.filter((_, i) => i % 2 === 0).map((o) => o.tl0), [2, 3], 'TL0PICIDX untouched');

  // Up to TID 1: not at the TID 2 or 1 pictures before the next TID 0 (no layer sync).
  assert.equal(a.routerDownTemporal(r, 400, 1), 0);
  const up = pictures(8);
  assert.deepEqual(up.filter((_, i) => i % 2 === 0).map((o) => o.tid), [0, 1, 0, 1]);
  assertContinuous([...all, ...base, ...up], mask, 'up to TID 1');

  assert.equal(a.routerDownTemporal(r, 400, 3), 0);
  const again = pictures(8);
  assert.equal(again.length, 16, 'all of them again from a TID 0 picture on');
  assertContinuous([...all, ...base, ...up, ...again], mask, 'all again');
  assert.equal(a.routerCounters(r).temporalDropped, 12 + 8, 'packets left out (six pictures at TID 0, four at TID 1), counted');
  assert.equal(a.routerDownTemporal(r, 400, 4), -4, 'TIDs are 0-3');
  assert.equal(a.routerDownTemporal(r, 999, 1), -2, 'no such down-track');
});

test('VP8 temporal target: up at a layer-sync picture without waiting for TID 0; 7-bit PictureIDs wrap in their width', { skip }, () => {
  const { a, r, pictures, mask } = rig(true);
  const first = pictures(4);
  assert.equal(a.routerDownTemporal(r, 400, 0), 0);
  const base = pictures(8);
  assert.equal(a.routerDownTemporal(r, 400, 2), 0);
  // Picture 12 is TID 0 … the next one (TID 2, Y set) may come in at once.
  const sync = pictures(4, { sync: (tid) => tid > 0 });
  assert.deepEqual(sync.filter((_, i) => i % 2 === 0).map((o) => o.tid), [0, 2, 1, 2]);
  const pids = assertContinuous([...first, ...base, ...sync], mask, '7-bit');
  assert.ok(pids.some((p) => p < 10) && pids.some((p) => p > 120), `wrapped at 127: ${pids.join(' ')}`);
});

test('a retransmission carries the PictureID its original was sent with', { skip }, () => {
  const { a, r, pictures } = rig();
  pictures(4);
  assert.equal(a.routerDownTemporal(r, 400, 0), 0);
  const sent = pictures(8);
  const last = sent[sent.length - 1];
  const again = rtpOut(a.routerRtcp(r, SUB_A, buildNack(0x5a, 0xd4, [last.seq]), 2_000_000));
  assert.equal(again.length, 1);
  const p = parseRtp(again[0].data);
  assert.ok(p.ok);
  const d = again[0].data.subarray(p.rtp.payloadOffset);
  assert.equal(((d[2] & 0x7f) << 8) | d[3], last.pid);
  assert.equal(p.rtp.sequenceNumber, last.seq);
});

/** A VP9 SVC stream (RFC 9628 §4.2, non-flexible): I, L, B, E; 15-bit PictureID; TID|U|SID|D; TL0PICIDX. */
function vp9(o: { pid: number; sid: number; tid: number; up: boolean; key: boolean; begin: boolean; end: boolean }): number[] {
  const b0 = 0x80 | (o.key ? 0 : 0x40) | 0x20 | (o.begin ? 0x08 : 0) | (o.end ? 0x04 : 0);
  return [b0, 0x80 | ((o.pid >> 8) & 0x7f), o.pid & 0xff, (o.tid << 5) | (o.up ? 0x10 : 0) | (o.sid << 1) | (o.sid > 0 ? 1 : 0), 0, 0xee];
}

test('VP9 SVC temporal target: pictures above it left out whole (all spatial layers), numbering closed, PictureIDs as they came', { skip }, () => {
  const s = setup();
  const { a, r } = s;
  // As Chromium publishes VP9 with simulcast: three RIDs offered, one SVC stream on "f".
  assert.equal(a.routerUpAdd(r, 50, { conn: PUB, video: true, mid: 'v', rids: ['q', 'h', 'f'], codecOfPt: { 98: RouterCodec.vp9 }, clockRate: 90000, history: 256 }), 0);
  assert.equal(a.routerDownAdd(r, 500, { conn: SUB_A, up: 50, ssrc: 0xd5, ptOfPt: { 98: 98 }, firstSeq: 1000, firstTs: 0, history: 256, cname: 'c' }), 0);
  let seq = 9000;
  let n = 0;
  let now = 1_000_000;
  /** Pictures of two spatial layers, one packet each; returns the forwarded ones' (TID, PictureID). */
  const pictures = (count: number, up = false): { seq: number; tid: number; pid: number }[] => {
    const out: { seq: number; tid: number; pid: number }[] = [];
    for (let i = 0; i < count; i++, n++) {
      const tid = TID[n % 4];
      for (let sid = 0; sid < 2; sid++) {
        const payload = vp9({ pid: 100 + n, sid, tid, up: up && tid > 0, key: n === 0, begin: true, end: true });
        const res = a.routerRtp(r, PUB, rtp({ pt: 98, seq: seq++, ts: n * 3000, ssrc: 0x9900, marker: sid === 1, ext: [[EXT.mid, text('v')], [EXT.rid, text('f')]], payload }), (now += 1000));
        for (const o of rtpOut(res)) {
          const p = parseRtp(o.data);
          assert.ok(p.ok);
          const d = o.data.subarray(p.rtp.payloadOffset);
          if (sid === 0) out.push({ seq: p.rtp.sequenceNumber, tid: d[3] >> 5, pid: ((d[1] & 0x7f) << 8) | d[2] });
        }
      }
    }
    return out;
  };
  assert.equal(pictures(4).length, 4);
  assert.equal(a.routerDownTemporal(r, 500, 0), 0);
  const base = pictures(8);
  assert.deepEqual(base.map((o) => o.tid), [0, 0]);
  assert.deepEqual(base.map((o) => o.pid), [104, 108], 'PictureIDs untouched: the receiver reads the layer indices');
  assert.equal(base[1].seq, base[0].seq + 2, 'numbering closed over the pictures left out');
  assert.equal(a.routerDownTemporal(r, 500, 2), 0);
  // Picture 12 is TID 0; with U set, 13 (TID 2) may follow at once.
  assert.deepEqual(pictures(4, true).map((o) => o.tid), [0, 2, 1, 2]);
  assert.equal(a.routerCounters(r).temporalDropped, 6 * 2, 'six pictures of two packets left out');
});
