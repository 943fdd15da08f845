/**
 * RTCP codec for what an SFU reads and writes: SR/RR (RFC 3550 §6.4), SDES CNAME (§6.5), BYE
 * (§6.6), Generic NACK (RFC 4585 §6.2.1), PLI (§6.3.1), FIR (RFC 5104 §4.3.1), REMB
 * (draft-alvestrand-rmcat-remb-03) and transport-wide feedback (RTPFB FMT=15, `twcc.ts`). Pure; parsing a compound packet returns typed items or an
 * error value and never reads past the buffer.
 */

import { parseTwcc, type TwccFeedback } from './twcc.ts';

/** One reception report block (RFC 3550 §6.4.1). */
export interface ReportBlock {
  readonly ssrc: number;
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  readonly highestSeq: number;
  readonly jitter: number;
  readonly lastSr: number;
  readonly delaySinceLastSr: number;
}

/** One packet of a compound RTCP packet (RFC 3550 §6), as the SFU reads it. */
export type RtcpPacket =
  | { readonly type: 'sr'; readonly ssrc: number; readonly ntp: bigint; readonly rtpTimestamp: number; readonly packets: number; readonly octets: number; readonly reports: readonly ReportBlock[] }
  | { readonly type: 'rr'; readonly ssrc: number; readonly reports: readonly ReportBlock[] }
  | { readonly type: 'sdes'; readonly chunks: readonly { ssrc: number; cname: string | undefined }[] }
  | { readonly type: 'bye'; readonly ssrcs: readonly number[] }
  | { readonly type: 'nack'; readonly sender: number; readonly media: number; readonly lost: readonly number[] }
  | { readonly type: 'pli'; readonly sender: number; readonly media: number }
  | { readonly type: 'fir'; readonly sender: number; readonly entries: readonly { ssrc: number; seq: number }[] }
  | { readonly type: 'remb'; readonly sender: number; readonly bitrate: number; readonly ssrcs: readonly number[] }
  | { readonly type: 'twcc'; readonly feedback: TwccFeedback }
  | { readonly type: 'other'; readonly packetType: number; readonly fmt: number };

/** A parsed compound packet, or why it could not be parsed. */
export type RtcpParse = { readonly ok: true; readonly packets: RtcpPacket[] } | { readonly ok: false; readonly reason: string };

/** RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1). */
export const RtcpType = { SR: 200, RR: 201, SDES: 202, BYE: 203, APP: 204, RTPFB: 205, PSFB: 206 } as const;

const u32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const u16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];

function readBlocks(b: Uint8Array, o: number, count: number, end: number): ReportBlock[] | undefined {
  const out: ReportBlock[] = [];
  for (let i = 0; i < count; i++, o += 24) {
    if (o + 24 > end) return undefined;
    const lostRaw = (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7];
    out.push({
      ssrc: u32(b, o),
      fractionLost: b[o + 4],
      // 24-bit signed (RFC 3550 §6.4.1)
      cumulativeLost: lostRaw & 0x800000 ? lostRaw - 0x1000000 : lostRaw,
      highestSeq: u32(b, o + 8),
      jitter: u32(b, o + 12),
      lastSr: u32(b, o + 16),
      delaySinceLastSr: u32(b, o + 20),
    });
  }
  return out;
}

function readSdes(b: Uint8Array, o: number, count: number, end: number): RtcpPacket | undefined {
  const chunks: { ssrc: number; cname: string | undefined }[] = [];
  for (let c = 0; c < count; c++) {
    if (o + 4 > end) return undefined;
    const ssrc = u32(b, o);
    o += 4;
    let cname: string | undefined;
    while (o < end && b[o] !== 0) {
      if (o + 2 > end) return undefined;
      const len = b[o + 1];
      if (o + 2 + len > end) return undefined;
      if (b[o] === 1) cname = new TextDecoder().decode(b.subarray(o + 2, o + 2 + len));
      o += 2 + len;
    }
    o = (o + 4) & ~3; // the null item and padding to the next 32-bit boundary
    chunks.push({ ssrc, cname });
  }
  return { type: 'sdes', chunks };
}

function readFeedback(b: Uint8Array, pt: number, fmt: number, o: number, end: number): RtcpPacket | undefined {
  if (end - o < 12) return undefined;
  const sender = u32(b, o + 4);
  const media = u32(b, o + 8);
  const fci = o + 12;
  if (pt === RtcpType.RTPFB && fmt === 1) {
    const lost: number[] = [];
    for (let i = fci; i + 4 <= end; i += 4) {
      const pid = u16(b, i);
      const blp = u16(b, i + 2);
      lost.push(pid);
      for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) lost.push((pid + bit + 1) & 0xffff);
    }
    return { type: 'nack', sender, media, lost };
  }
  if (pt === RtcpType.RTPFB && fmt === 15) {
    const t = parseTwcc(b.subarray(o, end));
    // A malformed feedback message is skipped, not the compound packet around it.
    return t.ok ? { type: 'twcc', feedback: t.value } : { type: 'other', packetType: pt, fmt };
  }
  if (pt === RtcpType.PSFB && fmt === 1) return { type: 'pli', sender, media };
  if (pt === RtcpType.PSFB && fmt === 4) {
    const entries: { ssrc: number; seq: number }[] = [];
    for (let i = fci; i + 8 <= end; i += 8) entries.push({ ssrc: u32(b, i), seq: b[i + 4] });
    return { type: 'fir', sender, entries };
  }
  if (pt === RtcpType.PSFB && fmt === 15 && end - fci >= 8 && u32(b, fci) === 0x52454d42 /* "REMB" */) {
    const n = b[fci + 4];
    const exp = b[fci + 5] >> 2;
    const mantissa = ((b[fci + 5] & 3) << 16) | (b[fci + 6] << 8) | b[fci + 7];
    const ssrcs: number[] = [];
    for (let i = 0; i < n && fci + 8 + i * 4 + 4 <= end; i++) ssrcs.push(u32(b, fci + 8 + i * 4));
    return { type: 'remb', sender, bitrate: mantissa * 2 ** exp, ssrcs };
  }
  return { type: 'other', packetType: pt, fmt };
}

function readOne(b: Uint8Array, o: number, end: number): RtcpPacket | undefined {
  const count = b[o] & 0x1f;
  const pt = b[o + 1];
  switch (pt) {
    case RtcpType.SR: {
      if (end - o < 28) return undefined;
      const reports = readBlocks(b, o + 28, count, end);
      if (!reports) return undefined;
      const ntp = (BigInt(u32(b, o + 8)) << 32n) | BigInt(u32(b, o + 12));
      return { type: 'sr', ssrc: u32(b, o + 4), ntp, rtpTimestamp: u32(b, o + 16), packets: u32(b, o + 20), octets: u32(b, o + 24), reports };
    }
    case RtcpType.RR: {
      if (end - o < 8) return undefined;
      const reports = readBlocks(b, o + 8, count, end);
      return reports && { type: 'rr', ssrc: u32(b, o + 4), reports };
    }
    case RtcpType.SDES:
      return readSdes(b, o + 4, count, end);
    case RtcpType.BYE: {
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) {
        if (o + 8 + i * 4 > end) return undefined;
        ssrcs.push(u32(b, o + 4 + i * 4));
      }
      return { type: 'bye', ssrcs };
    }
    case RtcpType.RTPFB:
    case RtcpType.PSFB:
      return readFeedback(b, pt, count, o, end);
    default:
      return { type: 'other', packetType: pt, fmt: count };
  }
}

/** Parses a compound RTCP packet (RFC 3550 §6.1). */
export function parseRtcp(b: Uint8Array): RtcpParse {
  const packets: RtcpPacket[] = [];
  let o = 0;
  while (o + 4 <= b.length) {
    if (b[o] >> 6 !== 2) return { ok: false, reason: `RTCP version is not 2 at offset ${o}` };
    const len = (u16(b, o + 2) + 1) * 4;
    if (o + len > b.length) return { ok: false, reason: `RTCP length past the end at offset ${o}` };
    const p = readOne(b, o, o + len);
    if (!p) return { ok: false, reason: `malformed RTCP packet type ${b[o + 1]} at offset ${o}` };
    packets.push(p);
    o += len;
  }
  if (o !== b.length || packets.length === 0) return { ok: false, reason: 'trailing bytes or empty RTCP' };
  return { ok: true, packets };
}

// ---- builders -------------------------------------------------------------------------------

function header(buf: Uint8Array, count: number, pt: number): void {
  buf[0] = 0x80 | (count & 0x1f);
  buf[1] = pt;
  const words = buf.length / 4 - 1;
  buf[2] = words >> 8;
  buf[3] = words & 0xff;
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

function putBlock(b: Uint8Array, o: number, r: ReportBlock): void {
  put32(b, o, r.ssrc);
  const lost = Math.max(-0x800000, Math.min(0x7fffff, r.cumulativeLost)) & 0xffffff;
  put32(b, o + 4, ((r.fractionLost & 0xff) << 24) | lost);
  put32(b, o + 8, r.highestSeq);
  put32(b, o + 12, r.jitter);
  put32(b, o + 16, r.lastSr);
  put32(b, o + 20, r.delaySinceLastSr);
}

/** Picture Loss Indication (RFC 4585 §6.3.1). */
export function buildPli(sender: number, media: number): Uint8Array {
  const b = new Uint8Array(12);
  header(b, 1, RtcpType.PSFB);
  put32(b, 4, sender);
  put32(b, 8, media);
  return b;
}

/** Full Intra Request (RFC 5104 §4.3.1), one entry. */
export function buildFir(sender: number, media: number, seq: number): Uint8Array {
  const b = new Uint8Array(20);
  header(b, 4, RtcpType.PSFB);
  put32(b, 4, sender);
  put32(b, 12, media);
  b[16] = seq & 0xff;
  return b;
}

/** Generic NACK (RFC 4585 §6.2.1) for a list of lost sequence numbers, packed into PID+BLP pairs. */
export function buildNack(sender: number, media: number, lost: readonly number[]): Uint8Array {
  const pairs: [number, number][] = [];
  const sorted = [...new Set(lost.map((s) => s & 0xffff))].sort((a, b) => a - b);
  for (const s of sorted) {
    const last = pairs.at(-1);
    const d = last ? (s - last[0]) & 0xffff : 0;
    if (last && d >= 1 && d <= 16) last[1] |= 1 << (d - 1);
    else pairs.push([s, 0]);
  }
  const b = new Uint8Array(12 + pairs.length * 4);
  header(b, 1, RtcpType.RTPFB);
  put32(b, 4, sender);
  put32(b, 8, media);
  pairs.forEach(([pid, blp], i) => put32(b, 12 + i * 4, (pid << 16) | blp));
  return b;
}

/** Receiver Report (RFC 3550 §6.4.2). */
export function buildRr(ssrc: number, reports: readonly ReportBlock[]): Uint8Array {
  const b = new Uint8Array(8 + reports.length * 24);
  header(b, reports.length, RtcpType.RR);
  put32(b, 4, ssrc);
  reports.forEach((r, i) => putBlock(b, 8 + i * 24, r));
  return b;
}

/** Sender Report without report blocks (RFC 3550 §6.4.1). */
export function buildSr(ssrc: number, ntp: bigint, rtpTimestamp: number, packets: number, octets: number): Uint8Array {
  const b = new Uint8Array(28);
  header(b, 0, RtcpType.SR);
  put32(b, 4, ssrc);
  put32(b, 8, Number((ntp >> 32n) & 0xffffffffn));
  put32(b, 12, Number(ntp & 0xffffffffn));
  put32(b, 16, rtpTimestamp);
  put32(b, 20, packets);
  put32(b, 24, octets);
  return b;
}

/** SDES with one CNAME chunk (RFC 3550 §6.5.1). */
export function buildSdes(ssrc: number, cname: string): Uint8Array {
  const text = new TextEncoder().encode(cname).subarray(0, 255);
  const body = 4 + 2 + text.length + 1;
  const b = new Uint8Array(4 + ((body + 3) & ~3));
  header(b, 1, RtcpType.SDES);
  put32(b, 4, ssrc);
  b[8] = 1;
  b[9] = text.length;
  b.set(text, 10);
  return b;
}

/** Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03 §2.2). */
export function buildRemb(sender: number, bitrate: number, ssrcs: readonly number[]): Uint8Array {
  let exp = 0;
  let mantissa = Math.max(0, Math.floor(bitrate));
  while (mantissa > 0x3ffff) {
    mantissa = Math.floor(mantissa / 2);
    exp++;
  }
  const b = new Uint8Array(20 + ssrcs.length * 4);
  header(b, 15, RtcpType.PSFB);
  put32(b, 4, sender);
  put32(b, 12, 0x52454d42);
  b[16] = ssrcs.length;
  b[17] = (exp << 2) | (mantissa >> 16);
  b[18] = (mantissa >> 8) & 0xff;
  b[19] = mantissa & 0xff;
  ssrcs.forEach((s, i) => put32(b, 20 + i * 4, s));
  return b;
}

/** Joins RTCP packets into one compound packet (RFC 3550 §6.1). */
export function compound(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** NTP timestamp (RFC 3550 §4) for a Unix time in milliseconds. */
export function ntpFromUnixMs(ms: number): bigint {
  const secs = Math.floor(ms / 1000) + 2208988800;
  const frac = Math.floor(((ms % 1000) / 1000) * 2 ** 32);
  return (BigInt(secs) << 32n) | BigInt(frac);
}

/** The middle 32 bits of an NTP timestamp, as LSR/DLSR use them (RFC 3550 §6.4.1). */
export function ntpMiddle(ntp: bigint): number {
  return Number((ntp >> 16n) & 0xffffffffn);
}
