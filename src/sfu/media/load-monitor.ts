/**
 * Whether the forwarder is saturated, judged by how late its own periodic clock fires: when
 * packets arrive faster than one thread can forward them, everything queued behind them waits,
 * the clock included. Shedding ({@link DelayGate}) only acts while this says so, so a publisher's
 * paced keyframe burst is never mistaken for overload. Pure: times are passed in.
 */
export class LoadMonitor {
  readonly #lagThresholdMs: number;
  readonly #holdMs: number;
  #lastTick = NaN;
  #overloadedUntil = -Infinity;
  /** the largest lag seen, for stats */
  maxLagMs = 0;

  constructor(lagThresholdMs = 30, holdMs = 500) {
    this.#lagThresholdMs = lagThresholdMs;
    this.#holdMs = holdMs;
  }

  /** The periodic clock fired at `nowMs`; it was due `intervalMs` after the previous firing. */
  tick(nowMs: number, intervalMs: number): void {
    if (!Number.isNaN(this.#lastTick)) {
      const lag = nowMs - this.#lastTick - intervalMs;
      if (lag > this.maxLagMs) this.maxLagMs = lag;
      if (lag > this.#lagThresholdMs) this.#overloadedUntil = nowMs + this.#holdMs;
    }
    this.#lastTick = nowMs;
  }

  /** The clock stops (no rooms): its next firing starts a new measure instead of reading as lag. */
  pause(): void {
    this.#lastTick = NaN;
  }

  overloaded(nowMs: number): boolean {
    return nowMs < this.#overloadedUntil;
  }
}
