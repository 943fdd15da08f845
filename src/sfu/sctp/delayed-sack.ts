/**
 * When to send a SACK (RFC 9260 §6.2): at once on a gap, a duplicate, an immediate (I) bit,
 * a FORWARD-TSN or during shutdown; otherwise for every second packet with DATA, or `delayMs`
 * after the first one unacknowledged. Pure: times are passed in.
 */
export class DelayedSack {
  /** a SACK goes out with the next packets */
  due = false;
  /** when the delayed SACK falls due, while one waits */
  deadline: number | undefined;
  #unacked = 0;
  readonly #delayMs: number;

  constructor(delayMs: number) {
    this.#delayMs = delayMs;
  }

  /** A packet with DATA arrived; `atOnce` when it must be acknowledged without delay. */
  afterData(atOnce: boolean, nowMs: number): void {
    this.#unacked++;
    if (atOnce || this.#unacked >= 2) this.due = true;
    else if (this.deadline === undefined) this.deadline = nowMs + this.#delayMs;
  }

  onTimeout(nowMs: number): void {
    if (this.deadline === undefined || nowMs < this.deadline) return;
    this.deadline = undefined;
    this.due = true;
  }

  /** Whether a SACK goes out now; taking it starts the count again. */
  take(): boolean {
    if (!this.due) return false;
    this.due = false;
    this.deadline = undefined;
    this.#unacked = 0;
    return true;
  }

  stop(): void {
    this.deadline = undefined;
  }
}
