/**
 * Per-subscriber rewriting of RTP sequence numbers and timestamps (RFC 3550 §5.1, §8.2 for the
 * SSRC): each down-track is its own RTP stream with its own SSRC, a sequence with no holes the
 * SFU made itself (dropped packets, layer switches) and a continuous timestamp across switches
 * of source. Pure state machine; the clock is passed in.
 *
 * It also remembers, for the last `historySize` packets sent, which source packet each outgoing
 * sequence number carried, so a subscriber's NACK (RFC 4585 §6.2.1) can be answered.
 */

const SEQ_MOD = 0x10000;

/** Signed distance a→b in 16-bit sequence space (RFC 3550 A.1). */
export function seqDelta(a: number, b: number): number {
  const d = (b - a) & 0xffff;
  return d >= 0x8000 ? d - SEQ_MOD : d;
}

/** Where an outgoing packet came from. */
export interface MungedIds {
  readonly seq: number;
  readonly timestamp: number;
}

/** A previously sent packet, found by its outgoing sequence number. */
export interface SentRecord {
  readonly sourceSeq: number;
  readonly timestampOffset: number;
  readonly source: number;
}

/** Starting values of an outgoing stream (random, RFC 3550 §5.1) and the NACK history length. */
export interface MungerInit {
  /** first outgoing sequence number and timestamp (random per RFC 3550 §5.1) */
  readonly firstSeq: number;
  readonly firstTimestamp: number;
  readonly historySize: number;
}

/** Rewrites one source sequence (or a chain of them, across switches) into one outgoing stream. */
export class RtpMunger {
  #started = false;
  #newSegment = false;
  #source = -1;
  #seqOffset = 0;
  #tsOffset = 0;
  #lastInSeq = 0;
  /** packets older than this (in the current source) can no longer be mapped */
  #floorInSeq = 0;
  #lastOutSeq: number;
  #lastOutTs: number;
  #lastOutAtMs = 0;
  readonly #mask: number;
  readonly #histOut: Int32Array;
  readonly #histIn: Uint16Array;
  readonly #histTsOff: Uint32Array;
  readonly #histSrc: Int32Array;

  constructor(init: MungerInit) {
    this.#lastOutSeq = (init.firstSeq - 1) & 0xffff;
    this.#lastOutTs = init.firstTimestamp >>> 0;
    let size = 1;
    while (size < Math.max(16, init.historySize)) size <<= 1;
    this.#mask = size - 1;
    this.#histOut = new Int32Array(size).fill(-1);
    this.#histIn = new Uint16Array(size);
    this.#histTsOff = new Uint32Array(size);
    this.#histSrc = new Int32Array(size);
  }

  /** The source currently followed (-1 before the first packet). */
  get source(): number {
    return this.#source;
  }

  /** The last outgoing sequence number and timestamp (for sender reports). */
  get last(): { seq: number; timestamp: number; atMs: number; started: boolean } {
    return { seq: this.#lastOutSeq, timestamp: this.#lastOutTs, atMs: this.#lastOutAtMs, started: this.#started };
  }

  /**
   * Maps one packet of `source`. A different source than the last one starts a new segment
   * (callers switch only on a keyframe): numbering continues right after the last packet, and
   * the timestamp advances by the wall-clock time since it. Returns undefined to drop the packet
   * (too old to place in the outgoing sequence).
   */
  map(source: number, inSeq: number, inTs: number, nowMs: number, clockRate: number): MungedIds | undefined {
    if (source !== this.#source || !this.#started || this.#newSegment) {
      this.#newSegment = false;
      const elapsed = this.#started ? Math.max(1, Math.round(((nowMs - this.#lastOutAtMs) * clockRate) / 1000)) : 0;
      this.#seqOffset = (this.#lastOutSeq + 1 - inSeq) & 0xffff;
      this.#tsOffset = (this.#lastOutTs + elapsed - inTs) >>> 0;
      this.#source = source;
      this.#lastInSeq = inSeq;
      this.#floorInSeq = inSeq;
      this.#started = true;
      return this.#emit(inSeq, inTs, nowMs, true);
    }
    const d = seqDelta(this.#lastInSeq, inSeq);
    if (d > 0) {
      this.#lastInSeq = inSeq;
      return this.#emit(inSeq, inTs, nowMs, true);
    }
    // Late or repeated packet: only placeable if nothing was skipped or switched since it.
    if (seqDelta(this.#floorInSeq, inSeq) < 0) return undefined;
    return this.#emit(inSeq, inTs, nowMs, false);
  }

  /** The next packet starts a new segment, as after a switch (used after a pause). */
  restart(): void {
    this.#newSegment = true;
  }

  /** The caller drops packet `inSeq` on purpose: close the hole it would leave. */
  skip(source: number, inSeq: number): void {
    if (source !== this.#source || !this.#started) return;
    if (seqDelta(this.#lastInSeq, inSeq) <= 0) return;
    this.#lastInSeq = inSeq;
    this.#floorInSeq = (inSeq + 1) & 0xffff;
    this.#seqOffset = (this.#seqOffset - 1) & 0xffff;
  }

  /** What was sent as `outSeq`, if it is still remembered. */
  lookup(outSeq: number): SentRecord | undefined {
    const i = outSeq & this.#mask;
    if (this.#histOut[i] !== outSeq) return undefined;
    return { sourceSeq: this.#histIn[i], timestampOffset: this.#histTsOff[i], source: this.#histSrc[i] };
  }

  #emit(inSeq: number, inTs: number, nowMs: number, advance: boolean): MungedIds {
    const seq = (inSeq + this.#seqOffset) & 0xffff;
    const timestamp = (inTs + this.#tsOffset) >>> 0;
    if (advance) {
      this.#lastOutSeq = seq;
      this.#lastOutTs = timestamp;
      this.#lastOutAtMs = nowMs;
    }
    const i = seq & this.#mask;
    this.#histOut[i] = seq;
    this.#histIn[i] = inSeq;
    this.#histTsOff[i] = this.#tsOffset;
    this.#histSrc[i] = this.#source;
    return { seq, timestamp };
  }
}
