/**
 * What the native media router's tests share (router.test.ts, router-properties.test.ts,
 * router-svc.test.ts): the addon's router surface (or why it is missing), a router with a
 * publisher and two subscriber connections, RTP packets with one-byte extensions, a simulcast
 * publisher learnt by MID/RID, and readers for the router's output and events.
 */
import assert from 'node:assert/strict';
import { loadAddon } from '../../../src/dataplane/native/addon.ts';
import { parseRtcp, type RtcpPacket } from '../../../src/sfu/rtp/rtcp.ts';
import { writeRtpIds } from '../../../src/sfu/rtp/rtp-packet.ts';
import { decodeRouterEvents, type RouterEvent } from '../../../src/sfu/native/router-events.ts';
import { RouterCodec, type RouterAddon, type RouterHandle, type RouterOut, type RouterResultBatch } from '../../../src/sfu/native/router-spec.ts';

const loaded = loadAddon();
export const addon = loaded.ok && typeof (loaded.addon as unknown as Partial<RouterAddon>).routerNew === 'function' ? (loaded.addon as unknown as RouterAddon) : undefined;
export const skip = addon ? false : loaded.ok ? 'the native addon was built without the media router (node scripts/build-native.mjs)' : loaded.reason;

/** Header-extension ids on the publisher's connection and what subscribers negotiated. */
export const EXT = { mid: 1, rid: 2, level: 3, twcc: 5, abs: 6, unneeded: 7 } as const;
export const PUB = 1;
export const SUB_A = 2;
export const SUB_B = 3;

/** An RTP packet with one-byte extensions (RFC 8285 §4.2). */
export function rtp(o: { pt?: number; seq: number; ts: number; ssrc: number; ext?: [number, Uint8Array | number[]][]; payload?: number[]; pad?: number; marker?: boolean }): Buffer {
  const body: number[] = [];
  for (const [id, data] of o.ext ?? []) body.push((id << 4) | (data.length - 1), ...data);
  while (body.length % 4) body.push(0);
  const block = body.length ? [0xbe, 0xde, 0, body.length / 4, ...body] : [];
  const payload = o.payload ?? [0x00, 0x01, 0x02, 0x03];
  const pad = o.pad ?? 0;
  const b = Buffer.alloc(12 + block.length + payload.length + pad);
  b[0] = 0x80 | (block.length ? 0x10 : 0) | (pad ? 0x20 : 0);
  b[1] = (o.marker ? 0x80 : 0) | (o.pt ?? 96);
  writeRtpIds(b, o.seq & 0xffff, o.ts >>> 0, o.ssrc >>> 0);
  b.set(block, 12);
  b.set(payload, 12 + block.length);
  if (pad) b[b.length - 1] = pad;
  return b;
}

export const text = (s: string) => [...Buffer.from(s)];
/** VP8 payload descriptor + header (RFC 7741 §4.2-4.3): S=1, partition 0, P bit clear on a keyframe. */
export const vp8 = (key: boolean) => [0x10, key ? 0x00 : 0x01, 0x9d, 0x01, 0x2a];

export function events(r: RouterResultBatch): RouterEvent[] {
  const d = decodeRouterEvents(r.events);
  assert.ok(d.ok, d.ok ? '' : d.reason);
  return d.events;
}

export function rtpOut(r: RouterResultBatch, conn?: number): RouterOut[] {
  return r.out.filter((o) => !o.rtcp && (conn === undefined || o.conn === conn));
}

export function rtcpOf(o: RouterOut): RtcpPacket[] {
  const p = parseRtcp(o.data);
  assert.ok(p.ok, p.ok ? '' : p.reason);
  return p.packets;
}

/** Maps 0..n-1 to the same value, with overrides. */
export const table = (n: number, entries: Record<number, number>): number[] => Array.from({ length: n }, (_, i) => entries[i] ?? (n === 128 ? 0xff : 0));

export interface Setup {
  readonly a: RouterAddon;
  readonly r: RouterHandle;
}

export function setup(): Setup {
  const a = addon as RouterAddon;
  const r = a.routerNew();
  assert.equal(a.routerConnAdd(r, PUB, { extMid: EXT.mid, extRid: EXT.rid, extAudioLevel: EXT.level, extTransportCc: EXT.twcc, rtcpSsrc: 0x5f0 }), 0);
  assert.equal(a.routerConnAdd(r, SUB_A, { rtcpSsrc: 0x5a }), 0);
  assert.equal(a.routerConnAdd(r, SUB_B, { rtcpSsrc: 0x5b }), 0);
  assert.equal(a.routerConnAdd(r, SUB_B, { rtcpSsrc: 0x5b }), -1, 'an id is added once');
  return { a, r };
}

/** Subscriber payload type 100 for VP8 96 and 101 for Opus 111; abs-send-time 6 → 2, audio level 3 → 8; the rest dropped. */
export function down(conn: number, up: number, ssrc: number, extra: { twcc?: number; history?: number; firstSeq?: number; firstTs?: number } = {}) {
  return {
    conn,
    up,
    ssrc,
    ptOfPt: { 96: 100, 111: 101 },
    extOfExt: { [EXT.abs]: 2, [EXT.level]: 8 },
    extTransportCc: extra.twcc ?? 0,
    firstSeq: extra.firstSeq ?? 5000,
    firstTs: extra.firstTs ?? 777,
    history: extra.history ?? 128,
    cname: `cname-${ssrc}`,
  };
}

/** Simulcast publisher up-stream 20 (q, h, f) and audio up-stream 21, both learnt by MID/RID. */
export function simulcast(s: Setup) {
  const { a, r } = s;
  assert.equal(a.routerUpAdd(r, 20, { conn: PUB, video: true, mid: '0', rids: ['q', 'h', 'f'], codecOfPt: { 96: RouterCodec.vp8 }, clockRate: 90000, history: 64, maxBitrate: 1_500_000 }), 0);
  assert.equal(a.routerUpAdd(r, 21, { conn: PUB, video: false, mid: '1', codecOfPt: { 111: RouterCodec.opus }, clockRate: 48000, history: 32 }), 0);
  const seq = [1000, 20000, 40000];
  const ssrcs = [0x100, 0x200, 0x300];
  const rids = ['q', 'h', 'f'];
  /** One packet of a layer; the next call continues its numbering (ts: 3000 per packet). */
  const send = (layer: number, key: boolean, nowUs: number) => {
    const n = seq[layer]++;
    const pkt = rtp({ seq: n, ts: (n - [1000, 20000, 40000][layer]) * 3000 + layer * 1_000_000, ssrc: ssrcs[layer], ext: [[EXT.mid, text('0')], [EXT.rid, text(rids[layer])]], payload: [...vp8(key), layer] });
    return { pkt, res: a.routerRtp(r, PUB, pkt, nowUs) };
  };
  return { send, ssrcs };
}
