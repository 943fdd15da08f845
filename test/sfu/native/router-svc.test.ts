/**
 * VP9 spatial SVC in the native media router (native/src/sfu/router-svc.c), driven packet by
 * packet through the addon's test surface, the way Chromium publishes VP9 with `simulcast: true`:
 * three RIDs offered, one RTP stream on one of them carrying spatial layers 0-2 (RFC 9628).
 * The spatial layers stand for simulcast layers: a down-track at layer k gets spatial layers
 * 0..k with its numbering closed over what is left out and the marker on layer k's last packet;
 * it moves up at a key picture (asking for one) and down at any picture's start; NACKs are
 * answered; the layers are reported with the bytes forwarding each costs, and TypeScript is
 * told the stream is SVC. Skipped when the addon
 * is not built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNack, parseRtcp } from '../../../src/sfu/rtp/rtcp.ts';
import { parseRtp, writeRtpIds } from '../../../src/sfu/rtp/rtp-packet.ts';
import type { RouterEvent } from '../../../src/sfu/native/router-events.ts';
import { RouterCodec, type RouterAddon } from '../../../src/sfu/native/router-spec.ts';
import { addon, events, skip } from './router-fixtures.ts';

const PUB = 1;
const SUB = 2;
const EXT = { mid: 1, rid: 2 } as const;
const SSRC = 0x9f00;

/** An RTP packet of VP9 payload type 98 with MID and RID (RFC 8285 §4.2 one-byte elements). */
function rtp(seq: number, ts: number, marker: boolean, payload: number[]): Buffer {
  const ext = [EXT.mid << 4, 0x76, EXT.rid << 4, 0x66]; // MID "v", RID "f"
  const b = Buffer.alloc(12 + 4 + ext.length + payload.length);
  b[0] = 0x90;
  b[1] = (marker ? 0x80 : 0) | 98;
  writeRtpIds(b, seq, ts, SSRC);
  b.set([0xbe, 0xde, 0, ext.length / 4, ...ext], 12);
  b.set(payload, 16 + ext.length);
  return b;
}

/** RFC 9628 §4.2 non-flexible descriptor: I, L, B, E; 15-bit picture id; TID|U|SID|D; TL0PICIDX. */
function vp9(pid: number, sid: number, o: { key: boolean; begin: boolean; end: boolean }): number[] {
  const b0 = 0x80 | (o.key ? 0 : 0x40) | 0x20 | (o.begin ? 0x08 : 0) | (o.end ? 0x04 : 0);
  return [b0, 0x80 | ((pid >> 8) & 0x7f), pid & 0xff, (sid << 1) | (sid > 0 ? 1 : 0), pid & 0xff, 0xee, sid];
}


/** A publisher's VP9 up-stream 30 offered as RIDs q, h, f (as Chromium offers it), and one subscriber's down-track 300. */
function rig() {
  const a = addon as RouterAddon;
  const r = a.routerNew();
  assert.equal(a.routerConnAdd(r, PUB, { extMid: EXT.mid, extRid: EXT.rid, rtcpSsrc: 0x5f0 }), 0);
  assert.equal(a.routerConnAdd(r, SUB, { rtcpSsrc: 0x5a }), 0);
  // Chromium sends its one SVC stream on one of the RIDs: "f" here (MID and RID in each packet).
  assert.equal(a.routerUpAdd(r, 30, { conn: PUB, video: true, mid: 'v', rids: ['q', 'h', 'f'], codecOfPt: { 98: RouterCodec.vp9 }, clockRate: 90000, history: 128 }), 0);
  assert.equal(a.routerDownAdd(r, 300, { conn: SUB, up: 30, ssrc: 0xd0, ptOfPt: { 98: 98 }, firstSeq: 100, firstTs: 0, history: 128, cname: 'c' }), 0);
  return { a, r };
}

test('VP9 spatial SVC on one RID: layers chosen like simulcast layers, numbering closed, marker moved', { skip }, () => {
  const { a, r } = rig();

  let seq = 7000;
  let pid = 1;
  let now = 1_000_000;
  const forwarded: { seq: number; marker: boolean; sid: number; inSeq: number }[] = [];
  const layerEvents: number[] = [];
  const svcEvents: number[] = [];
  /** One picture: two packets per spatial layer, the marker on the very last. */
  const picture = (key: boolean, layers = 3) => {
    const out: typeof forwarded = [];
    for (let sid = 0; sid < layers; sid++) {
      for (let k = 0; k < 2; k++) {
        const last = sid === layers - 1 && k === 1;
        const inSeq = seq++;
        const res = a.routerRtp(r, PUB, rtp(inSeq, pid * 3000, last, vp9(pid, sid, { key, begin: k === 0, end: k === 1 })), (now += 500));
        for (const e of events(res)) {
          if (e.type === 'layer' && e.down === 300) layerEvents.push(e.layer);
          if (e.type === 'svc') svcEvents.push(e.up);
        }
        for (const o of res.out.filter((x) => !x.rtcp)) {
          const p = parseRtp(o.data);
          assert.ok(p.ok);
          out.push({ seq: p.rtp.sequenceNumber, marker: p.rtp.marker, sid: o.data[p.rtp.payloadOffset + 6], inSeq });
        }
      }
    }
    pid++;
    forwarded.push(...out);
    return out;
  };
  const continuous = () => forwarded.forEach((f, i) => assert.equal(f.seq, 100 + i, `forwarded packet ${i} numbered without a gap`));

  // A key picture: everything, the publisher's own marker at the end.
  let got = picture(true);
  assert.deepEqual(got.map((g) => g.sid), [0, 0, 1, 1, 2, 2]);
  assert.deepEqual(got.map((g) => g.marker), [false, false, false, false, false, true]);
  assert.deepEqual(layerEvents, [2, 2], 'the RID layer first, then the SVC stream at its top layer');
  assert.deepEqual(svcEvents, [30], 'TypeScript is told once that the stream is SVC');

  // Down to spatial layer 0 at the next picture's start, no keyframe needed.
  assert.equal(a.routerDownTarget(r, 300, 0, false), 0);
  got = picture(false);
  assert.deepEqual(got.map((g) => g.sid), [0, 0], 'layers above 0 left out');
  assert.deepEqual(got.map((g) => g.marker), [false, true], 'the marker ends layer 0, now the picture');
  assert.equal(layerEvents.at(-1), 0);
  got = picture(false);
  assert.deepEqual(got.map((g) => g.sid), [0, 0]);
  continuous();

  // Up to layer 1: not before a key picture; the router asks for one.
  assert.equal(a.routerDownTarget(r, 300, 1, false), 0);
  got = picture(false);
  assert.deepEqual(got.map((g) => g.sid), [0, 0], 'still layer 0 until a key picture');
  const tick = a.routerTick(r, (now += 20_000), Date.now());
  const plis = tick.out.filter((o) => o.rtcp && o.conn === PUB).flatMap((o) => {
    const p = parseRtcp(o.data);
    return p.ok ? p.packets.filter((x) => x.type === 'pli') : [];
  });
  assert.equal(plis.length, 1, 'a PLI to the publisher');
  assert.equal((plis[0] as { media: number }).media, SSRC, "for the SVC stream");
  got = picture(true);
  assert.deepEqual(got.map((g) => g.sid), [0, 0, 1, 1]);
  assert.deepEqual(got.map((g) => g.marker), [false, false, false, true], 'the marker ends layer 1');
  assert.equal(layerEvents.at(-1), 1);
  continuous();

  // A NACK for a forwarded packet is answered from history.
  const lost = forwarded.at(-2)!;
  const res = a.routerRtcp(r, SUB, buildNack(0x5a, 0xd0, [lost.seq]), (now += 1000));
  const again = res.out.filter((o) => !o.rtcp).map((o) => parseRtp(o.data));
  assert.equal(again.length, 1, 'retransmitted');
  assert.ok(again[0].ok && again[0].rtp.sequenceNumber === lost.seq);

  // Figures: layer k costs the bytes of spatial layers 0..k.
  let stats: RouterEvent[] = [];
  for (let i = 0; i < 10; i++) stats.push(...events(a.routerTick(r, (now += 20_000), Date.now())));
  stats = stats.filter((e) => e.type === 'layerStats' && e.up === 30);
  const bytes = [0, 1, 2].map((k) => {
    const e = stats.find((x) => x.type === 'layerStats' && x.layer === k);
    assert.ok(e && e.type === 'layerStats', `layer ${k} reported`);
    return e.bytes;
  });
  assert.ok(bytes[0] < bytes[1] && bytes[1] < bytes[2], `cumulative: ${bytes}`);
  assert.equal(a.routerDownTarget(r, 300, 3, false), -4, 'no layer 3');
});

test('VP9 with one spatial layer stays a plain simulcast layer', { skip }, () => {
  const { a, r } = rig();
  let n = 0;
  for (let pid = 1; pid <= 3; pid++) {
    for (let k = 0; k < 2; k++) {
      const res = a.routerRtp(r, PUB, rtp(500 + n, pid * 3000, k === 1, vp9(pid, 0, { key: pid === 1, begin: k === 0, end: k === 1 })), 1_000_000 + n * 1000);
      n++;
      assert.equal(res.out.filter((o) => !o.rtcp).length, 1);
    }
  }
  assert.equal(a.routerDownTarget(r, 300, 2, false), 0);
});
