/**
 * Reception statistics of one incoming RTP stream (RFC 3550 §6.4.1 and Appendix A.1, A.3, A.8)
 * for the receiver reports the SFU sends its publishers, and the loss list it NACKs
 * (RFC 4585 §6.2.1). Pure: arrival times are passed in.
 */
import { seqDelta } from './munger.ts';
import type { ReportBlock } from './rtcp.ts';

/** How NACKs for one stream are paced. */
export interface NackPolicy {
  /** wait this long after a hole appears before asking (reordering is common) */
  readonly delayMs: number;
  /** ask again after this long */
  readonly retryMs: number;
  readonly maxTries: number;
  /** give up on holes older than this */
  readonly maxAgeMs: number;
  /** holes larger than this are treated as a restart, not as loss */
  readonly maxGap: number;
}

/** NACK pacing used for publishers. */
export const defaultNackPolicy: NackPolicy = { delayMs: 5, retryMs: 100, maxTries: 3, maxAgeMs: 1000, maxGap: 200 };

/** Reception statistics and loss list of one RTP stream (RFC 3550 §6.4.1, A.1, A.8). */
export class ReceiveStats {
  readonly #clockRate: number;
  readonly #policy: NackPolicy;
  #started = false;
  #baseSeq = 0;
  #maxSeq = 0;
  #cycles = 0;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #jitter = 0;
  #lastTransit = NaN;
  #lastSr = 0;
  #lastSrAtMs = -1;
  readonly #missing = new Map<number, { since: number; tries: number; lastAsk: number }>();
  /** packets and bytes received, for stats */
  packets = 0;
  bytes = 0;

  constructor(clockRate: number, policy: NackPolicy = defaultNackPolicy) {
    this.#clockRate = clockRate;
    this.#policy = policy;
  }

  /** Records one packet's arrival. */
  onPacket(seq: number, rtpTimestamp: number, size: number, nowMs: number): void {
    this.packets++;
    this.bytes += size;
    if (!this.#started) {
      this.#started = true;
      this.#baseSeq = seq;
      this.#maxSeq = seq;
      this.#received = 1;
      this.#updateJitter(rtpTimestamp, nowMs);
      return;
    }
    const d = seqDelta(this.#maxSeq, seq);
    if (d > 0) {
      if (d > this.#policy.maxGap) {
        // A jump this big is a restarted sender, not loss (RFC 3550 A.1 "bad sequence").
        this.#missing.clear();
      } else {
        for (let i = 1; i < d; i++) this.#missing.set((this.#maxSeq + i) & 0xffff, { since: nowMs, tries: 0, lastAsk: -Infinity });
      }
      if (seq < this.#maxSeq) this.#cycles += 0x10000;
      this.#maxSeq = seq;
    } else {
      this.#missing.delete(seq);
    }
    this.#received++;
    this.#updateJitter(rtpTimestamp, nowMs);
  }

  /** RFC 3550 A.8 interarrival jitter, in timestamp units. */
  #updateJitter(rtpTimestamp: number, nowMs: number): void {
    const arrival = (nowMs * this.#clockRate) / 1000;
    const transit = arrival - rtpTimestamp;
    if (!Number.isNaN(this.#lastTransit)) {
      let d = Math.abs(transit - this.#lastTransit);
      if (d > 0x80000000) d = Math.abs(d - 0x100000000); // timestamp wrap
      this.#jitter += (d - this.#jitter) / 16;
    }
    this.#lastTransit = transit;
  }

  /** Notes a sender report from the source, for LSR/DLSR. */
  onSenderReport(ntpMiddle: number, nowMs: number): void {
    this.#lastSr = ntpMiddle >>> 0;
    this.#lastSrAtMs = nowMs;
  }

  /** Sequence numbers to NACK now; each call counts as one ask for each returned number. */
  nackList(nowMs: number): number[] {
    const out: number[] = [];
    for (const [seq, m] of this.#missing) {
      if (nowMs - m.since > this.#policy.maxAgeMs || m.tries >= this.#policy.maxTries) {
        this.#missing.delete(seq);
        continue;
      }
      if (nowMs - m.since < this.#policy.delayMs || nowMs - m.lastAsk < this.#policy.retryMs) continue;
      m.tries++;
      m.lastAsk = nowMs;
      out.push(seq);
    }
    return out;
  }

  /** The report block about this stream (RFC 3550 §6.4.1); resets the "since last report" counts. */
  reportBlock(ssrc: number, nowMs: number): ReportBlock | undefined {
    if (!this.#started) return undefined;
    const extMax = this.#cycles + this.#maxSeq;
    const expected = extMax - this.#baseSeq + 1;
    const lost = expected - this.#received;
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval << 8) / expectedInterval);
    const dlsr = this.#lastSrAtMs < 0 ? 0 : Math.floor(((nowMs - this.#lastSrAtMs) / 1000) * 65536);
    return {
      ssrc,
      fractionLost: Math.min(255, fraction),
      cumulativeLost: lost,
      highestSeq: extMax >>> 0,
      jitter: Math.floor(this.#jitter) >>> 0,
      lastSr: this.#lastSrAtMs < 0 ? 0 : this.#lastSr,
      delaySinceLastSr: dlsr >>> 0,
    };
  }
}
