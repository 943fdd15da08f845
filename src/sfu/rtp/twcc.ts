/**
 * Transport-wide congestion control feedback codec (draft-holmer-rmcat-transport-wide-cc-extensions-01
 * §3.1, RTCP RTPFB FMT=15): the packet status chunks (run-length §3.1.3, status vector §3.1.4)
 * and receive deltas (§3.1.5) of the packets a receiver saw, keyed by the transport-wide sequence
 * number the sender wrote into its header extension (§2). Pure; bad bytes give an error value.
 */

/** One packet of a feedback message: received (with its arrival, ms) or not. */
export interface TwccPacket {
  /** transport-wide sequence number, 16 bits */
  readonly seq: number;
  /** arrival time in ms on the receiver's clock (reference time + deltas), undefined = lost */
  readonly arrivalMs: number | undefined;
}

/** A decoded transport feedback message. */
export interface TwccFeedback {
  readonly sender: number;
  readonly media: number;
  readonly baseSeq: number;
  /** feedback packet count, to spot lost feedback (§3.1) */
  readonly feedbackCount: number;
  readonly packets: readonly TwccPacket[];
}

/** Packet status symbols (§3.1.1). */
const Status = { NotReceived: 0, SmallDelta: 1, LargeDelta: 2 } as const;
type Status = number;

const TWCC_HEADER = 20; // RTCP header (4) + sender (4) + media (4) + base/count (4) + ref time/fb count (4)
const DELTA_UNIT_MS = 0.25; // §3.1.5: multiples of 250 µs
const REFERENCE_UNIT_MS = 64; // §3.1: reference time in multiples of 64 ms

const u16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];
const u32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/** Reads the status symbols of `count` packets from the chunks at `o`; returns them and the end offset. */
function readChunks(b: Uint8Array, o: number, end: number, count: number): { statuses: Status[]; next: number } | undefined {
  const statuses: Status[] = [];
  while (statuses.length < count) {
    if (o + 2 > end) return undefined;
    const chunk = u16(b, o);
    o += 2;
    if ((chunk & 0x8000) === 0) {
      // Run-length chunk (§3.1.3): 2-bit symbol, 13-bit run length.
      const symbol = (chunk >> 13) & 3;
      if (symbol === 3) return undefined;
      const run = chunk & 0x1fff;
      for (let i = 0; i < run && statuses.length < count; i++) statuses.push(symbol);
    } else if ((chunk & 0x4000) === 0) {
      // Status vector chunk, 14 one-bit symbols (§3.1.4).
      for (let i = 13; i >= 0 && statuses.length < count; i--) statuses.push((chunk >> i) & 1);
    } else {
      // Status vector chunk, 7 two-bit symbols.
      for (let i = 6; i >= 0 && statuses.length < count; i--) {
        const symbol = (chunk >> (i * 2)) & 3;
        if (symbol === 3) return undefined;
        statuses.push(symbol);
      }
    }
  }
  return { statuses, next: o };
}

/** Decodes the body of an RTPFB FMT=15 packet (`b` is exactly one RTCP packet). */
export function parseTwcc(b: Uint8Array): { ok: true; value: TwccFeedback } | { ok: false; reason: string } {
  if (b.length < TWCC_HEADER) return { ok: false, reason: 'transport feedback shorter than its header' };
  if (b[1] !== 205 || (b[0] & 0x1f) !== 15) return { ok: false, reason: 'not an RTPFB FMT=15 packet' };
  const end = Math.min(b.length, (u16(b, 2) + 1) * 4);
  const baseSeq = u16(b, 12);
  const count = u16(b, 14);
  const refRaw = (b[16] << 16) | (b[17] << 8) | b[18];
  const reference = (refRaw & 0x800000 ? refRaw - 0x1000000 : refRaw) * REFERENCE_UNIT_MS;
  const chunks = readChunks(b, TWCC_HEADER, end, count);
  if (!chunks) return { ok: false, reason: 'transport feedback chunks run past the end or use a reserved symbol' };
  let o = chunks.next;
  let at = reference;
  const packets: TwccPacket[] = [];
  for (let i = 0; i < count; i++) {
    const s = chunks.statuses[i];
    const seq = (baseSeq + i) & 0xffff;
    if (s === Status.NotReceived) {
      packets.push({ seq, arrivalMs: undefined });
      continue;
    }
    const size = s === Status.SmallDelta ? 1 : 2;
    if (o + size > end) return { ok: false, reason: 'transport feedback receive deltas run past the end' };
    const delta = size === 1 ? b[o] : (u16(b, o) << 16) >> 16;
    o += size;
    at += delta * DELTA_UNIT_MS;
    packets.push({ seq, arrivalMs: at });
  }
  return { ok: true, value: { sender: u32(b, 4), media: u32(b, 8), baseSeq, feedbackCount: b[19], packets } };
}

/**
 * Encodes feedback for packets (arrival ms or undefined = lost), consecutive from `baseSeq`, with
 * two-bit status vectors only: what a receiver would send. Used to build synthetic traces.
 */
export function buildTwcc(sender: number, media: number, baseSeq: number, feedbackCount: number, arrivals: readonly (number | undefined)[]): Uint8Array {
  const firstArrival = arrivals.find((a) => a !== undefined) ?? 0;
  const refUnits = Math.floor(firstArrival / REFERENCE_UNIT_MS);
  let at = refUnits * REFERENCE_UNIT_MS;
  const statuses: Status[] = [];
  const deltas: number[] = [];
  for (const a of arrivals) {
    if (a === undefined) {
      statuses.push(Status.NotReceived);
      continue;
    }
    const d = Math.round((a - at) / DELTA_UNIT_MS);
    at += d * DELTA_UNIT_MS;
    statuses.push(d >= 0 && d <= 255 ? Status.SmallDelta : Status.LargeDelta);
    deltas.push(d);
  }
  const chunkCount = Math.ceil(statuses.length / 7);
  const deltaBytes = statuses.reduce((n, s) => n + (s === Status.SmallDelta ? 1 : s === Status.LargeDelta ? 2 : 0), 0);
  const len = (TWCC_HEADER + chunkCount * 2 + deltaBytes + 3) & ~3;
  const b = new Uint8Array(len);
  b[0] = 0x80 | 15;
  b[1] = 205;
  b[2] = (len / 4 - 1) >> 8;
  b[3] = (len / 4 - 1) & 0xff;
  const put32 = (o: number, v: number) => {
    b[o] = v >>> 24;
    b[o + 1] = (v >>> 16) & 0xff;
    b[o + 2] = (v >>> 8) & 0xff;
    b[o + 3] = v & 0xff;
  };
  put32(4, sender);
  put32(8, media);
  b[12] = baseSeq >> 8;
  b[13] = baseSeq & 0xff;
  b[14] = statuses.length >> 8;
  b[15] = statuses.length & 0xff;
  const ref = refUnits & 0xffffff;
  b[16] = ref >> 16;
  b[17] = (ref >> 8) & 0xff;
  b[18] = ref & 0xff;
  b[19] = feedbackCount & 0xff;
  let o = TWCC_HEADER;
  for (let c = 0; c < chunkCount; c++, o += 2) {
    let chunk = 0xc000;
    for (let i = 0; i < 7; i++) chunk |= (statuses[c * 7 + i] ?? 0) << ((6 - i) * 2);
    b[o] = chunk >> 8;
    b[o + 1] = chunk & 0xff;
  }
  let k = 0;
  for (const s of statuses) {
    if (s === Status.NotReceived) continue;
    const d = deltas[k++];
    if (s === Status.SmallDelta) b[o++] = d;
    else {
      b[o++] = (d >> 8) & 0xff;
      b[o++] = d & 0xff;
    }
  }
  return b;
}
