/**
 * Congestion control of one path (RFC 9260 §7.2): slow start, congestion avoidance, the
 * reaction to fast retransmit (§7.2.4) and to a T3-rtx expiry (§7.2.3).
 */
import { tsnLte } from './serial.ts';

export class CongestionControl {
  cwnd: number;
  ssthresh: number;
  private partialBytesAcked = 0;
  /** Fast Recovery ends when the cumulative ack reaches this TSN (RFC 9260 §7.2.4). */
  private fastRecoveryExit: number | undefined;
  private readonly mtu: number;

  /** RFC 9260 §7.2.1: cwnd starts at min(4 MTU, max(2 MTU, 4380)), ssthresh at the peer's window. */
  constructor(mtu: number, peerArwnd: number) {
    this.mtu = mtu;
    this.cwnd = Math.min(4 * mtu, Math.max(2 * mtu, 4380));
    this.ssthresh = peerArwnd;
  }

  /** A SACK moved the cumulative ack to `cumAck`, acknowledging `bytesAcked` new bytes. */
  onCumulativeAck(cumAck: number, bytesAcked: number, flightBefore: number): void {
    if (this.fastRecoveryExit !== undefined && tsnLte(this.fastRecoveryExit, cumAck)) this.fastRecoveryExit = undefined;
    if (this.fastRecoveryExit !== undefined) return;
    // Grow only while the window was in use (RFC 9260 §7.2.1–7.2.2).
    const used = flightBefore + this.mtu >= this.cwnd;
    if (this.cwnd <= this.ssthresh) {
      if (used) this.cwnd += Math.min(bytesAcked, this.mtu);
      return;
    }
    this.partialBytesAcked += bytesAcked;
    if (this.partialBytesAcked >= this.cwnd && used) {
      this.partialBytesAcked -= this.cwnd;
      this.cwnd += this.mtu;
    }
  }

  /** Fast retransmit: halve once per Fast Recovery, which lasts until `highestOutstanding` is acked. */
  onFastRetransmit(highestOutstanding: number): void {
    if (this.fastRecoveryExit !== undefined) return;
    this.ssthresh = Math.max(Math.floor(this.cwnd / 2), 4 * this.mtu);
    this.cwnd = this.ssthresh;
    this.partialBytesAcked = 0;
    this.fastRecoveryExit = highestOutstanding;
  }

  /** T3-rtx expiry: back to one MTU (RFC 9260 §7.2.3). */
  onTimeout(): void {
    this.ssthresh = Math.max(Math.floor(this.cwnd / 2), 4 * this.mtu);
    this.cwnd = this.mtu;
    this.partialBytesAcked = 0;
    this.fastRecoveryExit = undefined;
  }
}
