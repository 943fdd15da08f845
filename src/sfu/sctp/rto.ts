/**
 * Retransmission timeout from round-trip measurements (RFC 9260 §6.3.1), with Karn's rule
 * applied by the caller (only chunks sent once are measured).
 */
export interface RtoOptions {
  initialMs: number;
  minMs: number;
  maxMs: number;
}

export class RtoEstimator {
  private srtt: number | undefined;
  private rttvar = 0;
  /** Current RTO in milliseconds. */
  rto: number;
  private readonly opts: RtoOptions;

  constructor(opts: RtoOptions) {
    this.opts = opts;
    this.rto = opts.initialMs;
  }

  /** Smoothed RTT, once measured. */
  get smoothedRtt(): number | undefined {
    return this.srtt;
  }

  /** RFC 9260 §6.3.1 C2/C3 with RTO.Alpha = 1/8 and RTO.Beta = 1/4. */
  measure(rttMs: number): void {
    const r = Math.max(0, rttMs);
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.rto = this.clamp(this.srtt + Math.max(4 * this.rttvar, 1));
  }

  /** Back-off after a timer expiry (RFC 9260 §6.3.3 E2). */
  backOff(): void {
    this.rto = this.clamp(this.rto * 2);
  }

  private clamp(ms: number): number {
    return Math.min(this.opts.maxMs, Math.max(this.opts.minMs, ms));
  }
}
