/**
 * Counters of a `uclient` run: messages and bytes sent through the relays and echoed back,
 * round-trip times (min, max, mean) and their jitter, the mean absolute difference between
 * consecutive round trips of one client (the RFC 3550 §6.4.1 idea, without smoothing).
 * Plain numbers, updated in the hot path without allocating.
 */
export class RelayStats {
  sentMessages = 0;
  sentBytes = 0;
  receivedMessages = 0;
  receivedBytes = 0;
  /** echoes that arrived twice (counted once) */
  duplicates = 0;
  /** sends the socket refused */
  sendErrors = 0;
  /** with `-y`: a partner's messages bounced back to it */
  bounced = 0;
  rttCount = 0;
  rttSumMs = 0;
  rttMinMs = Infinity;
  rttMaxMs = 0;
  jitterCount = 0;
  jitterSumMs = 0;
  jitterMinMs = Infinity;
  jitterMaxMs = 0;

  /** One message of `bytes` data bytes went out. */
  recordSent(bytes: number): void {
    this.sentMessages++;
    this.sentBytes += bytes;
  }

  /**
   * One echo came back after `rttMs`. `previousRttMs` is the same client's previous round
   * trip, or NaN for its first, when there is no jitter to measure yet.
   */
  recordEcho(bytes: number, rttMs: number, previousRttMs: number): void {
    this.receivedMessages++;
    this.receivedBytes += bytes;
    this.rttCount++;
    this.rttSumMs += rttMs;
    if (rttMs < this.rttMinMs) this.rttMinMs = rttMs;
    if (rttMs > this.rttMaxMs) this.rttMaxMs = rttMs;
    if (previousRttMs === previousRttMs) {
      const d = Math.abs(rttMs - previousRttMs);
      this.jitterCount++;
      this.jitterSumMs += d;
      if (d < this.jitterMinMs) this.jitterMinMs = d;
      if (d > this.jitterMaxMs) this.jitterMaxMs = d;
    }
  }

  /** Messages sent and never echoed. */
  get lostMessages(): number {
    return Math.max(0, this.sentMessages - this.receivedMessages);
  }
}
