/**
 * Delay-based bandwidth estimation, a simplified Google Congestion Control
 * (draft-ietf-rmcat-gcc-02 §5): packets are grouped into bursts by send time (§5.2), the growth
 * of one-way delay between groups is smoothed and fitted with a trendline, an adaptive threshold
 * turns the trend into overuse / normal / underuse (§5.4, §5.5), and an AIMD rate controller
 * (§5.5) moves the estimate: ×0.85 of the delivered rate on overuse, hold on underuse,
 * multiplicative growth (8 %/s) otherwise. Until the first overuse the estimate is at least
 * 1.5× what got through (the start-up phase: an SFU sends what its layers carry, not what the
 * estimate allows, so the estimate must not start below it). Pure: fed sent/arrival times in ms.
 */

/** One packet known to have arrived: when it was sent (sender clock) and arrived (receiver clock). */
export interface DeliveredPacket {
  readonly sendMs: number;
  readonly arrivalMs: number;
  readonly size: number;
}

/** The detector's verdict (draft-ietf-rmcat-gcc-02 §5.4). */
export type BandwidthUsage = 'normal' | 'overuse' | 'underuse';

const BURST_MS = 5; // §5.2: packets sent within 5 ms form one group
const SMOOTHING = 0.9;
const WINDOW = 20; // trendline samples
const TREND_GAIN = 4;
const THRESHOLD_INITIAL = 12.5;
const K_UP = 0.01;
const K_DOWN = 0.00018;
const OVERUSE_TIME_MS = 10;
const DECREASE_FACTOR = 0.85;
const INCREASE_PER_SECOND = 1.08;
const MIN_BPS = 30_000;
const MAX_BPS = 50_000_000;
const ACKED_WINDOW_MS = 500;

interface Group {
  firstSendMs: number;
  lastSendMs: number;
  lastArrivalMs: number;
}

/** Overuse detection over inter-group delay variation (§5.3–§5.4). */
export class TrendlineDetector {
  #group: Group | undefined;
  #prev: Group | undefined;
  #accumulated = 0;
  #smoothed = 0;
  #firstArrival: number | undefined;
  readonly #samples: { x: number; y: number }[] = [];
  #threshold = THRESHOLD_INITIAL;
  #lastUpdateMs: number | undefined;
  #overuseSinceMs: number | undefined;
  #prevTrend = 0;
  #usage: BandwidthUsage = 'normal';
  #deltas = 0;

  get usage(): BandwidthUsage {
    return this.#usage;
  }

  /** Feeds packets in send order. */
  onPacket(p: DeliveredPacket): void {
    const g = this.#group;
    if (g && p.sendMs - g.firstSendMs <= BURST_MS) {
      g.lastSendMs = Math.max(g.lastSendMs, p.sendMs);
      g.lastArrivalMs = Math.max(g.lastArrivalMs, p.arrivalMs);
      return;
    }
    if (g) {
      if (this.#prev) this.#onDelta(g.lastSendMs - this.#prev.lastSendMs, g.lastArrivalMs - this.#prev.lastArrivalMs, g.lastArrivalMs);
      this.#prev = g;
    }
    this.#group = { firstSendMs: p.sendMs, lastSendMs: p.sendMs, lastArrivalMs: p.arrivalMs };
  }

  #onDelta(sendDelta: number, arrivalDelta: number, arrivalMs: number): void {
    this.#deltas++;
    this.#accumulated += arrivalDelta - sendDelta;
    this.#smoothed = SMOOTHING * this.#smoothed + (1 - SMOOTHING) * this.#accumulated;
    this.#firstArrival ??= arrivalMs;
    this.#samples.push({ x: arrivalMs - this.#firstArrival, y: this.#smoothed });
    if (this.#samples.length > WINDOW) this.#samples.shift();
    if (this.#samples.length < WINDOW) return;
    const trend = slope(this.#samples) * Math.min(this.#deltas, 60) * TREND_GAIN;
    this.#detect(trend, sendDelta, arrivalMs);
  }

  #detect(trend: number, sendDelta: number, nowMs: number): void {
    if (trend > this.#threshold) {
      this.#overuseSinceMs ??= nowMs - sendDelta;
      if (nowMs - this.#overuseSinceMs >= OVERUSE_TIME_MS && trend >= this.#prevTrend) this.#usage = 'overuse';
    } else {
      this.#overuseSinceMs = undefined;
      this.#usage = trend < -this.#threshold ? 'underuse' : 'normal';
    }
    this.#prevTrend = trend;
    // §5.4: the threshold follows |trend| slowly down and faster up, ignoring spikes.
    const dt = Math.min(this.#lastUpdateMs === undefined ? 0 : nowMs - this.#lastUpdateMs, 100);
    this.#lastUpdateMs = nowMs;
    if (Math.abs(trend) - this.#threshold <= 15) {
      const k = Math.abs(trend) < this.#threshold ? K_DOWN : K_UP;
      this.#threshold = Math.min(600, Math.max(6, this.#threshold + k * (Math.abs(trend) - this.#threshold) * dt));
    }
  }
}

function slope(s: readonly { x: number; y: number }[]): number {
  const n = s.length;
  const mx = s.reduce((a, p) => a + p.x, 0) / n;
  const my = s.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of s) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** The rate the receiver saw over the last half second of arrivals, bit/s. */
export class AckedRate {
  readonly #window: { at: number; size: number }[] = [];

  onPacket(p: DeliveredPacket): void {
    this.#window.push({ at: p.arrivalMs, size: p.size });
    const last = p.arrivalMs;
    while (this.#window.length > 0 && last - this.#window[0].at > ACKED_WINDOW_MS) this.#window.shift();
  }

  /** bit/s, or undefined until the window holds enough to say */
  get bps(): number | undefined {
    if (this.#window.length < 2) return undefined;
    const span = Math.max(this.#window.at(-1)!.at - this.#window[0].at, 100);
    return (this.#window.reduce((n, p) => n + p.size, 0) * 8 * 1000) / span;
  }
}

/** The AIMD rate controller (§5.5) driven by the trendline detector. */
export class DelayBasedEstimator {
  readonly #detector = new TrendlineDetector();
  readonly #acked = new AckedRate();
  #bps: number;
  #lastUpdateMs: number | undefined;
  #overused = false;

  constructor(startBps: number) {
    this.#bps = startBps;
  }

  get bps(): number {
    return this.#bps;
  }

  get usage(): BandwidthUsage {
    return this.#detector.usage;
  }

  /** Feeds the packets one feedback message acknowledged (send order), then updates at `nowMs`. */
  onFeedback(delivered: readonly DeliveredPacket[], nowMs: number): void {
    for (const p of delivered) {
      this.#detector.onPacket(p);
      this.#acked.onPacket(p);
    }
    const dt = this.#lastUpdateMs === undefined ? 0 : Math.min(nowMs - this.#lastUpdateMs, 1000);
    this.#lastUpdateMs = nowMs;
    const acked = this.#acked.bps;
    const usage = this.#detector.usage;
    if (usage === 'overuse') {
      this.#overused = true;
      // §5.5: decrease to a fraction of what actually got through.
      const basis = acked ?? this.#bps;
      this.#bps = Math.min(this.#bps, DECREASE_FACTOR * basis);
    } else if (usage === 'normal') {
      let next = this.#bps * INCREASE_PER_SECOND ** (dt / 1000);
      // Never run far ahead of what the path has shown it can carry.
      if (acked !== undefined) next = Math.min(next, Math.max(this.#bps, 1.5 * acked + 10_000));
      if (!this.#overused && acked !== undefined) next = Math.max(next, 1.5 * acked + 10_000);
      this.#bps = next;
    }
    this.#bps = Math.min(MAX_BPS, Math.max(MIN_BPS, this.#bps));
  }
}
