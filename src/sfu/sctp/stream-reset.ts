/**
 * Stream reconfiguration (RFC 6525): our Outgoing SSN Reset Requests, one in flight at a time
 * (§5.1.2), retried on a timer, and the answers to the peer's requests (§5.2). Only outgoing
 * SSN resets are performed; other requests are denied. RFC 8831 §6.7 closes a data channel
 * this way.
 */
import type { Chunk } from './chunks.ts';
import { type ReconfigParam, ReconfigResult } from './params.ts';
import { tsnAdd, tsnLte } from './serial.ts';

/** What the association lends to the reconfiguration logic. */
export interface StreamResetHost {
  /** Last TSN we assigned. */
  lastAssignedTsn(): number;
  /** Cumulative TSN received from the peer. */
  cumulativeTsnReceived(): number;
  /** True while messages for the stream wait to be sent for the first time. */
  hasQueued(streamId: number): boolean;
  rtoMs(): number;
  /** Our outgoing streams restart at SSN 0. */
  outgoingReset(streamIds: number[]): void;
  /** The peer's outgoing streams, our incoming ones, restart at SSN 0. */
  incomingReset(streamIds: number[]): void;
}

interface Request {
  seq: number;
  streams: number[];
  deadline: number;
}

export class StreamReset {
  private nextRequestSeq: number;
  private peerNextRequestSeq: number;
  private readonly pending = new Set<number>();
  private inFlight: Request | undefined;
  private lastResponse: { seq: number; result: number } | undefined;
  private deferred: Extract<ReconfigParam, { kind: 'outgoing-reset' }> | undefined;
  private readonly out: Chunk[] = [];
  private readonly host: StreamResetHost;

  /** Request sequence numbers start at the initial TSNs (RFC 6525 §5.1.1). */
  constructor(host: StreamResetHost, localInitialTsn: number, peerInitialTsn: number) {
    this.host = host;
    this.nextRequestSeq = localInitialTsn;
    this.peerNextRequestSeq = peerInitialTsn;
  }

  /** Streams waiting for their reset, requested or not yet. */
  resetting(streamId: number): boolean {
    return this.pending.has(streamId) || (this.inFlight?.streams.includes(streamId) ?? false);
  }

  request(streamIds: readonly number[]): void {
    for (const id of streamIds) if (!this.inFlight?.streams.includes(id)) this.pending.add(id);
  }

  deadline(): number | undefined {
    return this.inFlight?.deadline;
  }

  /** Sends the request in flight again once its timer expires (RFC 6525 §5.1.1). */
  onTimeout(nowMs: number): void {
    if (this.inFlight && nowMs >= this.inFlight.deadline) this.sendRequest(this.inFlight, nowMs);
  }

  /** RE-CONFIG chunks to send now. */
  poll(nowMs: number): Chunk[] {
    if (!this.inFlight && this.pending.size > 0) {
      // A stream is reset only once everything queued on it has been given a TSN.
      const ready = [...this.pending].filter((id) => !this.host.hasQueued(id));
      if (ready.length > 0) {
        for (const id of ready) this.pending.delete(id);
        this.inFlight = { seq: this.nextRequestSeq, streams: ready, deadline: 0 };
        this.sendRequest(this.inFlight, nowMs);
      }
    }
    this.checkDeferred();
    return this.out.splice(0);
  }

  private sendRequest(r: Request, nowMs: number): void {
    r.deadline = nowMs + this.host.rtoMs();
    const param: ReconfigParam = {
      kind: 'outgoing-reset',
      requestSeq: r.seq,
      responseSeq: tsnAdd(this.peerNextRequestSeq, -1),
      lastTsn: this.host.lastAssignedTsn(),
      streams: r.streams,
    };
    this.out.push({ type: 'reconfig', params: [param] });
  }

  handle(params: readonly ReconfigParam[], nowMs: number): void {
    for (const p of params) {
      if (p.kind === 'response') this.onResponse(p.responseSeq, p.result, nowMs);
      else if (p.kind === 'outgoing-reset') this.onOutgoingReset(p);
      else if (p.kind === 'unknown') continue;
      else this.onOtherRequest(p.requestSeq);
    }
  }

  private onResponse(seq: number, result: number, nowMs: number): void {
    const r = this.inFlight;
    if (!r || r.seq !== seq) return;
    if (result === ReconfigResult.inProgress) {
      r.deadline = nowMs + this.host.rtoMs();
      return;
    }
    this.inFlight = undefined;
    this.nextRequestSeq = tsnAdd(this.nextRequestSeq, 1);
    if (result === ReconfigResult.successPerformed || result === ReconfigResult.successNothingToDo) this.host.outgoingReset(r.streams);
  }

  /** RFC 6525 §5.2.2, with deferred processing while earlier TSNs are missing. */
  private onOutgoingReset(p: Extract<ReconfigParam, { kind: 'outgoing-reset' }>): void {
    if (p.requestSeq === tsnAdd(this.peerNextRequestSeq, -1) && this.lastResponse?.seq === p.requestSeq) {
      this.respond(p.requestSeq, this.lastResponse.result);
      return;
    }
    if (p.requestSeq !== this.peerNextRequestSeq) {
      this.respond(p.requestSeq, ReconfigResult.errorBadSequenceNumber);
      return;
    }
    if (!tsnLte(p.lastTsn, this.host.cumulativeTsnReceived())) {
      this.deferred = p;
      this.respond(p.requestSeq, ReconfigResult.inProgress);
      return;
    }
    this.perform(p);
  }

  private checkDeferred(): void {
    const d = this.deferred;
    if (d && tsnLte(d.lastTsn, this.host.cumulativeTsnReceived())) this.perform(d);
  }

  private perform(p: Extract<ReconfigParam, { kind: 'outgoing-reset' }>): void {
    this.deferred = undefined;
    this.peerNextRequestSeq = tsnAdd(this.peerNextRequestSeq, 1);
    this.host.incomingReset(p.streams);
    this.lastResponse = { seq: p.requestSeq, result: ReconfigResult.successPerformed };
    this.respond(p.requestSeq, ReconfigResult.successPerformed);
  }

  private onOtherRequest(seq: number): void {
    if (seq === this.peerNextRequestSeq) {
      this.peerNextRequestSeq = tsnAdd(this.peerNextRequestSeq, 1);
      this.lastResponse = { seq, result: ReconfigResult.denied };
    }
    this.respond(seq, ReconfigResult.denied);
  }

  private respond(seq: number, result: number): void {
    this.out.push({ type: 'reconfig', params: [{ kind: 'response', responseSeq: seq, result }] });
  }
}
