/**
 * The native media router (native/src/sfu/router*.c) driven packet by packet through the addon's
 * test surface: forwarding and rewriting, MID/RID binding, simulcast switching on keyframes,
 * NACKs both ways, RTCP it sends, padding, removal, two-byte extensions. The property tests are
 * in router-properties.test.ts, VP9 SVC in router-svc.test.ts. Skipped when the addon is not built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seqDelta } from '../../../src/sfu/rtp/munger.ts';
import { buildFir, buildNack, buildPli, buildRemb, buildRr, buildSdes, buildSr, compound } from '../../../src/sfu/rtp/rtcp.ts';
import { parseRtp, readExtensions } from '../../../src/sfu/rtp/rtp-packet.ts';
import { twccSentPackets, type RouterEvent } from '../../../src/sfu/native/router-events.ts';
import { RouterCodec, type RouterAddon, type RouterResultBatch } from '../../../src/sfu/native/router-spec.ts';
import { addon, skip, EXT, PUB, SUB_A, SUB_B, rtp, text, vp8, events, rtpOut, rtcpOf, table, setup, down, simulcast } from './router-fixtures.ts';

test('RTP is forwarded to every down-track with its SSRC, payload type, numbering and extension ids', { skip }, () => {
  const { a, r } = setup();
  assert.equal(a.routerUpAdd(r, 10, { conn: PUB, video: false, mid: 'a', codecOfPt: { 111: RouterCodec.opus }, clockRate: 48000, history: 32 }), 0);
  assert.equal(a.routerUpAdd(r, 11, { conn: PUB, video: true, mid: 'v', codecOfPt: table(128, { 96: RouterCodec.vp8 }), clockRate: 90000, history: 32 }), 0);
  assert.equal(a.routerDownAdd(r, 100, down(SUB_A, 10, 0xa1, { twcc: 4, firstSeq: 65534 })), 0);
  assert.equal(a.routerDownAdd(r, 101, down(SUB_B, 10, 0xb1, { twcc: 4 })), 0);
  assert.equal(a.routerDownAdd(r, 102, down(SUB_A, 11, 0xa2, { twcc: 4, firstTs: 0xfffffff0 })), 0);
  assert.equal(a.routerDownAdd(r, 103, down(SUB_A, 99, 0xa3)), -2, 'no such up-stream');

  const twcc = new Map<number, number[]>();
  for (let i = 0; i < 6; i++) {
    const audio = rtp({ pt: 111, seq: 300 + i, ts: 960 * i, ssrc: 0xaaaa, ext: [[EXT.mid, text('a')], [EXT.level, [0x80 | (i * 20)]], [EXT.abs, [1, 2, 3]], [EXT.unneeded, [9]]], payload: [7, 7, i] });
    const video = rtp({ pt: 96, seq: 40000 + i, ts: 3000 * i, ssrc: 0xbbbb, ext: [[EXT.mid, text('v')], [EXT.abs, [4, 5, 6]]], payload: [...vp8(i === 0), i] });
    for (const [pkt, conns] of [[audio, [SUB_A, SUB_B]], [video, [SUB_A]]] as const) {
      const res = a.routerRtp(r, PUB, pkt, 1_000_000 + i * 20_000);
      const outs = rtpOut(res);
      assert.deepEqual(outs.map((o) => o.conn).sort(), [...conns].sort());
      const src = parseRtp(pkt);
      assert.ok(src.ok);
      for (const o of outs) {
        const p = parseRtp(o.data);
        assert.ok(p.ok);
        const isAudio = pkt === audio;
        assert.equal(p.rtp.ssrc, isAudio ? (o.conn === SUB_A ? 0xa1 : 0xb1) : 0xa2);
        assert.equal(p.rtp.payloadType, isAudio ? 101 : 100);
        if (isAudio && o.conn === SUB_A) assert.equal(p.rtp.sequenceNumber, (65534 + i) & 0xffff, 'numbering from firstSeq, across the wrap');
        if (!isAudio) assert.equal(p.rtp.timestamp, (0xfffffff0 + 3000 * i) >>> 0, 'timestamps from firstTs, across the wrap');
        assert.deepEqual(o.data.subarray(p.rtp.payloadOffset), pkt.subarray(src.rtp.payloadOffset), 'payload intact');
        const exts = readExtensions(o.data, p.rtp).map((e) => [e.id, [...o.data.subarray(e.offset, e.offset + e.length)]]);
        const ids = exts.map(([id]) => id);
        assert.ok(!ids.includes(EXT.mid) && !ids.includes(EXT.unneeded), 'extensions the subscriber did not negotiate are dropped');
        assert.deepEqual(exts.find(([id]) => id === 2)?.[1], isAudio ? [1, 2, 3] : [4, 5, 6], 'abs-send-time renamed 6 → 2');
        if (o.conn === SUB_A) {
          const t = exts.find(([id]) => id === 4)?.[1] as number[];
          assert.ok(t, 'transport-wide sequence number written');
          twcc.set(o.conn, [...(twcc.get(o.conn) ?? []), (t[0] << 8) | t[1]]);
        }
      }
    }
  }
  // One counter per subscriber connection, across its two tracks.
  assert.deepEqual(twcc.get(SUB_A), Array.from({ length: 12 }, (_, i) => i));
  const tick = a.routerTick(r, 1_200_000, Date.UTC(2026, 0, 1));
  const sent = events(tick).flatMap((e) => (e.type === 'twccSent' ? [e] : []));
  assert.deepEqual(sent.map((e) => e.conn).sort(), [SUB_A, SUB_B]);
  assert.deepEqual(twccSentPackets(sent.find((e) => e.conn === SUB_A)?.records ?? Buffer.alloc(0)).map((p) => p.seq), twcc.get(SUB_A), 'sent records for the estimator');
  assert.deepEqual(twccSentPackets(sent.find((e) => e.conn === SUB_B)?.records ?? Buffer.alloc(0)).map((p) => p.seq), [0, 1, 2, 3, 4, 5]);
  // Layer figures come every tenth tick (200 ms).
  const more = Array.from({ length: 9 }, () => a.routerTick(r, 1_200_000, Date.UTC(2026, 0, 1)));
  const stats = [tick, ...more].flatMap((t) => events(t)).flatMap((e) => (e.type === 'layerStats' ? [e] : []));
  assert.deepEqual(
    stats.map((e) => [e.up, e.layer, e.idleMs]).sort((x, y) => x[0] - y[0]),
    [
      [10, 0, 100],
      [11, 0, 100],
    ],
    'per layer: bytes so far and ms since the last packet',
  );
  assert.ok(stats.every((e) => e.bytes > 6 * 12));
  assert.deepEqual(events(a.routerTick(r, 1_220_000, 0)).filter((e) => e.type === 'layerStats'), [], 'only layers that received media since');
  const audio = [tick, ...more].flatMap((t) => events(t)).find((e) => e.type === 'audio');
  assert.deepEqual(audio, { type: 'audio', up: 10, speaking: 3, packets: 6, minLevel: 0 });
  const c = a.routerCounters(r);
  assert.equal(c.rtpIn, 12);
  assert.equal(c.rtpOut, 18);
});

test('RID simulcast: SSRCs bound by MID+RID, start and switches only on a keyframe of the target layer', { skip }, () => {
  const s = setup();
  const { a, r } = s;
  const { send } = simulcast(s);
  assert.equal(a.routerDownAdd(r, 200, down(SUB_A, 20, 0xd0)), 0);
  assert.equal(a.routerDownTarget(r, 200, 0, false), 0);
  assert.equal(a.routerDownTarget(r, 200, 3, false), -4, 'no layer 3');

  let now = 1_000_000;
  const bound: RouterEvent[] = [];
  for (let layer = 0; layer < 3; layer++) {
    const { res } = send(layer, false, (now += 1000));
    bound.push(...events(res).filter((e) => e.type === 'ssrc'));
    assert.equal(rtpOut(res).length, 0, 'nothing before a keyframe');
  }
  assert.deepEqual(bound, [
    { type: 'ssrc', up: 20, layer: 0, ssrc: 0x100 },
    { type: 'ssrc', up: 20, layer: 1, ssrc: 0x200 },
    { type: 'ssrc', up: 20, layer: 2, ssrc: 0x300 },
  ]);
  // Audio on the same connection: bound by its MID alone.
  const audio = a.routerRtp(r, PUB, rtp({ pt: 111, seq: 1, ts: 0, ssrc: 0x400, ext: [[EXT.mid, text('1')]] }), (now += 1000));
  assert.deepEqual(events(audio).filter((e) => e.type === 'ssrc'), [{ type: 'ssrc', up: 21, layer: 0, ssrc: 0x400 }]);
  // An SSRC whose MID matches nothing is reported.
  const stray = a.routerRtp(r, PUB, rtp({ pt: 111, seq: 1, ts: 0, ssrc: 0x999, ext: [[EXT.mid, text('zz')]] }), (now += 1000));
  assert.deepEqual(events(stray), [{ type: 'unknown', conn: PUB, ssrc: 0x999 }]);

  // A keyframe of another layer does not start it; the target's does.
  assert.equal(rtpOut(send(1, true, (now += 1000)).res).length, 0);
  const start = send(0, true, (now += 1000)).res;
  assert.equal(rtpOut(start).length, 1);
  assert.deepEqual(events(start).filter((e) => e.type === 'layer'), [{ type: 'layer', down: 200, layer: 0 }]);
  const out: Buffer[] = [rtpOut(start)[0].data];
  for (let i = 0; i < 3; i++) out.push(...rtpOut(send(0, false, (now += 33_000)).res).map((o) => o.data));
  assert.equal(out.length, 4);

  // Switch to layer 2: layer 0 keeps flowing until layer 2's keyframe.
  assert.equal(a.routerDownTarget(r, 200, 2, false), 0);
  assert.equal(rtpOut(send(2, false, (now += 1000)).res).length, 0);
  out.push(...rtpOut(send(0, false, (now += 33_000)).res).map((o) => o.data));
  assert.equal(out.length, 5);
  const sw = send(2, true, (now += 10_000)).res;
  assert.deepEqual(events(sw).filter((e) => e.type === 'layer'), [{ type: 'layer', down: 200, layer: 2 }]);
  out.push(...rtpOut(sw).map((o) => o.data));
  assert.equal(rtpOut(send(0, false, (now += 1000)).res).length, 0, 'the old layer stops');
  out.push(...rtpOut(send(2, false, (now += 33_000)).res).map((o) => o.data));
  assert.equal(out.length, 7);
  const parsed = out.map((b) => {
    const p = parseRtp(b);
    assert.ok(p.ok);
    return p.rtp;
  });
  for (let i = 1; i < parsed.length; i++) {
    assert.equal(seqDelta(parsed[i - 1].sequenceNumber, parsed[i].sequenceNumber), 1, `continuous sequence at ${i}`);
    const dt = (parsed[i].timestamp - parsed[i - 1].timestamp) >>> 0;
    assert.ok(dt > 0 && dt < 10_000, `timestamp moves forward by a frame or the time elapsed at ${i} (${dt})`);
  }
  // At the switch the timestamp advances by the wall-clock time since the last packet (10 ms = 900).
  assert.equal((parsed[5].timestamp - parsed[4].timestamp) >>> 0, 900);
  assert.equal(parsed[0].sequenceNumber, 5000);
  assert.equal(parsed[0].timestamp, 777);

  // Paused: nothing; resumed: waits for a keyframe again.
  assert.equal(a.routerDownTarget(r, 200, 2, true), 0);
  assert.equal(rtpOut(send(2, true, (now += 33_000)).res).length, 0);
  assert.equal(a.routerDownTarget(r, 200, 2, false), 0);
  assert.equal(rtpOut(send(2, false, (now += 33_000)).res).length, 0);
  const resumed = rtpOut(send(2, true, (now += 33_000)).res);
  assert.equal(resumed.length, 1);
  const p = parseRtp(resumed[0].data);
  assert.ok(p.ok && seqDelta(parsed[6].sequenceNumber, p.rtp.sequenceNumber) === 1, 'no hole after the pause');
});

test('NACKs: subscribers get the same bytes again, publishers are asked for their gaps; PLI, SR, RR and REMB', { skip }, () => {
  const s = setup();
  const { a, r } = s;
  const { send } = simulcast(s);
  assert.equal(a.routerDownAdd(r, 300, down(SUB_B, 20, 0xe0)), 0);
  assert.equal(a.routerDownTarget(r, 300, 1, false), 0);
  let now = 2_000_000;
  const first: Buffer[] = [];
  first.push(...rtpOut(send(1, true, (now += 1000)).res).map((o) => Buffer.from(o.data)));
  for (let i = 0; i < 9; i++) first.push(...rtpOut(send(1, false, (now += 20_000)).res).map((o) => Buffer.from(o.data)));
  assert.equal(first.length, 10);
  const seqs = first.map((b) => b.readUInt16BE(2));
  const ask = [seqs[2], seqs[3], seqs[7], 12345];
  const answer = a.routerRtcp(r, SUB_B, buildNack(0x5b, 0xe0, ask), (now += 1000));
  assert.deepEqual(answer.out.map((o) => o.data), [first[2], first[3], first[7]], 'the same bytes, the same munged sequence numbers');
  assert.equal(a.routerCounters(r).retransmits, 3);
  assert.equal(events(answer).length, 0, 'a NACK answered natively is no event');

  // A PLI or a FIR from the subscriber is an event for JavaScript; REMB goes up as RTCP bytes.
  const pli = events(a.routerRtcp(r, SUB_B, buildPli(0x5b, 0xe0), (now += 1000)));
  assert.deepEqual(pli, [{ type: 'pli', down: 300 }]);
  const fir = events(a.routerRtcp(r, SUB_B, buildFir(0x5b, 0, 1).map((b, i) => (i >= 12 && i < 16 ? [0, 0, 0, 0xe0][i - 12] : b)), (now += 1000)));
  assert.deepEqual(fir, [{ type: 'pli', down: 300 }]);
  const remb = compound([buildRr(0x5b, []), buildRemb(0x5b, 300_000, [0xe0])]);
  const ev = events(a.routerRtcp(r, SUB_B, remb, (now += 1000)));
  assert.equal(ev.length, 1);
  assert.ok(ev[0].type === 'rtcp' && ev[0].conn === SUB_B && Buffer.compare(ev[0].packet, Buffer.from(remb)) === 0);
});

test('gaps in a publisher stream are NACKed on tick (bounded retries); tick sends SR+SDES, RR+REMB', { skip }, () => {
  const { a, r } = setup();
  assert.equal(a.routerUpAdd(r, 30, { conn: PUB, video: true, mid: 'v', codecOfPt: { 96: RouterCodec.vp8 }, ssrcs: [0xcafe], clockRate: 90000, history: 64, maxBitrate: 800_000 }), 0);
  assert.equal(a.routerDownAdd(r, 301, down(SUB_A, 30, 0xf0)), 0);
  const pkt = (seq: number, key = false) => rtp({ seq, ts: seq * 3000, ssrc: 0xcafe, payload: [...vp8(key), seq & 0xff] });
  let now = 10_000_000;
  for (const seq of [100, 101, 102, 105, 106]) a.routerRtp(r, PUB, pkt(seq, seq === 100), (now += 20_000));
  const nacks = (res: RouterResultBatch) => res.out.filter((o) => o.rtcp && o.conn === PUB).flatMap(rtcpOf).filter((p) => p.type === 'nack');
  now += 10_000;
  const first = nacks(a.routerTick(r, now, Date.UTC(2026, 0, 1)));
  assert.deepEqual(first, [{ type: 'nack', sender: 0x5f0, media: 0xcafe, lost: [103, 104] }]);
  assert.deepEqual(nacks(a.routerTick(r, now + 20_000, 0)), [], 'not again before the retry interval');
  a.routerRtp(r, PUB, pkt(103), now + 30_000); // repaired
  assert.deepEqual(nacks(a.routerTick(r, now + 110_000, 0)).flatMap((n) => (n.type === 'nack' ? n.lost : [])), [104]);
  assert.deepEqual(nacks(a.routerTick(r, now + 220_000, 0)).flatMap((n) => (n.type === 'nack' ? n.lost : [])), [104]);
  assert.deepEqual(nacks(a.routerTick(r, now + 330_000, 0)), [], 'three tries, then given up');
  assert.equal(a.routerCounters(r).nacksSent, 4);

  // Reports a second later: SR+SDES to the subscriber, RR (+REMB) to the publisher.
  const wall = Date.UTC(2026, 5, 1, 12, 0, 0, 500);
  const res = a.routerTick(r, now + 1_500_000, wall);
  const toSub = res.out.filter((o) => o.rtcp && o.conn === SUB_A).flatMap(rtcpOf);
  const sr = toSub.find((p) => p.type === 'sr');
  assert.ok(sr && sr.type === 'sr');
  assert.equal(sr.ssrc, 0xf0);
  assert.equal(sr.packets, 6);
  assert.equal(Number(sr.ntp >> 32n), Math.floor(wall / 1000) + 2208988800);
  assert.deepEqual(toSub.find((p) => p.type === 'sdes'), { type: 'sdes', chunks: [{ ssrc: 0xf0, cname: 'cname-240' }] });
  const toPub = res.out.filter((o) => o.rtcp && o.conn === PUB).flatMap(rtcpOf);
  const rr = toPub.find((p) => p.type === 'rr');
  assert.ok(rr && rr.type === 'rr');
  assert.equal(rr.ssrc, 0x5f0);
  assert.equal(rr.reports.length, 1);
  assert.equal(rr.reports[0].ssrc, 0xcafe);
  assert.equal(rr.reports[0].highestSeq, 106);
  assert.equal(rr.reports[0].cumulativeLost, 1);
  assert.deepEqual(toPub.find((p) => p.type === 'remb'), { type: 'remb', sender: 0x5f0, bitrate: 800_000, ssrcs: [0xcafe] });
  // Subscriber feedback as JavaScript sees it: its SR from a publisher is an RTCP event too.
  const srIn = compound([buildSr(0xcafe, 1n << 40n, 0, 1, 1), buildSdes(0xcafe, 'pub')]);
  assert.equal(events(a.routerRtcp(r, PUB, srIn, now + 1_600_000))[0].type, 'rtcp');
  const rr2 = a.routerTick(r, now + 2_600_000, wall).out.filter((o) => o.rtcp && o.conn === PUB).flatMap(rtcpOf).find((p) => p.type === 'rr');
  assert.ok(rr2 && rr2.type === 'rr');
  assert.equal(rr2.reports[0].lastSr, Number((1n << 40n) >> 16n) >>> 0, 'LSR from the publisher\'s SR');
  assert.equal(rr2.reports[0].delaySinceLastSr, 65536, 'one second since it');
});

/** A simulcast publisher whose top layer sent one delta frame at 1 s, and a subscriber waiting for its keyframe. */
function waitingForKeyframe() {
  const s = setup();
  const { send, ssrcs } = simulcast(s);
  assert.equal(s.a.routerDownAdd(s.r, 400, down(SUB_A, 20, 0xd4)), 0);
  send(2, false, 1_000_000);
  const plis = (res: RouterResultBatch) => res.out.filter((o) => o.rtcp && o.conn === PUB).flatMap(rtcpOf).filter((p) => p.type === 'pli');
  return { ...s, send, ssrcs, plis };
}

test('a subscriber waiting for a keyframe of its target makes the router ask the publisher (rate-limited)', { skip }, () => {
  const { a, r, send, ssrcs, plis } = waitingForKeyframe();
  assert.deepEqual(plis(a.routerTick(r, 1_020_000, 0)), [{ type: 'pli', sender: 0x5f0, media: ssrcs[2] }]);
  assert.deepEqual(plis(a.routerTick(r, 1_040_000, 0)), []);
  assert.deepEqual(plis(a.routerRequestKeyframe(r, 20, 2)), [{ type: 'pli', sender: 0x5f0, media: ssrcs[2] }], 'an explicit request is sent at once');
  const key = send(2, true, 1_050_000).res;
  assert.deepEqual(events(key).filter((e) => e.type === 'keyframe'), [{ type: 'keyframe', up: 20, layer: 2 }]);
  assert.deepEqual(plis(a.routerTick(r, 3_000_000, 0)), [], 'no more once the layer is carried');
});

test('no keyframe is asked of a layer that has sent nothing for a second, until it sends again', { skip }, () => {
  const { a, r, send, ssrcs, plis } = waitingForKeyframe();
  let asked = 0;
  for (let t = 1_020_000; t <= 11_000_000; t += 20_000) asked += plis(a.routerTick(r, t, 0)).length;
  assert.equal(asked, 2, 'at 1.02 s and 1.52 s; the layer is quiet after 2 s');
  assert.deepEqual(plis(a.routerRequestKeyframe(r, 20, 2)), [{ type: 'pli', sender: 0x5f0, media: ssrcs[2] }], "a subscriber's own request still goes through");
  send(2, false, 11_010_000);
  assert.deepEqual(plis(a.routerTick(r, 11_020_000, 0)), [{ type: 'pli', sender: 0x5f0, media: ssrcs[2] }], 'asked again once it flows');
});

test('padding-only packets are not forwarded and leave no hole', { skip }, () => {
  const { a, r } = setup();
  assert.equal(a.routerUpAdd(r, 40, { conn: PUB, video: true, mid: 'v', codecOfPt: { 96: RouterCodec.vp8 }, ssrcs: [0xabc], clockRate: 90000, history: 64 }), 0);
  assert.equal(a.routerDownAdd(r, 401, down(SUB_A, 40, 0xf1)), 0);
  const out: number[] = [];
  for (let seq = 1; seq <= 6; seq++) {
    const padding = seq === 3 || seq === 4;
    const pkt = padding ? rtp({ seq, ts: 0, ssrc: 0xabc, payload: [], pad: 200 }) : rtp({ seq, ts: seq * 3000, ssrc: 0xabc, payload: [...vp8(seq === 1)] });
    out.push(...rtpOut(a.routerRtp(r, PUB, pkt, seq * 20_000)).map((o) => o.data.readUInt16BE(2)));
  }
  assert.deepEqual(out, [5000, 5001, 5002, 5003]);
});

test('removing a connection removes its tracks; ids can be reused', { skip }, () => {
  const { a, r } = setup();
  assert.equal(a.routerUpAdd(r, 50, { conn: PUB, video: false, mid: 'a', codecOfPt: { 111: RouterCodec.opus }, ssrcs: [0x55], clockRate: 48000 }), 0);
  assert.equal(a.routerDownAdd(r, 501, down(SUB_A, 50, 0x66)), 0);
  assert.equal(rtpOut(a.routerRtp(r, PUB, rtp({ pt: 111, seq: 1, ts: 1, ssrc: 0x55 }), 1000)).length, 1);
  assert.equal(a.routerRemove(r, 'conn', SUB_A), 0);
  assert.equal(a.routerRemove(r, 'down', 501), -2, 'went with its connection');
  assert.equal(rtpOut(a.routerRtp(r, PUB, rtp({ pt: 111, seq: 2, ts: 2, ssrc: 0x55 }), 2000)).length, 0);
  assert.equal(a.routerRemove(r, 'conn', PUB), 0);
  assert.equal(a.routerRemove(r, 'up', 50), -2);
  assert.equal(a.routerConnAdd(r, PUB, { rtcpSsrc: 1 }), 0);
  assert.equal(a.routerUpAdd(r, 50, { conn: PUB, video: false, mid: 'a', codecOfPt: { 111: RouterCodec.opus }, clockRate: 48000 }), 0);
});

test('two-byte header extensions (RFC 8285 §4.3) are read and rewritten; a repaired-RID stream does not take a layer', { skip }, () => {
  const a = addon as RouterAddon;
  const r = a.routerNew();
  assert.equal(a.routerConnAdd(r, PUB, { rtcpSsrc: 1 }), 0);
  // Extension ids are known once the SDP is negotiated, after the connection exists.
  assert.equal(a.routerConnSet(r, PUB, { extMid: 1, extRid: 2, extRepairedRid: 10, rtcpSsrc: 1 }), 0);
  assert.equal(a.routerConnSet(r, 42, { rtcpSsrc: 1 }), -2);
  assert.equal(a.routerConnAdd(r, SUB_A, { rtcpSsrc: 2 }), 0);
  assert.equal(a.routerUpAdd(r, 60, { conn: PUB, video: false, mid: 'm', codecOfPt: { 111: RouterCodec.opus }, clockRate: 48000 }), 0);
  assert.equal(a.routerDownAdd(r, 600, { conn: SUB_A, up: 60, ssrc: 0x60, ptOfPt: { 111: 111 }, extOfExt: { 20: 3 }, firstSeq: 1, firstTs: 1, cname: 'c' }), 0);
  /** Two-byte form: id, length, data; a 0-length element is legal there. */
  const twoByte = (ssrc: number, seq: number, ext: [number, number[]][]) => {
    const body = ext.flatMap(([id, d]) => [id, d.length, ...d]);
    while (body.length % 4) body.push(0);
    const b = rtp({ pt: 111, seq, ts: seq * 960, ssrc, payload: [5, 6] });
    const out = Buffer.concat([b.subarray(0, 12), Buffer.from([0x10, 0x00, 0, body.length / 4, ...body]), b.subarray(12)]);
    out[0] |= 0x10;
    return out;
  };
  // A retransmission stream naming a repaired RID: not bound, reported.
  const rtx = a.routerRtp(r, PUB, twoByte(0x77, 1, [[1, [...Buffer.from('m')]], [10, [...Buffer.from('x')]]]), 1000);
  assert.deepEqual(events(rtx), [{ type: 'unknown', conn: PUB, ssrc: 0x77 }]);
  const res = a.routerRtp(r, PUB, twoByte(0x55, 2, [[1, [...Buffer.from('m')]], [30, []], [20, [0xaa, 0xbb]]]), 2000);
  assert.deepEqual(events(res), [
    { type: 'ssrc', up: 60, layer: 0, ssrc: 0x55 },
    { type: 'first', up: 60, pt: 111 },
  ]);
  const [o] = rtpOut(res);
  const p = parseRtp(o.data);
  assert.ok(p.ok);
  assert.equal(o.data.readUInt16BE(p.rtp.extensionOffset), 0xbede, 'what fits the one-byte form is written in it');
  assert.deepEqual(readExtensions(o.data, p.rtp).map((e) => [e.id, [...o.data.subarray(e.offset, e.offset + e.length)]]), [[3, [0xaa, 0xbb]]]);
  assert.deepEqual([...o.data.subarray(p.rtp.payloadOffset)], [5, 6]);
});
