/**
 * A byte budget refilled continuously (`max-bps` per allocation, `bps-capacity` per server,
 * and the per-IP budget of unauthenticated responses). Time is passed in; no clock inside.
 */
export class TokenBucket {
  #tokens: number;
  #last: number;
  readonly ratePerSecond: number;
  readonly burst: number;

  /** `ratePerSecond` units per second, holding at most `burst` units (default one second's worth). */
  constructor(ratePerSecond: number, now: number, burst = ratePerSecond) {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.#tokens = burst;
    this.#last = now;
  }

  /** Takes `amount` units if the budget allows; returns false (and takes nothing) otherwise. */
  take(amount: number, now: number): boolean {
    if (now > this.#last) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.ratePerSecond) / 1000);
      this.#last = now;
    }
    if (this.#tokens < amount) return false;
    this.#tokens -= amount;
    return true;
  }

  /** True when the budget is back to its full burst (an idle client). */
  isFull(): boolean {
    return this.#tokens >= this.burst;
  }
}
