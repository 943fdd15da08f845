/**
 * Load shedding by queueing delay. A packet's one-way transit (arrival time minus its RTP
 * timestamp in ms, RFC 3550 A.8's "relative transit time") is compared with the smallest transit
 * seen lately; when the difference grows past a bound, the packet sat in a queue because the
 * forwarder is saturated, and forwarding it late helps nobody. Dropping such packets is cheap, so
 * throughput stays at capacity instead of collapsing. Pure: times are passed in.
 */

const WINDOW_MS = 5000;

/** Queueing delay of one RTP stream from its relative transit time (RFC 3550 A.8). */
export class DelayGate {
  readonly #clockRate: number;
  readonly #maxDelayMs: number;
  #min = Infinity;
  #nextMin = Infinity;
  #windowStart = -Infinity;
  #lastTs = 0;
  #unwrapped = 0;
  #started = false;

  constructor(clockRate: number, maxDelayMs: number) {
    this.#clockRate = clockRate;
    this.#maxDelayMs = maxDelayMs;
  }

  /** The queueing delay of a packet arriving now, in ms (0 when it is on time). */
  delay(rtpTimestamp: number, nowMs: number): number {
    // Unwrap the 32-bit timestamp so transit stays monotonic across wrap-around.
    if (!this.#started) {
      this.#started = true;
      this.#unwrapped = rtpTimestamp;
    } else {
      let d = (rtpTimestamp - this.#lastTs) | 0;
      if (d < -0x40000000 || d > 0x40000000) d = 0; // a jump this large is a restart, not time
      this.#unwrapped += d;
    }
    this.#lastTs = rtpTimestamp;
    const transit = nowMs - (this.#unwrapped * 1000) / this.#clockRate;
    // Two overlapping windows: the minimum follows slow clock drift without forgetting too soon.
    if (nowMs - this.#windowStart > WINDOW_MS) {
      this.#min = Math.min(this.#nextMin, transit);
      this.#nextMin = transit;
      this.#windowStart = nowMs;
    }
    this.#nextMin = Math.min(this.#nextMin, transit);
    this.#min = Math.min(this.#min, transit);
    return transit - this.#min;
  }

  /** Whether the packet waited too long to be worth forwarding. */
  late(rtpTimestamp: number, nowMs: number): boolean {
    return this.delay(rtpTimestamp, nowMs) > this.#maxDelayMs;
  }
}
