/**
 * Loss-based bandwidth estimation (draft-ietf-rmcat-gcc-02 §6): over each feedback interval,
 * more than 10 % loss cuts the estimate by half the loss fraction, less than 2 % lets it grow by
 * 5 %, and in between it holds. A cut happens at most once a second, so one burst of tail
 * drops behind a queue, reported over several feedback messages, is one cut and not five.
 * Pure: fed counts and times in ms.
 */

const HIGH_LOSS = 0.1;
const LOW_LOSS = 0.02;
const GROWTH = 1.05;
/** losses are judged over at least this many packets, so one lost packet of three is no verdict */
const MIN_PACKETS = 20;
const MIN_INTERVAL_MS = 200;
const DECREASE_INTERVAL_MS = 1000;
const MIN_BPS = 30_000;
const MAX_BPS = 50_000_000;

/** The loss-based half of GCC. */
export class LossBasedEstimator {
  #bps: number;
  #lost = 0;
  #total = 0;
  #lastUpdateMs: number | undefined;
  #lastLoss = 0;
  #lastDecreaseMs = -Infinity;

  constructor(startBps: number) {
    this.#bps = startBps;
  }

  get bps(): number {
    return this.#bps;
  }

  /** Loss fraction of the last judged interval (0..1). */
  get lossFraction(): number {
    return this.#lastLoss;
  }

  /** Counts of one feedback message; `ackedBps` (what got through) bounds growth. */
  onFeedback(received: number, lost: number, ackedBps: number | undefined, nowMs: number): void {
    this.#total += received + lost;
    this.#lost += lost;
    if (this.#total < MIN_PACKETS) return;
    if (this.#lastUpdateMs !== undefined && nowMs - this.#lastUpdateMs < MIN_INTERVAL_MS) return;
    this.#lastUpdateMs = nowMs;
    const loss = this.#lost / this.#total;
    this.#lastLoss = loss;
    this.#lost = 0;
    this.#total = 0;
    if (loss > HIGH_LOSS) {
      if (nowMs - this.#lastDecreaseMs >= DECREASE_INTERVAL_MS) {
        this.#lastDecreaseMs = nowMs;
        this.#bps *= 1 - 0.5 * loss;
      }
    } else if (loss < LOW_LOSS) {
      const next = this.#bps * GROWTH;
      this.#bps = ackedBps === undefined ? next : Math.min(next, Math.max(this.#bps, 1.5 * ackedBps + 10_000));
    }
    this.#bps = Math.min(MAX_BPS, Math.max(MIN_BPS, this.#bps));
  }
}
