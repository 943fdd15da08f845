/**
 * The message phase of `uclient`: every ready client sends stamped messages through its
 * relay (ChannelData, RFC 8656 §12, or Send indications, §10) and counts the echoes that
 * come back, paced (one message every `intervalMs`) or unpaced with a bounded number in
 * flight, so a run always ends by itself. With `-y` a client also bounces its partner's
 * messages back, playing the echo peer. One shared event loop, no per-message objects
 * beyond the datagram.
 */
import type { ServerConnection } from './server-connection.ts';
import type { RelayStats } from './relay-stats.ts';
import {
  dataLengthAt,
  relayedDataOffset,
  stampClient,
  stampSeq,
  stampTime,
  stampTransactionId,
  writeStamp,
  STAMP_LENGTH,
  type DatagramTemplate,
} from './relay-payload.ts';

/** A client ready to send: its connection and the datagram it sends, built once. */
export interface TrafficEndpoint {
  id: number;
  conn: ServerConnection;
  template: DatagramTemplate;
  /** the template is a Send indication, whose transaction id is stamped per message */
  sendIndication: boolean;
  /** with `-y`, the partner whose messages this client bounces back; -1 otherwise */
  partnerId: number;
}

/** How the message phase runs. Times in ms on the `now` clock. */
export interface TrafficPlan {
  /** messages per client; Infinity when `durationMs` bounds the run */
  messages: number;
  /** ms between a client's messages; 0 = unpaced */
  intervalMs: number;
  /** unpaced: messages in flight per client */
  window: number;
  /** stop sending after this long */
  durationMs: number | undefined;
  /** after the last send, how long without an echo before the missing ones count as lost */
  drainMs: number;
  /** unpaced: how long a client may wait for any echo before its in-flight messages count as lost */
  stallMs: number;
  now: () => number;
}

/** Dedupe ring per client: remembers which of the last 1024 sequence numbers came back. */
const RING_SIZE = 1024;
const RING_MASK = RING_SIZE - 1;

/** One client's side of the message phase. */
class Flow {
  readonly ep: TrafficEndpoint;
  readonly #run: TrafficRun;
  sent = 0;
  received = 0;
  /** in-flight messages given up on by the stall check (unpaced) */
  forgiven = 0;
  lastRttMs = NaN;
  progressed = false;
  doneSending = false;
  timer: NodeJS.Timeout | undefined;
  readonly #seen = new Uint32Array(RING_SIZE);

  constructor(ep: TrafficEndpoint, run: TrafficRun) {
    this.ep = ep;
    this.#run = run;
    ep.conn.onPacket = (packet) => this.onPacket(packet);
    ep.conn.onSendError = () => run.stats.sendErrors++;
  }

  get inFlight(): number {
    return this.sent - this.received - this.forgiven;
  }

  sendOne(): void {
    const t = this.ep.template;
    const buf = Buffer.allocUnsafe(t.bytes.length);
    t.bytes.copy(buf);
    if (this.ep.sendIndication) stampTransactionId(buf, this.ep.id, this.sent);
    writeStamp(buf, t.dataOffset, this.ep.id, this.sent, this.#run.plan.now());
    this.sent++;
    this.#run.stats.recordSent(t.dataLength);
    this.ep.conn.send(buf);
  }

  onPacket(packet: Buffer): void {
    const off = relayedDataOffset(packet);
    if (off < 0) return;
    const length = dataLengthAt(packet, off);
    if (length < STAMP_LENGTH) return;
    const client = stampClient(packet, off);
    if (client === this.ep.id) this.#onEcho(packet, off, length);
    else if (client === this.ep.partnerId) this.#bounce(packet, off, length);
  }

  #onEcho(packet: Buffer, off: number, length: number): void {
    const seq = stampSeq(packet, off);
    if (seq >= this.sent) return;
    const stats = this.#run.stats;
    const slot = seq & RING_MASK;
    if (this.#seen[slot] === seq + 1) {
      stats.duplicates++;
      return;
    }
    this.#seen[slot] = seq + 1;
    const rtt = this.#run.plan.now() - stampTime(packet, off);
    stats.recordEcho(length, rtt, this.lastRttMs);
    this.lastRttMs = rtt;
    this.received++;
    if (this.forgiven > this.sent - this.received) this.forgiven = this.sent - this.received;
    this.progressed = true;
    this.#run.onEcho(this);
  }

  /** `-y`: send the partner's message back the way it came, as an echo peer would. */
  #bounce(packet: Buffer, off: number, length: number): void {
    const t = this.ep.template;
    if (!this.ep.sendIndication) {
      // Our one channel is bound to the partner's relay, so the ChannelData goes back as is.
      this.ep.conn.send(packet);
    } else {
      if (length !== t.dataLength) return;
      const buf = Buffer.allocUnsafe(t.bytes.length);
      t.bytes.copy(buf);
      stampTransactionId(buf, this.ep.id, this.#run.stats.bounced);
      packet.copy(buf, t.dataOffset, off, off + length);
      this.ep.conn.send(buf);
    }
    this.#run.stats.bounced++;
  }
}

/** The whole message phase. */
class TrafficRun {
  readonly plan: TrafficPlan;
  readonly stats: RelayStats;
  readonly #flows: Flow[];
  #stopSending = false;
  #sendersLeft: number;
  #lastEchoAt = 0;
  #sendingDoneAt = 0;
  #timers: NodeJS.Timeout[] = [];
  #finish: () => void = () => {};
  #finished = false;

  constructor(endpoints: TrafficEndpoint[], plan: TrafficPlan, stats: RelayStats) {
    this.plan = plan;
    this.stats = stats;
    this.#flows = endpoints.map((ep) => new Flow(ep, this));
    this.#sendersLeft = this.#flows.length;
  }

  /** Runs until every message is echoed or given up on; resolves with the ms it took. */
  run(): Promise<number> {
    const start = this.plan.now();
    this.#lastEchoAt = start;
    return new Promise<number>((resolve) => {
      this.#finish = () => {
        if (this.#finished) return;
        this.#finished = true;
        for (const t of this.#timers) clearInterval(t);
        for (const f of this.#flows) {
          clearInterval(f.timer);
          // Closing connections after the run raises errors that are not lost sends.
          f.ep.conn.onPacket = () => {};
          f.ep.conn.onSendError = () => {};
        }
        resolve(Math.max(this.#lastEchoAt, this.#sendingDoneAt) - start);
      };
      if (this.plan.durationMs !== undefined) this.#timers.push(setTimeout(() => this.#stop(), this.plan.durationMs));
      if (this.plan.intervalMs > 0) this.#startPaced();
      else this.#startUnpaced();
      this.#checkDone();
    });
  }

  #canSend(f: Flow): boolean {
    return !this.#stopSending && f.sent < this.plan.messages;
  }

  #doneSending(f: Flow): void {
    if (f.doneSending) return;
    f.doneSending = true;
    clearInterval(f.timer);
    if (--this.#sendersLeft === 0) {
      this.#sendingDoneAt = this.plan.now();
      // Missing echoes are waited for until the line has been quiet for drainMs.
      this.#timers.push(setInterval(() => this.#checkDrain(), Math.min(100, this.plan.drainMs)));
    }
  }

  #startPaced(): void {
    const { intervalMs } = this.plan;
    const n = this.#flows.length;
    this.#flows.forEach((f, i) => {
      const tick = (): void => {
        if (!this.#canSend(f)) return this.#doneSending(f);
        f.sendOne();
        if (!this.#canSend(f)) this.#doneSending(f);
      };
      // Spread the clients over one interval so their messages do not leave in bursts.
      f.timer = setTimeout(() => {
        tick();
        if (!f.doneSending) f.timer = setInterval(tick, intervalMs);
      }, Math.floor((i * intervalMs) / n));
    });
  }

  #startUnpaced(): void {
    for (const f of this.#flows) this.#refill(f);
    const stall = setInterval(() => {
      for (const f of this.#flows) {
        if (!f.progressed && f.inFlight > 0) {
          f.forgiven += f.inFlight;
          this.#refill(f);
        }
        f.progressed = false;
      }
    }, this.plan.stallMs);
    this.#timers.push(stall);
  }

  #refill(f: Flow): void {
    while (f.inFlight < this.plan.window && this.#canSend(f)) f.sendOne();
    if (!this.#canSend(f)) this.#doneSending(f);
  }

  #stop(): void {
    this.#stopSending = true;
    for (const f of this.#flows) this.#doneSending(f);
    this.#checkDone();
  }

  onEcho(f: Flow): void {
    this.#lastEchoAt = this.plan.now();
    if (this.plan.intervalMs === 0) this.#refill(f);
    if (this.#sendersLeft === 0) this.#checkDone();
  }

  #checkDone(): void {
    if (this.#sendersLeft === 0 && this.stats.receivedMessages >= this.stats.sentMessages) this.#finish();
  }

  #checkDrain(): void {
    const quietSince = Math.max(this.#lastEchoAt, this.#sendingDoneAt);
    if (this.plan.now() - quietSince >= this.plan.drainMs) this.#finish();
  }
}

/**
 * Runs the message phase for `endpoints`, counting into `stats`; resolves with how long it
 * took in ms, from the first send to the last echo (or the last send, if later).
 */
export function runTraffic(endpoints: TrafficEndpoint[], plan: TrafficPlan, stats: RelayStats): Promise<number> {
  return new TrafficRun(endpoints, plan, stats).run();
}
