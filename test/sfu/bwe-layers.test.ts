/**
 * Layer choice from a bandwidth estimate: the hysteresis of {@link LayerCap}, the split of an
 * estimate over tracks, and a down-track fed REMB through RTCP switching layers at keyframes,
 * with the layer nobody receives not forwarded (paused). Times are injected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocateLayers, LayerCap } from '../../src/sfu/bwe/layer-cap.ts';
import { DownTrack } from '../../src/sfu/media/down-track.ts';
import { UpTrack, type UpTrackInfo } from '../../src/sfu/media/up-track.ts';
import { newMediaCounters } from '../../src/sfu/media/counters.ts';
import { SubscriberBandwidth } from '../../src/sfu/media/subscriber-bandwidth.ts';
import { buildRemb } from '../../src/sfu/rtp/rtcp.ts';
import { findExtension, parseRtp, writeRtpIds } from '../../src/sfu/rtp/rtp-packet.ts';
import { buildTwcc } from '../../src/sfu/rtp/twcc.ts';
import { FakeReceiveTrack, FakeSendTrack } from './media/fakes.ts';

const COSTS = [150_000, 500_000, 1_500_000];

test('a falling estimate moves the cap down at once; a rising one only after a long wait', () => {
  const c = new LayerCap(2);
  assert.equal(c.update(2_000_000, COSTS, 2, 0), 2);
  assert.equal(c.update(400_000, COSTS, 2, 100), 0, 'fell: down to the layer that fits');
  const ramp = new LayerCap(2);
  let t = 0;
  for (let bps = 200_000; t < 7000; t += 500, bps += 10_000) assert.equal(ramp.update(bps, COSTS, 2, t), 2, `rising at ${t} ms`);
  assert.equal(ramp.update(300_000, COSTS, 2, 9000), 0, 'below the cost for 8 s');
});

test('up directly with headroom held for a second; the preference stays an upper bound', () => {
  const c = new LayerCap(2);
  c.update(2_000_000, COSTS, 2, 0);
  c.update(200_000, COSTS, 2, 10);
  assert.equal(c.cap, 0);
  assert.equal(c.update(700_000, COSTS, 2, 20), 0, 'fits with headroom, not yet for a second');
  assert.equal(c.update(700_000, COSTS, 2, 1100), 1);
  assert.equal(c.update(5_000_000, COSTS, 1, 2200), 1, 'preferLayer(medium) caps it');
  assert.equal(c.update(5_000_000, COSTS, -1, 2300), -1, 'video off');
});

test('up by trial when the estimate cannot show the room (REMB): kept if it grows, dropped and backed off if it falls', () => {
  const c = new LayerCap(2);
  c.update(2_000_000, COSTS, 2, 0);
  c.update(280_000, COSTS, 2, 10);
  assert.equal(c.cap, 0);
  assert.equal(c.update(280_000, COSTS, 2, 1000), 0, 'quiet spell first');
  assert.equal(c.update(280_000, COSTS, 2, 3100), 1, 'trial of the next layer after 3 s');
  assert.ok(c.trying);
  assert.equal(c.update(200_000, COSTS, 2, 3600), 0, 'the estimate fell: the trial congested the path');
  assert.equal(c.update(280_000, COSTS, 2, 7000), 0, 'the next trial waits twice as long');
  assert.equal(c.update(280_000, COSTS, 2, 9700), 1);
  assert.equal(c.update(520_000, COSTS, 2, 12_000), 1, 'grew to carry the layer: trial over');
  assert.equal(c.trying, false);
});

test('an estimate is split: audio first, then equal shares, unused share passed on', () => {
  const a = new LayerCap(2);
  const b = new LayerCap(2);
  allocateLayers(4_000_000, 100_000, [{ cap: a, layerBps: COSTS, top: 2 }, { cap: b, layerBps: COSTS, top: 2 }], 0);
  assert.deepEqual([a.cap, b.cap], [2, 2]);
  allocateLayers(800_000, 100_000, [{ cap: a, layerBps: COSTS, top: 0 }, { cap: b, layerBps: COSTS, top: 2 }], 100);
  assert.equal(a.cap, 0, 'preference low');
  assert.equal(b.cap, 1, '700 k less 150 k for the first track leaves room for the medium layer');
});

const vp8 = { name: 'vp8' as const, codec: { pt: 96, name: 'VP8', clockRate: 90000, channels: undefined, fmtp: undefined, rtcpFb: [] } };

function vp8Packet(seq: number, ts: number, ssrc: number, rid: string, keyframe: boolean, padding = false): Buffer {
  const ext = [0xbe, 0xde, 0, 1, (10 << 4) | 0, rid.charCodeAt(0), 0, 0];
  const body = padding ? [0, 0, 0, 4] : [0x10, keyframe ? 0x00 : 0x01, seq & 0xff, ...new Array(200).fill(7)];
  const b = Buffer.alloc(12 + ext.length + body.length);
  b[0] = padding ? 0xb0 : 0x90;
  b[1] = 96;
  writeRtpIds(b, seq, ts, ssrc);
  b.set(ext, 12);
  b.set(body, 20);
  return b;
}

test('a subscriber sending REMB is moved to the layer it can take, at a keyframe; the paused layers are not copied', () => {
  const counters = newMediaCounters();
  let now = 0;
  const info: UpTrackInfo = { id: 'v', kind: 'video', streamId: 's', trackId: 't', codecs: [vp8], extmaps: [{ id: 10, uri: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id' }], rids: ['q', 'h', 'f'] };
  const up = new UpTrack(info, new FakeReceiveTrack('0', 'video'), { maxPacketTrack: 64, maxBitrate: 0, rtcpSsrc: 1, counters, maxQueueDelayMs: 100, pliIntervalMs: 100, overloaded: () => false, onFirstPacket: () => {} }, () => now);
  const bandwidth = new SubscriberBandwidth(counters);
  const tx = new FakeSendTrack();
  const down = new DownTrack(up, tx, { ssrc: 9, payloadType: 96, clockRate: 90000, cname: 's', historySize: 64, bestQualityFirst: true, counters, firstSeq: 100, firstTimestamp: 0, wallClockMs: () => 0, now: () => now, bandwidth });
  down.setExtensions(new Map());
  up.addSink(down);
  const seq = [0, 1000, 2000];
  const send = (layer: number, keyframe: boolean, padding = false) => {
    const s = seq[layer]++;
    up.receive(vp8Packet(s, s * 3000, 100 + layer, ['q', 'h', 'f'][layer], keyframe, padding), now);
  };
  // One second of all three layers, about 90 / 280 / 930 kbit/s (packets of 232 bytes).
  const second = (keyframes: boolean) => {
    for (let i = 0; i < 50; i++) {
      now += 20;
      const key = keyframes && i === 25;
      send(0, key);
      for (let k = 0; k < 3; k++) send(1, key && k === 0);
      for (let k = 0; k < 10; k++) send(2, key && k === 0);
      up.tick(now);
      bandwidth.tick([down], now);
      down.tick(now);
    }
  };
  second(true);
  assert.equal(down.currentLayer, 2, 'no feedback yet: best layer');
  const before = counters.pausedLayerPackets;
  second(false);
  assert.ok(counters.pausedLayerPackets > before, 'q and h are paused while nobody receives them');
  // The subscriber's REMB falls to 200 kbit/s: the cap drops to q, the switch waits for q's keyframe.
  tx.onRtcp?.(Buffer.from(buildRemb(5, 1_000_000, [9])));
  second(false);
  tx.onRtcp?.(Buffer.from(buildRemb(5, 200_000, [9])));
  second(false);
  assert.equal(down.layerCap?.cap, 0);
  assert.equal(down.currentLayer, 2, 'still f until q has a keyframe');
  second(true);
  assert.equal(down.currentLayer, 0);
  assert.ok(counters.bandwidthFeedback >= 2 && counters.bandwidthLayerDowns === 1);
  // Padding-only packets are not forwarded, and leave no hole in the outgoing sequence.
  tx.sent.length = 0;
  now += 20;
  send(0, false);
  send(0, false, true);
  send(0, false);
  const seqs = tx.sent.map((p) => { const r = parseRtp(p); return r.ok ? r.rtp.sequenceNumber : -1; });
  assert.equal(seqs.length, 2);
  assert.equal((seqs[1] - seqs[0]) & 0xffff, 1);
  assert.equal(counters.paddingDropped, 1);
});

test('with transport-cc negotiated, each packet carries the connection\'s next transport-wide sequence number, and feedback reaches the estimator', () => {
  const counters = newMediaCounters();
  let now = 0;
  const info: UpTrackInfo = { id: 'v', kind: 'video', streamId: 's', trackId: 't', codecs: [vp8], extmaps: [], rids: [] };
  const up = new UpTrack(info, new FakeReceiveTrack('0', 'video'), { maxPacketTrack: 64, maxBitrate: 0, rtcpSsrc: 1, counters, maxQueueDelayMs: 100, pliIntervalMs: 100, overloaded: () => false, onFirstPacket: () => {} }, () => now);
  const bandwidth = new SubscriberBandwidth(counters);
  const txs = [new FakeSendTrack('1'), new FakeSendTrack('2')];
  const downs = txs.map((tx, i) => new DownTrack(up, tx, { ssrc: 9 + i, payloadType: 96, clockRate: 90000, cname: 's', historySize: 64, bestQualityFirst: true, counters, firstSeq: 100, firstTimestamp: 0, wallClockMs: () => 0, now: () => now, bandwidth }));
  downs[0].setExtensions(new Map());
  downs[0].setTransportSeqId(6);
  downs[1].setExtensions(new Map());
  downs[1].setTransportSeqId(6);
  for (const d of downs) up.addSink(d);
  for (let s = 0; s < 5; s++) {
    now += 10;
    const b = vp8Packet(s, s * 3000, 100, 'q', true);
    b[0] &= ~0x10; // no RID element: not simulcast
    up.receive(Buffer.from([...b.subarray(0, 12), ...b.subarray(20)]), now);
    for (const d of downs) d.tick(now); // the first packet makes the layer known; the rest flow
  }
  const twccOf = (p: Buffer): number => {
    const r = parseRtp(p);
    assert.ok(r.ok);
    const e = findExtension(p, r.rtp, 6);
    assert.ok(e && e.length === 2);
    return (p[e.offset] << 8) | p[e.offset + 1];
  };
  const all = [...txs[0].sent, ...txs[1].sent].map(twccOf).sort((a, b) => a - b);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7], 'one sequence shared by the connection\'s tracks');
  txs[0].onRtcp?.(Buffer.from(buildTwcc(7, 9, 0, 0, [100, 101, 110, 111, 120, 121, 130, 131])));
  assert.equal(bandwidth.source, 'twcc');
  assert.ok(bandwidth.estimateBps !== undefined);
});
