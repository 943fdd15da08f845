/**
 * The sending half of data transfer: fragmentation (RFC 9260 §6.9), TSN and SSN assignment,
 * SACK processing with gap blocks (§6.2.1), T3-rtx retransmission (§6.3.3), fast retransmit
 * (§7.2.4), congestion control (§7.2.1–7.2.3), the peer's receiver window (§6.1) and
 * PR-SCTP abandonment with the Advanced.Peer.Ack.Point (RFC 3758 §3.5).
 */
import { type Chunk, type DataChunk, type SackChunk, dataChunkSize, encodeChunk } from './chunks.ts';
import { CongestionControl } from './congestion.ts';
import { RtoEstimator, type RtoOptions } from './rto.ts';
import { tsnAdd, tsnDiff, tsnLt, tsnLte } from './serial.ts';

/** Per-message delivery options (RFC 8831 §6.1 reliability, RFC 3758 policies). */
export interface SendOptions {
  ordered?: boolean;
  /** Abandon after this many retransmissions. */
  maxRetransmits?: number;
  /** Abandon this long after `send`. */
  maxLifetimeMs?: number;
}

interface OutMessage {
  streamId: number;
  ppid: number;
  unordered: boolean;
  payload: Uint8Array;
  offset: number;
  ssn: number;
  maxRetransmits?: number;
  expiresAt?: number;
  abandoned: boolean;
  chunks: OutChunk[];
}

interface OutChunk {
  chunk: DataChunk;
  msg: OutMessage;
  sentAt: number;
  transmissions: number;
  acked: boolean;
  /** Counted in the flight size: sent, not acked, not marked for retransmission. */
  inFlight: boolean;
  retransmit: boolean;
  missing: number;
  fastRetransmitted: boolean;
  abandoned: boolean;
}

export interface SenderOptions {
  initialTsn: number;
  peerArwnd: number;
  mtu: number;
  rto: RtoOptions;
  /** Peer supports FORWARD-TSN; without it nothing is abandoned. */
  partialReliability: boolean;
}

export class DataSender {
  nextTsn: number;
  /** Highest TSN the peer has acknowledged cumulatively. */
  cumAck: number;
  private advancedPeerAckPoint: number;
  private lastForwardTsnSent: number;
  private forwardTsnDue = false;
  private readonly queue: OutMessage[] = [];
  private current: OutMessage | undefined;
  private readonly outstanding: OutChunk[] = [];
  private readonly ssnOut = new Map<number, number>();
  private flight = 0;
  readonly cc: CongestionControl;
  private peerRwnd: number;
  private fastRtxPending = false;
  t3Deadline: number | undefined;
  /** Consecutive T3 expiries without progress (RFC 9260 §8.1). */
  errorCount = 0;
  readonly rto: RtoEstimator;
  readonly stats = { retransmissions: 0, fastRetransmits: 0, t3Expiries: 0, abandonedMessages: 0 };
  private readonly partialReliability: boolean;

  constructor(o: SenderOptions) {
    this.nextTsn = o.initialTsn >>> 0;
    this.cumAck = tsnAdd(o.initialTsn, -1);
    this.advancedPeerAckPoint = this.cumAck;
    this.lastForwardTsnSent = this.cumAck;
    this.cc = new CongestionControl(o.mtu, o.peerArwnd);
    this.peerRwnd = o.peerArwnd;
    this.rto = new RtoEstimator(o.rto);
    this.partialReliability = o.partialReliability;
  }

  enqueue(streamId: number, ppid: number, payload: Uint8Array, opts: SendOptions, nowMs: number): void {
    this.queue.push({
      streamId,
      ppid,
      unordered: opts.ordered === false,
      payload,
      offset: 0,
      ssn: 0,
      maxRetransmits: opts.maxRetransmits,
      expiresAt: opts.maxLifetimeMs === undefined ? undefined : nowMs + opts.maxLifetimeMs,
      abandoned: false,
      chunks: [],
    });
  }

  /** Bytes accepted by `enqueue` and not yet sent for the first time. */
  queuedBytes(streamId?: number): number {
    let n = 0;
    for (const m of this.queue) if (streamId === undefined || m.streamId === streamId) n += m.payload.length - m.offset;
    return n;
  }

  /** Nothing queued, nothing unacknowledged. */
  idle(): boolean {
    return this.queue.length === 0 && this.outstanding.length === 0;
  }

  /** Outgoing SSN reset performed (RFC 6525 §5.2.3): the streams restart at SSN 0. */
  resetSsn(streamIds: readonly number[]): void {
    for (const id of streamIds) this.ssnOut.delete(id);
  }

  /** Processes a SACK (RFC 9260 §6.2.1). Returns false when it acknowledges unsent TSNs. */
  onSack(s: SackChunk, nowMs: number): boolean {
    if (tsnLt(s.cumulativeTsnAck, this.cumAck)) return true; // an old SACK, out of order
    if (!tsnLt(s.cumulativeTsnAck, this.nextTsn)) return false;
    const flightBefore = this.flight;
    const cumAdvanced = tsnLt(this.cumAck, s.cumulativeTsnAck);
    let bytesAcked = 0;
    let highestNewlyAcked: number | undefined;
    let rtt: number | undefined;
    const ack = (c: OutChunk): void => {
      if (!c.acked && !c.abandoned) {
        bytesAcked += c.chunk.userData.length;
        highestNewlyAcked = c.chunk.tsn;
        if (c.transmissions === 1) rtt = nowMs - c.sentAt;
      }
      this.leaveFlight(c);
      c.acked = true;
      c.retransmit = false;
    };
    while (this.outstanding.length > 0 && tsnLte(this.outstanding[0].chunk.tsn, s.cumulativeTsnAck)) ack(this.outstanding.shift() as OutChunk);
    this.cumAck = s.cumulativeTsnAck;
    const blocks = [...s.gapBlocks].sort((a, b) => a.start - b.start);
    let b = 0;
    for (const c of this.outstanding) {
      const off = tsnDiff(this.cumAck, c.chunk.tsn);
      while (b < blocks.length && blocks[b].end < off) b++;
      const inGap = b < blocks.length && blocks[b].start <= off && off <= blocks[b].end;
      if (inGap) ack(c);
      else if (c.acked) c.acked = false; // reneged (RFC 9260 §6.2.1 D iv): sent again on T3
    }
    if (cumAdvanced) this.cc.onCumulativeAck(this.cumAck, bytesAcked, flightBefore);
    if (highestNewlyAcked !== undefined) this.countMisses(highestNewlyAcked, nowMs);
    if (rtt !== undefined) this.rto.measure(rtt);
    if (cumAdvanced || bytesAcked > 0) this.errorCount = 0;
    this.peerRwnd = Math.max(0, s.arwnd - this.flight);
    this.advanceAckPoint();
    if (!this.outstanding.some((c) => !c.acked) && !tsnLt(this.cumAck, this.advancedPeerAckPoint)) this.t3Deadline = undefined;
    else if (cumAdvanced || this.t3Deadline === undefined) this.t3Deadline = nowMs + this.rto.rto;
    return true;
  }

  /** The Cumulative TSN Ack of a SHUTDOWN (RFC 9260 §9.2), taken as a SACK without gaps. */
  onCumulativeAck(cumAck: number, nowMs: number): void {
    this.onSack({ type: 'sack', cumulativeTsnAck: cumAck, arwnd: this.peerRwnd + this.flight, gapBlocks: [], duplicateTsns: [] }, nowMs);
  }

  /** Fast retransmit: three miss indications below the highest newly acked TSN (§7.2.4). */
  private countMisses(highest: number, nowMs: number): void {
    let triggered = false;
    for (const c of this.outstanding) {
      if (!tsnLt(c.chunk.tsn, highest)) break;
      if (c.acked || c.abandoned || !c.inFlight || c.fastRetransmitted) continue;
      if (++c.missing < 3) continue;
      if (this.shouldAbandon(c, nowMs)) {
        this.abandon(c.msg);
        continue;
      }
      c.fastRetransmitted = true;
      this.markForRetransmit(c);
      triggered = true;
    }
    if (!triggered) return;
    this.stats.fastRetransmits++;
    this.fastRtxPending = true;
    this.cc.onFastRetransmit(tsnAdd(this.nextTsn, -1));
  }

  /** T3-rtx expiry (RFC 9260 §6.3.3). */
  onT3(nowMs: number): void {
    this.t3Deadline = undefined;
    this.stats.t3Expiries++;
    this.errorCount++;
    this.cc.onTimeout();
    this.rto.backOff();
    for (const c of this.outstanding) {
      if (c.acked || c.abandoned) continue;
      if (this.shouldAbandon(c, nowMs)) this.abandon(c.msg);
      else this.markForRetransmit(c);
    }
    this.advanceAckPoint();
    if (tsnLt(this.cumAck, this.advancedPeerAckPoint)) this.forwardTsnDue = true;
    if (this.outstanding.length > 0) this.t3Deadline = nowMs + this.rto.rto;
  }

  private markForRetransmit(c: OutChunk): void {
    this.leaveFlight(c);
    c.retransmit = true;
  }

  private leaveFlight(c: OutChunk): void {
    if (c.inFlight) this.flight -= c.chunk.userData.length;
    c.inFlight = false;
  }

  private shouldAbandon(c: OutChunk, nowMs: number): boolean {
    if (!this.partialReliability) return false;
    const m = c.msg;
    return (m.maxRetransmits !== undefined && c.transmissions > m.maxRetransmits) || (m.expiresAt !== undefined && nowMs >= m.expiresAt);
  }

  /** Abandons a whole message (RFC 3758 §3.5 A3: every fragment goes). */
  private abandon(m: OutMessage): void {
    if (m.abandoned) return;
    m.abandoned = true;
    this.stats.abandonedMessages++;
    for (const c of m.chunks) {
      if (c.acked) continue;
      this.leaveFlight(c);
      c.retransmit = false;
      c.abandoned = true;
    }
    if (this.current === m) this.current = undefined;
    const i = this.queue.indexOf(m);
    if (i >= 0) this.queue.splice(i, 1);
    // Part sent, part not: the unsent tail takes one TSN, never sent, so that FORWARD-TSN
    // moves past the end of the message and the receiver drops what it holds of it.
    const last = m.chunks[m.chunks.length - 1];
    if (last && !last.chunk.ending) {
      const chunk: DataChunk = { ...last.chunk, tsn: this.nextTsn, beginning: false, ending: true, userData: new Uint8Array(0) };
      this.nextTsn = tsnAdd(this.nextTsn, 1);
      this.outstanding.push({ ...last, chunk, transmissions: 0, acked: false, inFlight: false, retransmit: false, abandoned: true });
    }
  }

  /** RFC 3758 §3.5 C1–C2: move past abandoned chunks. */
  private advanceAckPoint(): void {
    if (tsnLt(this.advancedPeerAckPoint, this.cumAck)) this.advancedPeerAckPoint = this.cumAck;
    for (const c of this.outstanding) {
      if (!tsnLt(this.advancedPeerAckPoint, c.chunk.tsn)) continue;
      // Only abandoned chunks: a receiver drops fragments up to the new point, and a gap-acked
      // chunk there may belong to a message still being delivered.
      if (!c.abandoned || c.chunk.tsn !== tsnAdd(this.advancedPeerAckPoint, 1)) break;
      this.advancedPeerAckPoint = c.chunk.tsn;
    }
    if (tsnLt(this.lastForwardTsnSent, this.advancedPeerAckPoint) && tsnLt(this.cumAck, this.advancedPeerAckPoint)) this.forwardTsnDue = true;
  }

  /** A FORWARD-TSN chunk when one is due (RFC 3758 §3.5 C3), with the skipped ordered SSNs. */
  takeForwardTsn(): Chunk | undefined {
    if (!this.forwardTsnDue) return undefined;
    this.forwardTsnDue = false;
    if (!tsnLt(this.cumAck, this.advancedPeerAckPoint)) return undefined;
    const skipped = new Map<number, number>();
    for (const c of this.outstanding) {
      if (!tsnLte(c.chunk.tsn, this.advancedPeerAckPoint)) break;
      if (c.abandoned && !c.chunk.unordered) skipped.set(c.chunk.streamId, c.chunk.ssn);
    }
    this.lastForwardTsnSent = this.advancedPeerAckPoint;
    return { type: 'forward-tsn', newCumulativeTsn: this.advancedPeerAckPoint, streams: [...skipped].map(([streamId, ssn]) => ({ streamId, ssn })) };
  }

  /**
   * DATA chunks for the next packet, at most `room` bytes: retransmissions first, then new
   * data, within cwnd (RFC 9260 §6.1 B) and the peer's window (§6.1 A).
   */
  pull(nowMs: number, room: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const c of this.outstanding) {
      if (!c.retransmit || c.acked || c.abandoned) continue;
      if (!this.fastRtxPending && this.flight >= this.cc.cwnd) break;
      if (this.shouldAbandon(c, nowMs)) {
        this.abandon(c.msg);
        continue;
      }
      const size = dataChunkSize(c.chunk.userData.length);
      if (size > room) break;
      room -= size;
      c.retransmit = false;
      c.transmissions++;
      c.sentAt = nowMs;
      c.inFlight = true;
      this.flight += c.chunk.userData.length;
      this.stats.retransmissions++;
      out.push(encodeChunk(c.chunk));
    }
    if (out.length > 0) this.fastRtxPending = false;
    for (;;) {
      const m = this.current ?? this.queue[0];
      if (!m) break;
      if (m.expiresAt !== undefined && nowMs >= m.expiresAt && this.partialReliability) {
        this.abandon(m);
        continue;
      }
      if (this.flight >= this.cc.cwnd) break;
      const left = m.payload.length - m.offset;
      const len = Math.min(left, (room - 16) & ~3);
      if (len < Math.min(left, 256)) break;
      if (this.peerRwnd < len && this.flight > 0) break;
      this.sendFragment(m, len, nowMs);
      room -= dataChunkSize(len);
      out.push(encodeChunk(m.chunks[m.chunks.length - 1].chunk));
    }
    this.advanceAckPoint();
    if (out.length > 0 && this.t3Deadline === undefined) this.t3Deadline = nowMs + this.rto.rto;
    return out;
  }

  private sendFragment(m: OutMessage, len: number, nowMs: number): void {
    if (m.offset === 0 && !m.unordered) {
      m.ssn = this.ssnOut.get(m.streamId) ?? 0;
      this.ssnOut.set(m.streamId, (m.ssn + 1) & 0xffff);
    }
    const chunk: DataChunk = {
      type: 'data',
      unordered: m.unordered,
      beginning: m.offset === 0,
      ending: m.offset + len === m.payload.length,
      immediate: false,
      tsn: this.nextTsn,
      streamId: m.streamId,
      ssn: m.unordered ? 0 : m.ssn,
      ppid: m.ppid,
      userData: m.payload.subarray(m.offset, m.offset + len),
    };
    this.nextTsn = tsnAdd(this.nextTsn, 1);
    m.offset += len;
    const oc: OutChunk = { chunk, msg: m, sentAt: nowMs, transmissions: 1, acked: false, inFlight: true, retransmit: false, missing: 0, fastRetransmitted: false, abandoned: false };
    m.chunks.push(oc);
    this.outstanding.push(oc);
    this.flight += len;
    this.peerRwnd = Math.max(0, this.peerRwnd - len);
    if (chunk.ending) {
      this.current = undefined;
      this.queue.splice(this.queue.indexOf(m), 1);
    } else this.current = m;
  }
}
