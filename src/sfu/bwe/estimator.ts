/**
 * One subscriber connection's bandwidth estimate, from whichever feedback the subscriber sends:
 * REMB (draft-alvestrand-rmcat-remb-03, the receiver's own estimate, taken as it is) or
 * transport-wide feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01), run through the
 * delay-based and loss-based halves of GCC here; the estimate is the smaller of the two. Until
 * the first feedback there is no estimate, and forwarding is not limited. Pure: times in ms.
 */
import { DelayBasedEstimator, type DeliveredPacket } from './delay-based.ts';
import { LossBasedEstimator } from './loss-based.ts';
import type { TwccFeedback } from '../rtp/twcc.ts';

/** Where the current estimate comes from. */
export type EstimateSource = 'none' | 'remb' | 'twcc';

const START_BPS = 1_000_000;
const HISTORY = 1 << 11; // transport-wide sequence numbers remembered (send time and size): 2 s at 1,000 packets/s

/** Per-subscriber estimator. */
export class SubscriberEstimator {
  readonly #sentAt = new Float64Array(HISTORY).fill(-1);
  readonly #sentSeq = new Int32Array(HISTORY).fill(-1);
  readonly #sentSize = new Uint16Array(HISTORY);
  readonly #delay = new DelayBasedEstimator(START_BPS);
  readonly #loss = new LossBasedEstimator(START_BPS);
  #remb: number | undefined;
  #source: EstimateSource = 'none';
  #lastFeedbackCount: number | undefined;
  /** feedback messages seen, for stats */
  feedback = 0;

  get source(): EstimateSource {
    return this.#source;
  }

  /** bit/s, or undefined before any feedback */
  get bps(): number | undefined {
    if (this.#source === 'remb') return this.#remb;
    if (this.#source === 'twcc') return Math.min(this.#delay.bps, this.#loss.bps);
    return undefined;
  }

  /** A REMB from the subscriber: its own receive-side estimate for the whole connection. */
  onRemb(bps: number): void {
    this.feedback++;
    this.#remb = bps;
    // Transport-wide feedback, when there is any, is the better signal; REMB fills in otherwise.
    if (this.#source !== 'twcc') this.#source = 'remb';
  }

  /** A packet carrying transport-wide sequence number `seq` left at `nowMs`. */
  onSent(seq: number, size: number, nowMs: number): void {
    const i = seq & (HISTORY - 1);
    this.#sentAt[i] = nowMs;
    this.#sentSeq[i] = seq;
    this.#sentSize[i] = Math.min(size, 0xffff);
  }

  /** A transport feedback message from the subscriber. */
  onTwcc(fb: TwccFeedback, nowMs: number): void {
    if (this.#lastFeedbackCount === fb.feedbackCount) return; // a duplicate
    this.#lastFeedbackCount = fb.feedbackCount;
    this.feedback++;
    const delivered: DeliveredPacket[] = [];
    let lost = 0;
    for (const p of fb.packets) {
      const i = p.seq & (HISTORY - 1);
      if (this.#sentSeq[i] !== p.seq) continue; // not sent by us, or too long ago
      if (p.arrivalMs === undefined) lost++;
      else delivered.push({ sendMs: this.#sentAt[i], arrivalMs: p.arrivalMs, size: this.#sentSize[i] });
    }
    if (delivered.length === 0 && lost === 0) return;
    delivered.sort((a, b) => a.sendMs - b.sendMs);
    this.#delay.onFeedback(delivered, nowMs);
    this.#loss.onFeedback(delivered.length, lost, this.#ackedBps(delivered), nowMs);
    this.#source = 'twcc';
  }

  #ackedBps(d: readonly DeliveredPacket[]): number | undefined {
    if (d.length < 2) return undefined;
    const span = Math.max(d.at(-1)!.arrivalMs - d[0].arrivalMs, 50);
    return (d.reduce((n, p) => n + p.size, 0) * 8 * 1000) / span;
  }
}
