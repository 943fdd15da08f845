/**
 * The receiving half of data transfer (RFC 9260 §6.2, §6.5, §6.9): which TSNs have arrived
 * (for SACK), reassembly of fragmented user messages, in-order delivery per stream by SSN
 * and immediate delivery of unordered messages, FORWARD-TSN (RFC 3758 §3.6) and incoming
 * stream reset (RFC 6525 §5.2.2). Memory is bounded by the advertised receiver window.
 */
import type { DataChunk, GapBlock } from './chunks.ts';
import { ssnLte, ssnNext, tsnAdd, tsnDiff, tsnLte } from './serial.ts';

/** A whole user message, ready for the upper layer. */
export interface ReceivedMessage {
  streamId: number;
  ppid: number;
  data: Uint8Array;
  unordered: boolean;
}

/** What became of one DATA chunk. */
export type ChunkOutcome = 'new' | 'duplicate' | 'dropped';

interface InboundStream {
  nextSsn: number;
  /** Complete ordered messages waiting for earlier SSNs; null marks one dropped as too large. */
  ready: Map<number, ReceivedMessage | null>;
}

/** Highest TSN offset a gap ack block can express (RFC 9260 §3.3.4: 16-bit offsets). */
const MAX_WINDOW = 0xffff;
const MAX_GAP_BLOCKS = 64;
const MAX_DUPLICATES = 32;

export class DataReceiver {
  /** Cumulative TSN: every TSN up to this one has been received. */
  cumulativeTsn: number;
  private readonly above = new Set<number>();
  private duplicates: number[] = [];
  private readonly fragments = new Map<number, DataChunk>();
  /** TSNs whose bytes were discarded because their message grew past the limit. */
  private readonly truncated = new Set<number>();
  private readonly streams = new Map<number, InboundStream>();
  private buffered = 0;
  private readonly delivered: ReceivedMessage[] = [];
  readonly stats = { oversizedMessages: 0, droppedChunks: 0, duplicateTsns: 0 };
  private readonly maxMessageSize: number;
  private readonly bufferSize: number;

  constructor(peerInitialTsn: number, opts: { maxMessageSize: number; bufferSize: number }) {
    this.cumulativeTsn = tsnAdd(peerInitialTsn, -1);
    this.maxMessageSize = opts.maxMessageSize;
    this.bufferSize = opts.bufferSize;
  }

  /** Receiver window to advertise (RFC 9260 §6.2). */
  arwnd(): number {
    return Math.max(0, this.bufferSize - this.buffered);
  }

  /** True when TSNs above the cumulative TSN are missing. */
  hasGaps(): boolean {
    return this.above.size > 0;
  }

  receive(c: DataChunk): ChunkOutcome {
    const offset = tsnDiff(this.cumulativeTsn, c.tsn);
    if (offset === 0 || offset >= 0x80000000 || this.above.has(c.tsn)) {
      this.stats.duplicateTsns++;
      if (this.duplicates.length < MAX_DUPLICATES) this.duplicates.push(c.tsn);
      return 'duplicate';
    }
    // Out of window, or no room: drop without acknowledging so the peer sends it again. The
    // next expected TSN is always taken so that a full buffer can still drain.
    if (offset > MAX_WINDOW || (offset !== 1 && this.buffered + c.userData.length > this.bufferSize)) {
      this.stats.droppedChunks++;
      return 'dropped';
    }
    this.above.add(c.tsn);
    while (this.above.delete(tsnAdd(this.cumulativeTsn, 1))) this.cumulativeTsn = tsnAdd(this.cumulativeTsn, 1);
    if (c.beginning && c.ending) {
      this.complete(c, c.userData.length > this.maxMessageSize ? null : c.userData);
    } else {
      this.fragments.set(c.tsn, c);
      this.buffered += c.userData.length;
      this.assemble(c.tsn);
    }
    if (c.beginning) this.dropOrphanBefore(c.tsn);
    return 'new';
  }

  /** Messages completed since the last call, in delivery order. */
  takeDelivered(): ReceivedMessage[] {
    return this.delivered.splice(0);
  }

  /** SACK fields for the current state; duplicates are reported once (RFC 9260 §6.2). */
  sackFields(): { cumulativeTsnAck: number; arwnd: number; gapBlocks: GapBlock[]; duplicateTsns: number[] } {
    const offsets = Array.from(this.above, (t) => tsnDiff(this.cumulativeTsn, t)).sort((a, b) => a - b);
    const gapBlocks: GapBlock[] = [];
    for (const o of offsets) {
      const last = gapBlocks[gapBlocks.length - 1];
      if (last && last.end + 1 === o) last.end = o;
      else if (gapBlocks.length < MAX_GAP_BLOCKS) gapBlocks.push({ start: o, end: o });
      else break;
    }
    const duplicateTsns = this.duplicates;
    this.duplicates = [];
    return { cumulativeTsnAck: this.cumulativeTsn, arwnd: this.arwnd(), gapBlocks, duplicateTsns };
  }

  /**
   * FORWARD-TSN (RFC 3758 §3.6): treat every TSN up to `newCumulativeTsn` as received, drop
   * fragments of abandoned messages and skip the abandoned SSNs of ordered streams.
   */
  forwardTsn(newCumulativeTsn: number, skipped: readonly { streamId: number; ssn: number }[]): void {
    if (tsnLte(newCumulativeTsn, this.cumulativeTsn)) return;
    if (tsnDiff(this.cumulativeTsn, newCumulativeTsn) > MAX_WINDOW) return;
    const keep = this.continuingRun(newCumulativeTsn, skipped);
    for (const [tsn, c] of this.fragments) {
      if (!tsnLte(tsn, newCumulativeTsn) || keep.has(tsn)) continue;
      this.fragments.delete(tsn);
      this.truncated.delete(tsn);
      this.buffered -= c.userData.length;
    }
    for (const tsn of this.above) if (tsnLte(tsn, newCumulativeTsn)) this.above.delete(tsn);
    this.cumulativeTsn = newCumulativeTsn;
    while (this.above.delete(tsnAdd(this.cumulativeTsn, 1))) this.cumulativeTsn = tsnAdd(this.cumulativeTsn, 1);
    for (const { streamId, ssn } of skipped) {
      const s = this.stream(streamId);
      // Deliver what is complete up to the skipped SSN, then move past it.
      while (ssnLte(s.nextSsn, ssn)) {
        this.deliverReady(s, s.nextSsn);
        s.nextSsn = ssnNext(s.nextSsn);
      }
      this.drain(s);
    }
  }

  /**
   * Fragments of an ordered message that begins at or before the new cumulative TSN and goes
   * on after it, and whose SSN is not among the skipped ones: a sender that moves the point
   * over acknowledged chunks did not abandon it. Everything else up to the point goes.
   */
  private continuingRun(newCumulativeTsn: number, skipped: readonly { streamId: number; ssn: number }[]): Set<number> {
    const run = new Set<number>();
    for (let t = newCumulativeTsn; ; t = tsnAdd(t, -1)) {
      const c = this.fragments.get(t);
      if (!c || c.ending) return new Set();
      run.add(t);
      if (!c.beginning) continue;
      const abandoned = c.unordered || skipped.some((s) => s.streamId === c.streamId && ssnLte(c.ssn, s.ssn));
      return abandoned ? new Set() : run;
    }
  }

  /** Incoming SSN reset (RFC 6525 §5.2.2): the listed streams (all if none) restart at SSN 0. */
  resetStreams(streamIds: readonly number[]): void {
    const ids = streamIds.length > 0 ? streamIds : [...this.streams.keys()];
    for (const id of ids) {
      const s = this.streams.get(id);
      if (!s) continue;
      for (const m of s.ready.values()) if (m) this.buffered -= m.data.length;
      this.streams.delete(id);
    }
  }

  private stream(id: number): InboundStream {
    let s = this.streams.get(id);
    if (!s) {
      s = { nextSsn: 0, ready: new Map() };
      this.streams.set(id, s);
    }
    return s;
  }

  /** Finds the whole run of fragments around `tsn`, if all of it is here (RFC 9260 §6.9). */
  private assemble(tsn: number): void {
    let first = tsn;
    for (;;) {
      const c = this.fragments.get(first) as DataChunk;
      if (c.beginning) break;
      const prev = this.fragments.get(tsnAdd(first, -1));
      if (!prev || prev.ending || prev.streamId !== c.streamId) return;
      first = tsnAdd(first, -1);
    }
    const head = this.fragments.get(first) as DataChunk;
    const run: DataChunk[] = [];
    let size = 0;
    let truncated = false;
    for (let t = first; ; t = tsnAdd(t, 1)) {
      const c = this.fragments.get(t);
      if (!c || (t !== first && c.beginning) || c.streamId !== head.streamId || c.unordered !== head.unordered) {
        if (size > this.maxMessageSize) this.truncate(run);
        return;
      }
      run.push(c);
      size += c.userData.length;
      truncated ||= this.truncated.has(t);
      if (c.ending) break;
    }
    for (const c of run) {
      this.fragments.delete(c.tsn);
      this.truncated.delete(c.tsn);
      this.buffered -= c.userData.length;
    }
    if (truncated || size > this.maxMessageSize) return this.complete(head, null);
    const data = new Uint8Array(size);
    let at = 0;
    for (const c of run) {
      data.set(c.userData, at);
      at += c.userData.length;
    }
    this.complete(head, data);
  }

  /**
   * A message begins right after fragments that never ended: that earlier message lost its
   * tail for good (a sender abandoned it), so its fragments can only take up room.
   */
  private dropOrphanBefore(tsn: number): void {
    for (let t = tsnAdd(tsn, -1); ; t = tsnAdd(t, -1)) {
      const c = this.fragments.get(t);
      if (!c || c.ending) return;
      this.fragments.delete(t);
      this.truncated.delete(t);
      this.buffered -= c.userData.length;
      if (c.beginning) return;
    }
  }

  /** Frees the bytes of a partial message already past the size limit, keeping its place. */
  private truncate(run: readonly DataChunk[]): void {
    for (const c of run) {
      if (c.userData.length === 0) continue;
      this.buffered -= c.userData.length;
      this.fragments.set(c.tsn, { ...c, userData: new Uint8Array(0) });
      this.truncated.add(c.tsn);
    }
  }

  private complete(head: DataChunk, data: Uint8Array | null): void {
    if (data === null) this.stats.oversizedMessages++;
    const msg = data && { streamId: head.streamId, ppid: head.ppid, data, unordered: head.unordered };
    if (head.unordered) {
      if (msg) this.delivered.push(msg);
      return;
    }
    const s = this.stream(head.streamId);
    if (!ssnLte(s.nextSsn, head.ssn) || s.ready.has(head.ssn)) return;
    s.ready.set(head.ssn, msg);
    if (msg) this.buffered += msg.data.length;
    this.drain(s);
  }

  private deliverReady(s: InboundStream, ssn: number): void {
    const m = s.ready.get(ssn);
    if (m === undefined) return;
    s.ready.delete(ssn);
    if (m) {
      this.buffered -= m.data.length;
      this.delivered.push(m);
    }
  }

  private drain(s: InboundStream): void {
    while (s.ready.has(s.nextSsn)) {
      this.deliverReady(s, s.nextSsn);
      s.nextSsn = ssnNext(s.nextSsn);
    }
  }
}
