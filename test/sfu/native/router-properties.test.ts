/**
 * The native media router (native/src/sfu/router*.c) under fast-check: its numbering and NACK
 * answers cross-checked against the TypeScript down-track (LayerSelector + RtpMunger) under loss,
 * reordering, padding, pauses and layer switches, and random bytes from every side never crash
 * it and are counted. Skipped when the addon is not built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LayerSelector } from '../../../src/sfu/media/simulcast.ts';
import { RtpMunger } from '../../../src/sfu/rtp/munger.ts';
import { buildNack } from '../../../src/sfu/rtp/rtcp.ts';
import { decodeRouterEvents } from '../../../src/sfu/native/router-events.ts';
import { RouterCodec, type RouterAddon } from '../../../src/sfu/native/router-spec.ts';
import { addon, skip, PUB, SUB_A, rtp, vp8, events, rtpOut, setup, down, simulcast } from './router-fixtures.ts';

// ---- cross-check against the TypeScript path -------------------------------------------------

type Step =
  | { kind: 'packet'; layer: number; key: boolean; lose: boolean; swap: boolean; padding: boolean }
  | { kind: 'target'; layer: number }
  | { kind: 'pause' }
  | { kind: 'nack'; back: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 16,
    arbitrary: fc.record({
      kind: fc.constant('packet' as const),
      layer: fc.integer({ min: 0, max: 2 }),
      key: fc.boolean(),
      lose: fc.boolean(),
      swap: fc.boolean(),
      padding: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('target' as const), layer: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'pause' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('nack' as const), back: fc.integer({ min: 0, max: 40 }) }) },
);

interface Sent {
  readonly layer: number;
  readonly seq: number;
  readonly ts: number;
  readonly key: boolean;
  readonly padding: boolean;
}

test('property: output numbering and NACK answers match down-track.ts (LayerSelector + RtpMunger) under loss, reordering, padding, pauses and switches', { skip }, () => {
  fc.assert(
    fc.property(fc.array(stepArb, { minLength: 1, maxLength: 150, size: 'max' }), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 0xffffffff }), (steps, firstSeq, firstTs) => {
      const a = addon as RouterAddon;
      const r = a.routerNew();
      a.routerConnAdd(r, PUB, { rtcpSsrc: 1 });
      a.routerConnAdd(r, SUB_A, { rtcpSsrc: 2 });
      a.routerUpAdd(r, 1, { conn: PUB, video: true, mid: 'v', rids: ['q', 'h', 'f'], ssrcs: [11, 12, 13], codecOfPt: { 96: RouterCodec.vp8 }, clockRate: 90000, history: 256 });
      a.routerDownAdd(r, 2, { conn: SUB_A, up: 1, ssrc: 99, ptOfPt: { 96: 96 }, firstSeq, firstTs, history: 256, cname: 'x' });
      a.routerDownTarget(r, 2, 0, false);
      // The TypeScript model: DownTrack.write/skip/#retransmit over a LayerSelector, an RtpMunger
      // and the up-track's per-layer history.
      const sel = new LayerSelector(true);
      sel.setAvailable([0, 1, 2]);
      sel.setMax(0);
      let target = 0;
      let resync = false;
      const munger = new RtpMunger({ firstSeq, firstTimestamp: firstTs, historySize: 256 });
      const history = [new Map<number, number>(), new Map<number, number>(), new Map<number, number>()]; // seq → ts
      const outSeqs: number[] = [];
      const seq = [100, 30000, 65500];
      const ts = [0, 1 << 30, 0xfffff000];
      let nowMs = 1000;
      let held: Sent | undefined;
      const deliver = (p: Sent) => {
        const pkt = p.padding ? rtp({ seq: p.seq, ts: p.ts, ssrc: 11 + p.layer, payload: [], pad: 4 }) : rtp({ seq: p.seq, ts: p.ts, ssrc: 11 + p.layer, payload: [...vp8(p.key), 1] });
        const native = rtpOut(a.routerRtp(r, PUB, pkt, nowMs * 1000)).map((o) => [o.data.readUInt16BE(2), o.data.readUInt32BE(4)]);
        history[p.layer].set(p.seq, p.ts);
        let expected: number[][] = [];
        if (p.padding) {
          if (sel.current === p.layer) munger.skip(p.layer, p.seq);
        } else {
          const before = sel.current;
          if (sel.accept(p.layer, p.key)) {
            if (before !== sel.current) resync = true;
            if (resync) {
              resync = false;
              munger.restart();
            }
            const ids = munger.map(p.layer, p.seq, p.ts, nowMs, 90000);
            if (ids) expected = [[ids.seq, ids.timestamp]];
          }
        }
        assert.deepEqual(native, expected);
        for (const [s] of native) outSeqs.push(s);
      };
      for (const s of steps) {
        nowMs += 7;
        if (s.kind === 'target' || s.kind === 'pause') {
          const pause = s.kind === 'pause';
          if (!pause) target = s.layer;
          a.routerDownTarget(r, 2, target, pause);
          if ((pause ? -1 : target) < 0 !== sel.target < 0) resync = true; // DownTrack.setPreference
          sel.setMax(pause ? -1 : target);
          continue;
        }
        if (s.kind === 'nack') {
          const lost = outSeqs.slice(-1 - s.back).slice(0, 3);
          if (lost.length === 0) continue;
          const native = a.routerRtcp(r, SUB_A, buildNack(2, 99, lost), nowMs * 1000).out.map((o) => [o.data.readUInt16BE(2), o.data.readUInt32BE(4)]);
          const expected = [...new Set(lost)].sort((x, y) => x - y).flatMap((outSeq) => {
            const rec = munger.lookup(outSeq);
            const srcTs = rec && history[rec.source].get(rec.sourceSeq);
            if (!rec || srcTs === undefined || rec.source !== sel.current) return [];
            return [[outSeq, (srcTs + rec.timestampOffset) >>> 0]];
          });
          assert.deepEqual(native.sort((x, y) => x[0] - y[0]), expected.sort((x, y) => x[0] - y[0]));
          continue;
        }
        const p = { layer: s.layer, seq: seq[s.layer], ts: ts[s.layer], key: s.key, padding: s.padding };
        seq[s.layer] = (seq[s.layer] + 1) & 0xffff;
        ts[s.layer] = (ts[s.layer] + 3000) >>> 0;
        if (s.lose) continue;
        if (s.swap && !held) {
          held = p; // delivered after the next packet: reordered
          continue;
        }
        deliver(p);
        if (held) {
          deliver(held);
          held = undefined;
        }
      }
    }),
    { numRuns: 40 },
  );
});

// ---- robustness ------------------------------------------------------------------------------

test('property: random bytes as RTP or RTCP, from a publisher or a subscriber, never crash and are counted', { skip }, () => {
  const s = setup();
  const { a, r } = s;
  simulcast(s);
  assert.equal(a.routerDownAdd(r, 500, down(SUB_A, 20, 0xd5, { twcc: 4 })), 0);
  let now = 1;
  // Arbitrary bytes, and arbitrary bytes behind a plausible RTP/RTCP first byte.
  const bytes = fc.oneof(fc.uint8Array({ maxLength: 1600, size: 'max' }), fc.uint8Array({ minLength: 1, maxLength: 200, size: 'max' }).map((b) => ((b[0] = 0x80 | (b[0] & 0x3f)), b)));
  fc.assert(
    fc.property(bytes, fc.constantFrom(PUB, SUB_A, 77), fc.boolean(), (b, conn, isRtcp) => {
      const res = isRtcp ? a.routerRtcp(r, conn, b, (now += 500)) : a.routerRtp(r, conn, b, (now += 500));
      assert.ok(decodeRouterEvents(res.events).ok);
      if (now % 7 === 0) a.routerTick(r, now, 0);
    }),
    { numRuns: 2000 },
  );
  const before = a.routerCounters(r).droppedMalformed;
  a.routerRtp(r, PUB, Buffer.from([0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]), (now += 1)); // version 1
  a.routerRtp(r, PUB, Buffer.from([0x80, 96, 0]), (now += 1)); // short
  a.routerRtp(r, PUB, Buffer.from([0xa0, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 200]), (now += 1)); // padding past the header
  a.routerRtcp(r, SUB_A, Buffer.from([0x81, 201, 0, 9, 0, 0, 0, 0]), (now += 1)); // length past the end
  assert.equal(a.routerCounters(r).droppedMalformed, before + 4);
});
