/**
 * One SCTP association (RFC 9260) as a sans-IO state machine: the caller feeds packets
 * (one per DTLS record, RFC 8261) and the time, polls the packets to send and the next
 * deadline. No sockets, no timers, no clock of its own.
 */
import type { Chunk, InitChunk } from './chunks.ts';
import { openCookie } from './cookie.ts';
import { cookieCase, cookieFor, initAckTags, initChunk, peerFeatures, randomTag, randomU32, STALE_COOKIE, staleCookieError } from './handshake.ts';
import { DelayedSack } from './delayed-sack.ts';
import { decodePacket, tagVerdict } from './packet.ts';
import type { DataReceiver } from './reassembly.ts';
import type { DataSender, SendOptions } from './retransmit.ts';
import { type AssociationState, type PublicState, type ResolvedOptions, type SctpCounters, type SctpOptions, type SendResult, resolveOptions, sctpCounters } from './options.ts';
import type { StreamReset } from './stream-reset.ts';
import { createTcb } from './tcb.ts';
import { Outbox } from './outbox.ts';
import { unrecognizedChunk } from './unrecognized.ts';

export type { AssociationState, PublicState, SctpCounters, SctpOptions, SendOptions, SendResult } from './options.ts';

const STREAMS = 65535;

export class SctpAssociation {
  /** Called once per complete user message, in order per ordered stream. */
  onMessage: (streamId: number, ppid: number, data: Uint8Array) => void = () => {};
  onStateChange: (state: PublicState) => void = () => {};
  /** Streams whose SSNs were reset: 'incoming' by the peer's request, 'outgoing' by ours. */
  onStreamReset: (streamIds: number[], direction: 'incoming' | 'outgoing') => void = () => {};

  private internal: AssociationState = 'closed';
  private publicState: PublicState | undefined;
  private readonly o: ResolvedOptions;
  private readonly secret: Uint8Array;
  private localTag = 0;
  private peerTag: number | undefined;
  private localInitialTsn = 0;
  private sender: DataSender | undefined;
  private receiver: DataReceiver | undefined;
  private reset: StreamReset | undefined;
  private readonly out: Outbox;
  private now = 0;
  private t1: { deadline: number; count: number; rto: number; chunk: Chunk } | undefined;
  private t2: { deadline: number; count: number; rto: number } | undefined;
  private readonly sack: DelayedSack;
  private readonly c = { packetsIn: 0, packetsOut: 0, badChecksum: 0, badTag: 0, malformed: 0, badCookie: 0, staleCookie: 0, outOfTheBlue: 0, unrecognizedChunks: 0 };

  constructor(opts: SctpOptions) {
    this.o = resolveOptions(opts);
    this.sack = new DelayedSack(this.o.delayedSackMs);
    this.secret = this.o.random(32);
    this.out = new Outbox(this.o.localPort, this.o.remotePort, this.o.mtu);
  }

  get state(): AssociationState {
    return this.internal;
  }

  /** Sends INIT (RFC 9260 §5.1 A). In WebRTC both ends call this. */
  connect(nowMs: number): void {
    this.now = nowMs;
    if (this.internal !== 'closed' || this.publicState === 'closed') return;
    this.sendInit();
  }

  /** INIT under a fresh tag and initial TSN, in COOKIE-WAIT with T1 running (RFC 9260 §5.1 A). */
  private sendInit(): void {
    this.localTag = randomTag(this.o.random);
    this.localInitialTsn = randomU32(this.o.random);
    const init = initChunk('init', this.localTag, this.localInitialTsn, this.o.receiveWindow, STREAMS);
    this.setState('cookie-wait');
    this.t1 = { deadline: this.now + this.o.rtoInitialMs, count: 0, rto: this.o.rtoInitialMs, chunk: init };
    this.out.control(0, init);
  }

  /** Queues one user message (RFC 9260 §6.9 fragments it as needed). */
  send(streamId: number, ppid: number, payload: Uint8Array, opts: SendOptions = {}, nowMs = this.now): SendResult {
    if (!this.sender || (this.internal !== 'established' && this.internal !== 'cookie-echoed')) return { ok: false, reason: 'not-established' };
    if (payload.length === 0) return { ok: false, reason: 'empty' };
    if (payload.length > this.o.maxMessageSize) return { ok: false, reason: 'too-large' };
    if (this.reset?.resetting(streamId)) return { ok: false, reason: 'stream-resetting' };
    this.sender.enqueue(streamId, ppid, payload, opts, nowMs);
    return { ok: true };
  }

  /** Bytes waiting to be sent for the first time, for one stream or all. */
  bufferedAmount(streamId?: number): number {
    return this.sender?.queuedBytes(streamId) ?? 0;
  }

  /** Outgoing SSN Reset Request for these streams (RFC 6525 §5.1.2; RFC 8831 §6.7). */
  resetStreams(streamIds: readonly number[]): void {
    if (!this.reset) return;
    // send() refuses new messages on these streams until the reset is done, so the
    // request goes out once what was queued before it has its TSNs.
    this.reset.request(streamIds);
  }

  /** Graceful close: SHUTDOWN once everything sent is acknowledged (RFC 9260 §9.2). */
  close(nowMs = this.now): void {
    this.now = nowMs;
    if (this.internal === 'established') {
      this.setState('shutdown-pending');
      this.maybeShutdown();
    } else if (this.internal === 'cookie-wait' || this.internal === 'cookie-echoed') this.abort();
  }

  /** ABORT (RFC 9260 §9.1). */
  abort(): void {
    if (this.internal === 'closed') return;
    if (this.peerTag !== undefined) this.out.control(this.peerTag, { type: 'abort', reflected: false, causes: [] });
    this.enterClosed();
  }

  counters(): SctpCounters {
    return sctpCounters(this.c, this.sender?.stats, this.receiver?.stats);
  }

  /** The earliest time `handleTimeout` has work to do. */
  nextDeadline(): number | undefined {
    const all = [this.t1?.deadline, this.t2?.deadline, this.sack.deadline, this.sender?.t3Deadline, this.reset?.deadline()];
    let min: number | undefined;
    for (const d of all) if (d !== undefined && (min === undefined || d < min)) min = d;
    return this.internal === 'closed' ? undefined : min;
  }

  handleTimeout(nowMs: number): void {
    this.now = nowMs;
    if (this.t1 && nowMs >= this.t1.deadline) this.onT1();
    if (this.t2 && nowMs >= this.t2.deadline) this.onT2();
    this.sack.onTimeout(nowMs);
    this.reset?.onTimeout(nowMs);
    const s = this.sender;
    if (s?.t3Deadline !== undefined && nowMs >= s.t3Deadline) {
      s.onT3(nowMs);
      if (s.errorCount > this.o.maxAssociationRetransmits) this.abort();
    }
  }

  /** Packets to hand to DTLS, each at most `mtu` bytes. */
  pollTransmit(nowMs = this.now): Uint8Array[] {
    this.now = nowMs;
    if (this.peerTag !== undefined && this.sender && this.reset && this.receiver && this.internal !== 'closed') {
      const lead: Chunk[] = [];
      if (this.sack.take()) lead.push({ type: 'sack', ...this.receiver.sackFields() });
      const fwd = this.sender.takeForwardTsn();
      if (fwd) lead.push(fwd);
      lead.push(...this.reset.poll(nowMs));
      const canSend = this.internal === 'established' || this.internal === 'shutdown-pending' || this.internal === 'shutdown-received';
      this.out.data(this.peerTag, lead, canSend ? (room) => (this.sender as DataSender).pull(nowMs, room) : undefined);
    }
    const packets = this.out.take();
    this.c.packetsOut += packets.length;
    return packets;
  }

  handlePacket(bytes: Uint8Array, nowMs: number): void {
    this.now = nowMs;
    this.c.packetsIn++;
    const d = decodePacket(bytes);
    if (!d.ok) {
      if ('badChecksum' in d) this.c.badChecksum++;
      else this.c.malformed++;
      return;
    }
    const p = d.value;
    if (p.destinationPort !== this.o.localPort || p.sourcePort !== this.o.remotePort) {
      this.c.malformed++;
      return;
    }
    const verdict = tagVerdict(p.verificationTag, p.chunks, { localTag: this.localTag, peerTag: this.peerTag, closed: this.internal === 'closed' });
    if (verdict !== 'ok') {
      this.c[verdict]++;
      return;
    }
    let dataSeen = false;
    const hadGaps = this.receiver?.hasGaps() ?? false;
    for (const chunk of p.chunks) {
      if (chunk.type === 'data') dataSeen = true;
      if (this.handleChunk(chunk, p.verificationTag) === 'stop') break;
    }
    // Delayed SACK (RFC 9260 §6.2), at once on gaps and during shutdown.
    if (dataSeen && this.receiver) this.sack.afterData(this.receiver.hasGaps() || hadGaps || this.internal.startsWith('shutdown'), this.now);
    this.deliver();
    this.maybeShutdown();
  }

  private handleChunk(chunk: Chunk, tag: number): 'stop' | void {
    switch (chunk.type) {
      case 'init':
        return this.onInit(chunk);
      case 'init-ack':
        return this.onInitAck(chunk);
      case 'cookie-echo':
        return this.onCookieEcho(chunk.cookie, tag);
      case 'cookie-ack':
        if (this.internal === 'cookie-echoed') {
          this.t1 = undefined;
          this.setState('established');
        }
        return;
      case 'data': {
        if (!this.receiver || !this.dataStates()) return;
        const r = this.receiver.receive(chunk);
        if (r === 'duplicate' || chunk.immediate) this.sack.due = true;
        return;
      }
      case 'sack':
        if (this.sender && this.dataStates() && !this.sender.onSack(chunk, this.now)) this.c.malformed++;
        return;
      case 'forward-tsn':
        if (!this.receiver || !this.dataStates()) return;
        this.receiver.forwardTsn(chunk.newCumulativeTsn, chunk.streams);
        this.sack.due = true; // RFC 3758 §3.6: answer a FORWARD-TSN with a SACK at once
        return;
      case 'reconfig':
        this.reset?.handle(chunk.params, this.now);
        return;
      case 'heartbeat':
        if (this.peerTag !== undefined) this.out.control(this.peerTag, { type: 'heartbeat-ack', info: chunk.info });
        return;
      case 'abort':
        this.enterClosed();
        return 'stop';
      case 'shutdown':
        if (this.dataStates()) this.sender?.onCumulativeAck(chunk.cumulativeTsnAck, this.now);
        return this.onShutdown();
      case 'shutdown-ack':
        if (this.internal === 'shutdown-sent' || this.internal === 'shutdown-ack-sent') {
          this.out.control(this.peerTag ?? 0, { type: 'shutdown-complete', reflected: false });
          this.enterClosed();
        }
        return;
      case 'shutdown-complete':
        if (this.internal === 'shutdown-ack-sent') this.enterClosed();
        return;
      case 'error':
        return this.onError(chunk.causes);
      case 'heartbeat-ack':
        return;
      case 'unknown': {
        this.c.unrecognizedChunks++;
        const u = unrecognizedChunk(chunk);
        if (u.report && this.peerTag !== undefined) this.out.control(this.peerTag, u.report);
        return u.stop ? 'stop' : undefined;
      }
    }
  }

  private dataStates(): boolean {
    return this.internal === 'established' || this.internal.startsWith('shutdown');
  }

  /** RFC 9260 §5.1 B, §5.2.1 and §5.2.2: every INIT is answered without keeping new state. */
  private onInit(init: InitChunk): void {
    if (this.internal === 'closed' && this.publicState === 'closed') return;
    const { tag, tsn, tie } = initAckTags(this.internal, { tag: this.localTag, tsn: this.localInitialTsn, peerTag: this.peerTag }, this.o.random);
    const cookie = cookieFor(init, { tag, tsn, tie, nowMs: this.now }, this.secret);
    this.out.control(init.initiateTag, initChunk('init-ack', tag, tsn, this.o.receiveWindow, STREAMS, cookie));
  }

  /** RFC 9260 §5.1 C: only in COOKIE-WAIT; anything else is a late duplicate. */
  private onInitAck(ack: InitChunk): void {
    if (this.internal !== 'cookie-wait' || !ack.params.stateCookie) return;
    this.peerTag = ack.initiateTag;
    this.buildTcb(ack.initialTsn, ack.arwnd, peerFeatures(ack).forwardTsn);
    const echo: Chunk = { type: 'cookie-echo', cookie: ack.params.stateCookie };
    this.t1 = { deadline: this.now + this.o.rtoInitialMs, count: 0, rto: this.o.rtoInitialMs, chunk: echo };
    this.setState('cookie-echoed');
    this.out.control(this.peerTag, echo);
  }

  /**
   * RFC 9260 §5.1.5 and §5.2.4. A refused cookie stops the packet: chunks bundled after it
   * were never checked against a tag.
   */
  private onCookieEcho(bytes: Uint8Array, tag: number): 'stop' | void {
    const opened = openCookie(bytes, this.secret, this.now, this.o.cookieLifetimeMs);
    if (!opened.ok) {
      this.c.badCookie++;
      return 'stop';
    }
    const c = opened.value;
    if (tag !== c.localTag) {
      this.c.badTag++;
      return 'stop';
    }
    if (this.publicState === 'closed' && this.internal === 'closed') return 'stop';
    const fresh = this.internal === 'closed';
    const kase = fresh ? 'fresh' : cookieCase(c, this.localTag, this.peerTag);
    // A stale cookie whose tags all match is a late retransmission: the association it made
    // exists, so it is answered again (§5.2.4 case D) rather than refused.
    if (c.stalenessMs > 0 && !(kase === 'D' && this.sender)) {
      // RFC 9260 §5.1.5 step 3 and §3.3.10.3: tell the peer how stale its cookie was.
      this.c.staleCookie++;
      this.out.control(c.peerTag, staleCookieError(c.stalenessMs));
      return 'stop';
    }
    if (kase === 'C' || kase === 'discard') return 'stop';
    if (kase !== 'D' || !this.sender) {
      // A new association (fresh or restart A) or the peer's tags from a collision (B).
      this.localTag = c.localTag;
      this.localInitialTsn = c.localInitialTsn;
      this.peerTag = c.peerTag;
      this.buildTcb(c.peerInitialTsn, c.peerArwnd, c.peerForwardTsn);
    }
    this.t1 = undefined;
    this.setState('established');
    this.out.control(c.peerTag, { type: 'cookie-ack' });
  }

  /** RFC 9260 §5.2.6: a Stale Cookie error in COOKIE-ECHOED starts the handshake again. */
  private onError(causes: readonly { code: number }[]): void {
    if (this.internal !== 'cookie-echoed' || !causes.some((c) => c.code === STALE_COOKIE)) return;
    this.peerTag = undefined;
    this.sender = undefined;
    this.receiver = undefined;
    this.reset = undefined;
    // A fresh tag: if the peer did set up an association from an earlier cookie, this INIT
    // then reads as a restart (case A of §5.2.4) rather than a cookie it must discard.
    this.sendInit();
  }

  private buildTcb(peerInitialTsn: number, peerArwnd: number, forwardTsn: boolean): void {
    const tcb = createTcb(this.o, { localInitialTsn: this.localInitialTsn, peerInitialTsn, peerArwnd, forwardTsn }, (ids, direction) => this.onStreamReset(ids, direction));
    this.sender = tcb.sender;
    this.receiver = tcb.receiver;
    this.reset = tcb.reset;
  }

  private deliver(): void {
    const r = this.receiver;
    if (!r) return;
    for (const m of r.takeDelivered()) this.onMessage(m.streamId, m.ppid, m.data);
  }

  /** RFC 9260 §9.2. */
  private onShutdown(): void {
    if (this.internal === 'established' || this.internal === 'shutdown-pending') this.setState('shutdown-received');
    else if (this.internal === 'shutdown-sent') this.sendShutdownAck();
  }

  private maybeShutdown(): void {
    if (!this.sender?.idle() || this.peerTag === undefined) return;
    if (this.internal === 'shutdown-pending') {
      this.setState('shutdown-sent');
      this.t2 = { deadline: this.now + this.sender.rto.rto, count: 0, rto: this.sender.rto.rto };
      this.out.control(this.peerTag, { type: 'shutdown', cumulativeTsnAck: this.receiver?.cumulativeTsn ?? 0 });
    } else if (this.internal === 'shutdown-received') this.sendShutdownAck();
  }

  private sendShutdownAck(): void {
    if (this.peerTag === undefined) return;
    this.setState('shutdown-ack-sent');
    const rto = this.sender?.rto.rto ?? this.o.rtoInitialMs;
    this.t2 = { deadline: this.now + rto, count: 0, rto };
    this.out.control(this.peerTag, { type: 'shutdown-ack' });
  }

  private onT1(): void {
    const t = this.t1;
    if (!t) return;
    if (++t.count > this.o.maxInitRetransmits) return this.enterClosed();
    this.backOff(t);
    this.out.control(t.chunk.type === 'init' ? 0 : (this.peerTag ?? 0), t.chunk);
  }

  private onT2(): void {
    const t = this.t2;
    if (!t || this.peerTag === undefined) return;
    if (++t.count > this.o.maxAssociationRetransmits) return this.abort();
    this.backOff(t);
    if (this.internal === 'shutdown-sent') this.out.control(this.peerTag, { type: 'shutdown', cumulativeTsnAck: this.receiver?.cumulativeTsn ?? 0 });
    else this.out.control(this.peerTag, { type: 'shutdown-ack' });
  }

  /** A T1 or T2 expiry: the timeout doubles, up to RTO.Max (RFC 9260 §6.3.3 E2). */
  private backOff(t: { deadline: number; rto: number }): void {
    t.rto = Math.min(t.rto * 2, this.o.rtoMaxMs);
    t.deadline = this.now + t.rto;
  }

  private enterClosed(): void {
    this.t1 = undefined;
    this.t2 = undefined;
    this.sack.stop();
    if (this.sender) this.sender.t3Deadline = undefined;
    this.setState('closed');
  }

  private setState(s: AssociationState): void {
    this.internal = s;
    const pub: PublicState = s === 'closed' ? 'closed' : s === 'cookie-wait' || s === 'cookie-echoed' ? 'connecting' : 'established';
    if (pub === this.publicState) return;
    this.publicState = pub;
    this.onStateChange(pub);
  }
}
